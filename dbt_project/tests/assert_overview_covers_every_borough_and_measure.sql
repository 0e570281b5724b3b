-- A returned row is a reporting month of the crime overview that does not hold each of the 32
-- London boroughs for each board measure (seed kpi_measures), or, when the overview is empty,
-- one row saying so: the pack's first page needs whole months, and an empty overview must not
-- replace a published one.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_crime_overview'}}}) }}
with

overview as (

    select * from {{ ref('kpi_crime_overview') }}

),

expected as (

    select
        (select count(*) from {{ ref('kpi_measures') }})
        * (
            select count(*) from {{ ref('london_boroughs') }}
            where is_london_borough)
            as rows_per_month

),

per_month as (

    select
        reporting_month,
        count(*) as row_count
    from overview
    group by reporting_month

),

final as (

    select
        per_month.reporting_month,
        per_month.row_count,
        expected.rows_per_month
    from per_month
    cross join expected
    where per_month.row_count <> expected.rows_per_month

    union all

    select
        null as reporting_month,
        0 as row_count,
        expected.rows_per_month
    from expected
    where not exists (select 1 from overview)

)

select * from final
