-- Each figure printed in the board's earlier papers (seed printed_figures) beside the figure
-- the pipeline computes for the same measure, area and period, and the difference.
-- measure_key names the computed figure: '<family>.<measure>.<column>' of the mart the family
-- stands for (crime: kpi_crime_overview, dashboard: kpi_flagged_crime_overview, asb:
-- kpi_asb_calls, da_incidents: kpi_da_incidents_to_offences, partner: kpi_partner_measures,
-- iom: kpi_iom_cohort, uss: kpi_victim_satisfaction). Every computed figure is cast to double;
-- the difference is computed minus printed, in the figure's unit (percentage points for a
-- percent).

{% set figures = [
    ('crime', 'kpi_crime_overview',
        ['ytd_volume', 'ytd_change_pct', 'r12_volume', 'r12_change_pct', 'london_rank']),
    ('dashboard', 'kpi_flagged_crime_overview',
        ['r12_volume', 'r12_volume_prev', 'r12_outcome_rate_pct', 'r12_outcome_rate_pct_prev',
         'outcome_rate_london_rank']),
    ('asb', 'kpi_asb_calls', ['r12_asb_calls', 'r12_asb_calls_prev', 'r12_repeat_asb_calls']),
    ('da_incidents', 'kpi_da_incidents_to_offences',
        ['r12_da_incidents', 'r12_da_offences', 'rate_per_1000', 'london_rank',
         'offences_per_100_incidents']),
    ('iom', 'kpi_iom_cohort',
        ['offenders_in_cohort', 'offenders_charged', 'offenders_charged_during_cohort',
         'charged_offences', 'share_of_cohort_charged_pct']),
] %}

with printed as (
    select * from {{ ref('printed_figures') }}
),

crime as (
    select
        borough_name as area,
        reporting_month as period_month,
        'crime.' || measure as measure_prefix,
        cast(ytd_volume as double) as ytd_volume,
        cast(ytd_change_pct as double) as ytd_change_pct,
        cast(r12_volume as double) as r12_volume,
        cast(r12_change_pct as double) as r12_change_pct,
        cast(london_rank as double) as london_rank
    from {{ ref('kpi_crime_overview') }}
),

dashboard as (
    select
        borough_name as area,
        reporting_month as period_month,
        'dashboard.' || measure as measure_prefix,
        cast(r12_volume as double) as r12_volume,
        cast(r12_volume_prev as double) as r12_volume_prev,
        cast(r12_outcome_rate_pct as double) as r12_outcome_rate_pct,
        cast(r12_outcome_rate_pct_prev as double) as r12_outcome_rate_pct_prev,
        cast(outcome_rate_london_rank as double) as outcome_rate_london_rank
    from {{ ref('kpi_flagged_crime_overview') }}
),

asb as (
    select
        borough_name as area,
        reporting_month as period_month,
        'asb' as measure_prefix,
        cast(r12_asb_calls as double) as r12_asb_calls,
        cast(r12_asb_calls_prev as double) as r12_asb_calls_prev,
        cast(r12_repeat_asb_calls as double) as r12_repeat_asb_calls
    from {{ ref('kpi_asb_calls') }}
),

da_incidents as (
    select
        borough_name as area,
        reporting_month as period_month,
        'da_incidents' as measure_prefix,
        cast(r12_da_incidents as double) as r12_da_incidents,
        cast(r12_da_offences as double) as r12_da_offences,
        cast(rate_per_1000 as double) as rate_per_1000,
        cast(london_rank as double) as london_rank,
        cast(offences_per_100_incidents as double) as offences_per_100_incidents
    from {{ ref('kpi_da_incidents_to_offences') }}
),

iom as (
    select
        area,
        cast(date_trunc('month', period_end) as date) as period_month,
        'iom' as measure_prefix,
        cast(offenders_in_cohort as double) as offenders_in_cohort,
        cast(offenders_charged as double) as offenders_charged,
        cast(offenders_charged_during_cohort as double) as offenders_charged_during_cohort,
        cast(charged_offences as double) as charged_offences,
        cast(share_of_cohort_charged_pct as double) as share_of_cohort_charged_pct
    from {{ ref('kpi_iom_cohort') }}
),

computed as (
    -- Each family's figures, one row per figure: '<prefix>.<column>' from the family's CTE.
    -- The partner returns are the partnership's own (the pack's borough): they name no area.
    {% for family, mart, columns in figures %}
        {% for column in columns %}
            select
                measure_prefix || '.{{ column }}' as measure_key,
                area,
                period_month,
                {{ column }} as value,
                '{{ mart }}' as computed_from
            from {{ family }}
            union all
        {% endfor %}
    {% endfor %}
    select
        'uss.percent' as measure_key,
        area,
        cast(date_trunc('month', period_end) as date) as period_month,
        cast(percent as double) as value,
        'kpi_victim_satisfaction' as computed_from
    from {{ ref('kpi_victim_satisfaction') }}
    union all
    select
        'partner.' || provider || '.' || measure || '.value' as measure_key,
        cast(null as varchar) as area,
        cast(date_trunc('month', period_end) as date) as period_month,
        value,
        'kpi_partner_measures' as computed_from
    from {{ ref('kpi_partner_measures') }}
    union all
    select
        'partner.' || provider || '.' || measure || '.ytd_value' as measure_key,
        cast(null as varchar) as area,
        cast(date_trunc('month', period_end) as date) as period_month,
        ytd_value as value,
        'kpi_partner_measures' as computed_from
    from {{ ref('kpi_partner_measures') }}
)

select
    printed.borough_code,
    printed.pack_month,
    printed.paper,
    printed.section,
    printed.period_month,
    printed.measure_key,
    printed.label,
    printed.area,
    printed.printed_as,
    printed.printed_value,
    printed.unit,
    computed.value as computed_value,
    computed.value - printed.printed_value as difference,
    computed.computed_from,
    printed.reason_kind,
    printed.reason,
    printed.sort_order
from printed
left join computed
    on printed.measure_key = computed.measure_key
    and printed.period_month = computed.period_month
    and printed.area = coalesce(computed.area, printed.area)
