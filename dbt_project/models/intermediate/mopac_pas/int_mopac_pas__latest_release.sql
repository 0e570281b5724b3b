-- One PAS figure per area, measure and survey quarter: from the latest release that holds it
-- (so the Lambeth copy of the London series, release Sep-22, never replaces the Sep-25
-- release's Sep-22 figures, whenever it lands), and within one release from the file landed
-- last (the file name breaks a tie, so a build is repeatable).
with

staged as (

    select * from {{ ref('stg_mopac__pas') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by area_code, measure, period_start
            order by released_on desc, loaded_at desc, source_file desc
        ) as recency
    from staged

),

final as (

    select * exclude (recency)
    from ranked
    where recency = 1

)

select * from final
