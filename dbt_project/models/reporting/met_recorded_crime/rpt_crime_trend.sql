-- The pack's monthly trend: one row per borough, measure and month, with the same month a
-- year before beside it (the pack reads the 24 months up to its reporting month).
with

monthly as (

    select * from {{ ref('fct_crime_measure_monthly') }}

),

measures as (

    select * from {{ ref('dim_kpi_measure') }}

),

final as (

    select
        monthly.borough_code,
        monthly.borough_name,
        monthly.measure,
        monthly.month,
        measures.measure_label,
        measures.sort_order,
        monthly.volume,
        year_before.volume as volume_year_before
    from monthly
    inner join measures
        on measures.measure = monthly.measure
    left join monthly as year_before
        on year_before.borough_code = monthly.borough_code
        and year_before.measure = monthly.measure
        and year_before.month = cast(monthly.month - interval 12 month as date)

)

select * from final
