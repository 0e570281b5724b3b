-- The pack's monthly exceptions: one row per London borough, measure, reporting month and
-- each of its three latest months, with the measure's label and the usual range it was held to.
with

exceptions as (

    select * from {{ ref('kpi_crime_exceptions') }}

),

measures as (

    select * from {{ ref('dim_kpi_measure') }}

),

final as (

    select
        exceptions.borough_code,
        exceptions.borough_name,
        exceptions.measure,
        exceptions.reporting_month,
        exceptions.month,
        measures.measure_label,
        measures.sort_order,
        exceptions.volume,
        exceptions.expected_mean,
        exceptions.expected_sd,
        exceptions.usual_range_low,
        exceptions.usual_range_high,
        exceptions.flag,
        cast({{ var('exception_lookback_months') }} as integer) as lookback_months,
        {{ var('exception_sd_multiplier') }} as usual_range_sd_multiplier
    from exceptions
    inner join measures
        on measures.measure = exceptions.measure

)

select * from final
