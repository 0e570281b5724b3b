-- The crime overview's measures: label, denominator and good direction, from the seed the
-- KPI SQL itself reads.
with

measures as (

    select * from {{ ref('kpi_measures') }}

),

final as (

    select
        cast(measure as varchar) as measure,
        cast(measure_label as varchar) as measure_label,
        cast(category_scheme as varchar) as category_scheme,
        cast(category_level as varchar) as category_level,
        cast(category_key as varchar) as category_key,
        cast(denominator as varchar) as denominator,
        cast(direction as varchar) as direction,
        cast(sort_order as integer) as sort_order
    from measures

)

select * from final
