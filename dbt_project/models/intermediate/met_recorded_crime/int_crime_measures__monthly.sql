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
        on measures.category_scheme = crime.category_scheme
        and (
            (measures.category_level = 'major' and crime.major_category_key = measures.category_key)
            or (
                measures.category_level = 'minor'
                and crime.minor_category_key = measures.category_key
            )
        )

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
