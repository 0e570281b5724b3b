-- The board's five crime measures per borough and month (every borough the Met reports,
-- including the airports pseudo-borough; filter on is_london_borough for the 32).
with

measures as (

    select * from {{ ref('int_crime_measures__monthly') }}

),

final as (

    select
        cast(borough_code as varchar) as borough_code,
        cast(borough_name as varchar) as borough_name,
        cast(is_london_borough as boolean) as is_london_borough,
        cast(measure as varchar) as measure,
        cast(month as date) as month,
        cast(volume as bigint) as volume
    from measures

)

select * from final
