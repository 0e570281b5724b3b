-- A returned row is a measure and reporting month of kpi_flagged_crime_overview that does not
-- have every one of the 32 London boroughs: a pack must never show a month some boroughs lack.
select
    measure,
    reporting_month,
    count(distinct borough_code) as boroughs
from {{ ref('kpi_flagged_crime_overview') }}
group by measure, reporting_month
having count(distinct borough_code) <> 32
