-- Each figure printed in the board's earlier papers (seed printed_figures) beside the figure
-- the pipeline computes for the same measure, area and period, and the difference.
-- measure_key names the computed figure: '<family>.<measure>.<column>' of the mart the family
-- stands for (crime: kpi_crime_overview, dashboard: kpi_flagged_crime_overview, asb:
-- kpi_asb_calls, da_incidents: kpi_da_incidents_to_offences, partner: kpi_partner_measures,
-- iom: kpi_iom_cohort, uss: kpi_victim_satisfaction). Every computed figure is cast to double;
-- the difference is computed minus printed, in the figure's unit (percentage points for a
-- percent).

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
        cast(r12_asb_calls as double) as r12_asb_calls,
        cast(r12_asb_calls_prev as double) as r12_asb_calls_prev,
        cast(r12_repeat_asb_calls as double) as r12_repeat_asb_calls
    from {{ ref('kpi_asb_calls') }}
),

da_incidents as (
    select
        borough_name as area,
        reporting_month as period_month,
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
        cast(offenders_in_cohort as double) as offenders_in_cohort,
        cast(offenders_charged as double) as offenders_charged,
        cast(offenders_charged_during_cohort as double) as offenders_charged_during_cohort,
        cast(charged_offences as double) as charged_offences,
        cast(share_of_cohort_charged_pct as double) as share_of_cohort_charged_pct
    from {{ ref('kpi_iom_cohort') }}
),

computed as (
    -- The partner returns are the partnership's own (the pack's borough): they name no area.
    select
        measure_prefix || '.ytd_volume' as measure_key,
        area,
        period_month,
        ytd_volume as value,
        'kpi_crime_overview' as computed_from
    from crime
    union all
    select
        measure_prefix || '.ytd_change_pct' as measure_key,
        area,
        period_month,
        ytd_change_pct as value,
        'kpi_crime_overview' as computed_from
    from crime
    union all
    select
        measure_prefix || '.r12_volume' as measure_key,
        area,
        period_month,
        r12_volume as value,
        'kpi_crime_overview' as computed_from
    from crime
    union all
    select
        measure_prefix || '.r12_change_pct' as measure_key,
        area,
        period_month,
        r12_change_pct as value,
        'kpi_crime_overview' as computed_from
    from crime
    union all
    select
        measure_prefix || '.london_rank' as measure_key,
        area,
        period_month,
        london_rank as value,
        'kpi_crime_overview' as computed_from
    from crime
    union all
    select
        measure_prefix || '.r12_volume' as measure_key,
        area,
        period_month,
        r12_volume as value,
        'kpi_flagged_crime_overview' as computed_from
    from dashboard
    union all
    select
        measure_prefix || '.r12_volume_prev' as measure_key,
        area,
        period_month,
        r12_volume_prev as value,
        'kpi_flagged_crime_overview' as computed_from
    from dashboard
    union all
    select
        measure_prefix || '.r12_outcome_rate_pct' as measure_key,
        area,
        period_month,
        r12_outcome_rate_pct as value,
        'kpi_flagged_crime_overview' as computed_from
    from dashboard
    union all
    select
        measure_prefix || '.r12_outcome_rate_pct_prev' as measure_key,
        area,
        period_month,
        r12_outcome_rate_pct_prev as value,
        'kpi_flagged_crime_overview' as computed_from
    from dashboard
    union all
    select
        measure_prefix || '.outcome_rate_london_rank' as measure_key,
        area,
        period_month,
        outcome_rate_london_rank as value,
        'kpi_flagged_crime_overview' as computed_from
    from dashboard
    union all
    select
        'asb.r12_asb_calls' as measure_key,
        area,
        period_month,
        r12_asb_calls as value,
        'kpi_asb_calls' as computed_from
    from asb
    union all
    select
        'asb.r12_asb_calls_prev' as measure_key,
        area,
        period_month,
        r12_asb_calls_prev as value,
        'kpi_asb_calls' as computed_from
    from asb
    union all
    select
        'asb.r12_repeat_asb_calls' as measure_key,
        area,
        period_month,
        r12_repeat_asb_calls as value,
        'kpi_asb_calls' as computed_from
    from asb
    union all
    select
        'da_incidents.r12_da_incidents' as measure_key,
        area,
        period_month,
        r12_da_incidents as value,
        'kpi_da_incidents_to_offences' as computed_from
    from da_incidents
    union all
    select
        'da_incidents.r12_da_offences' as measure_key,
        area,
        period_month,
        r12_da_offences as value,
        'kpi_da_incidents_to_offences' as computed_from
    from da_incidents
    union all
    select
        'da_incidents.rate_per_1000' as measure_key,
        area,
        period_month,
        rate_per_1000 as value,
        'kpi_da_incidents_to_offences' as computed_from
    from da_incidents
    union all
    select
        'da_incidents.london_rank' as measure_key,
        area,
        period_month,
        london_rank as value,
        'kpi_da_incidents_to_offences' as computed_from
    from da_incidents
    union all
    select
        'da_incidents.offences_per_100_incidents' as measure_key,
        area,
        period_month,
        offences_per_100_incidents as value,
        'kpi_da_incidents_to_offences' as computed_from
    from da_incidents
    union all
    select
        'iom.offenders_in_cohort' as measure_key,
        area,
        period_month,
        offenders_in_cohort as value,
        'kpi_iom_cohort' as computed_from
    from iom
    union all
    select
        'iom.offenders_charged' as measure_key,
        area,
        period_month,
        offenders_charged as value,
        'kpi_iom_cohort' as computed_from
    from iom
    union all
    select
        'iom.offenders_charged_during_cohort' as measure_key,
        area,
        period_month,
        offenders_charged_during_cohort as value,
        'kpi_iom_cohort' as computed_from
    from iom
    union all
    select
        'iom.charged_offences' as measure_key,
        area,
        period_month,
        charged_offences as value,
        'kpi_iom_cohort' as computed_from
    from iom
    union all
    select
        'iom.share_of_cohort_charged_pct' as measure_key,
        area,
        period_month,
        share_of_cohort_charged_pct as value,
        'kpi_iom_cohort' as computed_from
    from iom
    union all
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
