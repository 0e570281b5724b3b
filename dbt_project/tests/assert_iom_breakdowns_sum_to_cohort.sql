-- A returned row is an area, quarter and breakdown of the IOM cohort whose categories do not
-- add up to the offenders in the cohort (kpi_catalogue: every breakdown sums to the cohort).
select
    area_code,
    period_start,
    breakdown,
    any_value(offenders_in_cohort) as offenders_in_cohort,
    sum(offender_count) as breakdown_total
from {{ ref('fct_iom_cohort_breakdown') }}
group by area_code, period_start, breakdown
having sum(offender_count) <> any_value(offenders_in_cohort)
