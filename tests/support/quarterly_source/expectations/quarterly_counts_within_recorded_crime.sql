-- One row per borough and quarter of the test source: is its count within the Met's recorded
-- crime for the same borough and quarter (both as published)?
with

recorded as (

    select
        borough_code,
        cast(date_trunc('quarter', month) as date) as quarter_start,
        sum(offence_count) as recorded_total
    from fct_recorded_crime_monthly
    where category_scheme = 'mps_2019'
    group by 1, 2

)

select
    counts.borough_name,
    strftime(counts.quarter_start, '%Y-%m') as quarter_start,
    counts.incident_count,
    coalesce(recorded.recorded_total, 0) as recorded_total,
    counts.incident_count <= coalesce(recorded.recorded_total, 0) as is_within_recorded_crime
from fct_test_quarterly_counts as counts
left join recorded
    on recorded.borough_code = counts.borough_code
    and recorded.quarter_start = counts.quarter_start
