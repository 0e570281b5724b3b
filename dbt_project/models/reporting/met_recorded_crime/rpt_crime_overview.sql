-- The crime overview as the pack's first page and its peer comparison read it: one row per
-- London borough, measure and reporting month, with the measure's label, denominator and
-- direction, and the flags of the three exception months (M-2, M-1, M) side by side.
with

overview as (

    select * from {{ ref('kpi_crime_overview') }}

),

measures as (

    select * from {{ ref('dim_kpi_measure') }}

),

exceptions as (

    select * from {{ ref('kpi_crime_exceptions') }}

),

exception_flags as (

    select
        borough_code,
        measure,
        reporting_month,
        max(case when month = cast(reporting_month - interval 2 month as date) then flag end)
            as exception_m2,
        max(case when month = cast(reporting_month - interval 1 month as date) then flag end)
            as exception_m1,
        max(case when month = reporting_month then flag end) as exception_m0
    from exceptions
    group by borough_code, measure, reporting_month

),

final as (

    select
        overview.borough_code,
        overview.borough_name,
        overview.measure,
        overview.reporting_month,
        measures.measure_label,
        measures.denominator,
        measures.direction,
        measures.sort_order,
        overview.rag,
        overview.ytd_volume,
        overview.ytd_volume_prev,
        overview.ytd_change_pct,
        overview.r12_volume,
        overview.r12_volume_prev,
        overview.r12_change_pct,
        overview.rate_per_1000,
        overview.london_rank,
        overview.london_rank_of,
        exception_flags.exception_m2,
        exception_flags.exception_m1,
        exception_flags.exception_m0
    from overview
    inner join measures
        on measures.measure = overview.measure
    left join exception_flags
        on exception_flags.borough_code = overview.borough_code
        and exception_flags.measure = overview.measure
        and exception_flags.reporting_month = overview.reporting_month

)

select * from final
