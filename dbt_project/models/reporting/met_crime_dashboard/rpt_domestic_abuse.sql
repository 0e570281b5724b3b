-- The pack's domestic abuse section (July 2021 pack p.24, April 2023 report §3.5): one row
-- per London borough, reporting month and line. Today the lines are the dashboard's domestic
-- abuse offences and violence with injury, with their outcome rates and London ranks;
-- domestic abuse incidents (and the share of incidents that become offences) come from a local
-- feed in a later source, as lines of their own in the same shape.
with

overview as (

    select * from {{ ref('kpi_flagged_crime_overview') }}

),

measures as (

    select * from {{ ref('dashboard_measures') }}
    where section = 'domestic_abuse'

),

monthly as (

    select * from {{ ref('fct_crime_dashboard_monthly') }}

),

final as (

    select
        overview.borough_code,
        overview.borough_name,
        overview.measure,
        overview.reporting_month,
        measures.measure_label,
        measures.description as measure_note,
        cast(measures.sort_order as integer) as sort_order,
        measures.direction,
        measures.outcome_direction,
        overview.rag,
        overview.r12_volume,
        overview.r12_volume_prev,
        overview.r12_change_pct,
        overview.ytd_volume,
        overview.ytd_volume_prev,
        overview.ytd_change_pct,
        overview.r12_positive_outcomes,
        overview.r12_outcome_rate_pct,
        overview.r12_outcome_rate_pct_prev,
        overview.r12_outcome_rate_pct - overview.r12_outcome_rate_pct_prev
            as outcome_rate_change_points,
        overview.outcome_rate_london_rank,
        overview.rate_per_1000,
        overview.london_rank,
        cast(32 as integer) as london_rank_of,
        monthly.refreshed_on
    from overview
    inner join measures
        on measures.measure = overview.measure
    left join monthly
        on monthly.borough_code = overview.borough_code
        and monthly.measure = overview.measure
        and monthly.month = overview.reporting_month

)

select * from final
