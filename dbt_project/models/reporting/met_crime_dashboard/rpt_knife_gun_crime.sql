-- The pack's knife and gun crime section (July 2021 pack p.16): one row per London borough,
-- reporting month and each measure chosen in the dbt variable knife_gun_measures, with its
-- label and what it counts, and the refresh date of the figures for the month.
with

overview as (

    select * from {{ ref('kpi_flagged_crime_overview') }}

),

measures as (

    select * from {{ ref('dashboard_measures') }}

),

monthly as (

    select * from {{ ref('fct_crime_dashboard_monthly') }}

),

chosen (measure, pack_order) as (

    values
    {% for measure in var('knife_gun_measures') -%}
        ('{{ measure }}', {{ loop.index }}){% if not loop.last %},{% endif %}
    {% endfor %}

),

final as (

    select
        overview.borough_code,
        overview.borough_name,
        overview.measure,
        overview.reporting_month,
        measures.measure_label,
        measures.description as measure_note,
        measures.direction,
        measures.outcome_direction,
        measures.has_positive_outcomes,
        cast(chosen.pack_order as integer) as sort_order,
        overview.rag,
        overview.r12_volume,
        overview.r12_volume_prev,
        overview.r12_change_pct,
        overview.ytd_volume,
        overview.ytd_volume_prev,
        overview.ytd_change_pct,
        overview.r12_outcome_rate_pct,
        overview.r12_outcome_rate_pct_prev,
        overview.rate_per_1000,
        overview.london_rank,
        cast(32 as integer) as london_rank_of,
        monthly.refreshed_on
    from overview
    inner join chosen
        on chosen.measure = overview.measure
    inner join measures
        on measures.measure = overview.measure
    left join monthly
        on monthly.borough_code = overview.borough_code
        and monthly.measure = overview.measure
        and monthly.month = overview.reporting_month

)

select * from final
