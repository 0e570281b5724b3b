-- A returned row is an overview row whose reporting month does not have exactly three
-- exception months (M-2, M-1, M) in kpi_crime_exceptions.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_crime_exceptions'}}}) }}
with

overview as (

    select * from {{ ref('kpi_crime_overview') }}

),

exceptions as (

    select * from {{ ref('kpi_crime_exceptions') }}

),

counted as (

    select
        overview.borough_code,
        overview.measure,
        overview.reporting_month,
        count(exceptions.month) as exception_months
    from overview
    left join exceptions
        on exceptions.borough_code = overview.borough_code
        and exceptions.measure = overview.measure
        and exceptions.reporting_month = overview.reporting_month
    group by overview.borough_code, overview.measure, overview.reporting_month

)

select * from counted
where exception_months <> 3
