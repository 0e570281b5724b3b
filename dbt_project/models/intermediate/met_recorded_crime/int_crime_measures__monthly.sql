-- The board's crime measures per borough and month, summed from the canonical categories
-- each measure counts (seed kpi_measures: a major category, or one minor category).
-- A table, not a view: ten crime models read it, and it sums 300,000 rows each time.
{{ config(materialized='table') }}

with

crime as (

    select * from {{ ref('int_recorded_crime__latest_release') }}

),

measures as (

    select * from {{ ref('kpi_measures') }}

),

matched as (

    select
        measures.measure,
        crime.borough_code,
        crime.borough_name,
        crime.is_london_borough,
        crime.month,
        crime.offence_count
    from crime
    inner join measures
        on {{ crime_in_measure('measures', 'crime') }}

),

final as (

    select
        measure,
        borough_code,
        borough_name,
        is_london_borough,
        month,
        sum(offence_count) as volume
    from matched
    group by measure, borough_code, borough_name, is_london_borough, month

)

select * from final
