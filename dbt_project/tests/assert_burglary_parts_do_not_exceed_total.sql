-- A returned row is a borough and month where residential plus business burglary is larger
-- than all burglary: a subset larger than its total (docs/kpi_definitions.md §4).
with

measures as (

    select * from {{ ref('fct_crime_measure_monthly') }}

),

pivoted as (

    select
        borough_code,
        month,
        sum(case when measure = 'burglary' then volume end) as burglary,
        sum(case when measure in ('burglary_residential', 'burglary_business') then volume end)
            as burglary_parts
    from measures
    group by borough_code, month

)

select * from pivoted
where burglary_parts > burglary
