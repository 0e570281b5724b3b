-- One IOM row per area and quarter: from the latest release that holds it, and within one
-- release from the file landed last (a re-sent return corrects the first; the file name
-- breaks a tie).
with

staged as (

    select * from {{ ref('stg_mopac__iom') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by area_code, period_start
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
