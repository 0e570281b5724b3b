-- The board's dashboard measures per borough and month: offences and positive outcomes, from
-- the file with the latest refresh covering the measure and month, zeros filled for the London
-- boroughs (every area the Met reports is kept; filter on is_london_borough for the 32).
with

latest as (

    select * from {{ ref('int_crime_dashboard__latest_refresh') }}

),

final as (

    select
        cast(borough_code as varchar) as borough_code,
        cast(borough_name as varchar) as borough_name,
        cast(is_london_borough as boolean) as is_london_borough,
        cast(measure as varchar) as measure,
        cast(month as date) as month,
        cast(sum(case when measure_type = 'offences' then measure_count end) as bigint)
            as offences,
        cast(sum(case when measure_type = 'positive_outcomes' then measure_count end) as bigint)
            as positive_outcomes,
        cast(any_value(source_file) as varchar) as source_file,
        cast(any_value(released_on) as date) as refreshed_on
    from latest
    group by borough_code, borough_name, is_london_borough, measure, month

)

select * from final
