-- One row per borough and month: domestic abuse incidents from the latest release that
-- contains the month (a re-sent month replaces the earlier figures).
with

staged as (

    select * from {{ ref('stg_met__da_incidents') }}

),

boroughs as (

    select * from {{ ref('london_boroughs') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by borough_code, month
            order by released_on desc, loaded_at desc, source_file desc
        ) as recency
    from staged

),

final as (

    select
        cast(ranked.borough_code as varchar) as borough_code,
        cast(boroughs.borough_name as varchar) as borough_name,
        cast(boroughs.is_london_borough as boolean) as is_london_borough,
        cast(ranked.month as date) as month,
        cast(ranked.da_incidents as bigint) as da_incidents,
        cast(ranked.release as varchar) as release,
        cast(ranked.source_file as varchar) as source_file
    from ranked
    inner join boroughs
        on boroughs.borough_code = ranked.borough_code
    where ranked.recency = 1

)

select * from final
