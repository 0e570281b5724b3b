-- One row per comparator figure (the same measure for London, statistical neighbours, England
-- and Wales, or nationally, as its publisher gives it), beside the borough's figure for the
-- same period and the difference: borough_value - value.
with

figures as (

    select * from {{ ref('int_partner_figures') }}
    where breakdown is null and plan is null and basis <> 'year_to_date'

),

measures as (

    select * from {{ ref('partner_measures') }}

),

comparators as (

    select * from figures
    where area is not null

),

borough as (

    select * from figures
    where area is null

),

final as (

    select
        cast(comparators.provider as varchar) as provider,
        cast(comparators.measure as varchar) as measure,
        cast(measures.label as varchar) as label,
        cast(measures.unit as varchar) as unit,
        cast(comparators.area as varchar) as area,
        cast(comparators.area_label as varchar) as area_label,
        cast(comparators.comparator_source as varchar) as comparator_source,
        cast(comparators.period_start as date) as period_start,
        cast(comparators.period_end as date) as period_end,
        cast(comparators.period_kind as varchar) as period_kind,
        cast(comparators.value as double) as value,
        cast(borough.value as double) as borough_value,
        cast(borough.value - comparators.value as double) as difference
    from comparators
    left join measures
        on
        measures.provider = comparators.provider
        and measures.measure = comparators.measure
    left join borough
        on
        borough.provider = comparators.provider
        and borough.measure = comparators.measure
        and borough.period_kind = comparators.period_kind
        and borough.period_start = comparators.period_start
        and borough.period_end = comparators.period_end

)

select * from final
