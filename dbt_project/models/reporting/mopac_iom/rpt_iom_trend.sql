-- The pack's IOM trend: one row per London borough and quarter its cohort is reported for,
-- with the counts, the recomputed share of the cohort charged, the breakdowns where given,
-- the rate the return printed and its note (why a count is empty).
with

cohort as (

    select * from {{ ref('kpi_iom_cohort') }}

),

returned as (

    select * from {{ ref('int_mopac_iom__latest_release') }}

),

final as (

    select
        cohort.area_code as borough_code,
        cohort.area as borough_name,
        cohort.period_start,
        cohort.period_end,
        cohort.period_label,
        strftime(cohort.period_start, '%b') || '-' || strftime(cohort.period_end, '%b %Y')
            as period_months,
        cohort.offenders_in_cohort,
        cohort.offenders_charged,
        cohort.offenders_charged_during_cohort,
        cohort.charged_offences,
        cohort.share_of_cohort_charged_pct,
        returned.risk_red,
        returned.risk_amber,
        returned.risk_green,
        returned.risk_blue,
        returned.statutory,
        returned.non_statutory,
        returned.reported_rate_pct,
        returned.note,
        cohort.source_file
    from cohort
    inner join returned
        on returned.area_code = cohort.area_code
        and returned.period_start = cohort.period_start
    where returned.area_type = 'borough'

)

select * from final
