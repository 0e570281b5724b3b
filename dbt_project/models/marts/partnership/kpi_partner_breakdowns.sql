-- One row per category of a breakdown (a measure split by gender, ethnicity, age band, ...):
-- the category's figure, the measure's total for the same period and the share recomputed from
-- them. The total is the measure's own figure where the return gives it, else the sum of the
-- categories.
with

figures as (

    select * from {{ ref('int_partner_figures') }}
    where area is null and plan is null

),

categories as (

    select * from figures
    where breakdown is not null

),

totals as (

    select * from figures
    where breakdown is null and basis <> 'year_to_date'

),

with_total as (

    select
        categories.*,
        totals.value as measure_total,
        sum(categories.value) over (
            partition by
                categories.provider, categories.measure, categories.breakdown,
                categories.period_kind, categories.period_start, categories.period_end
        ) as categories_sum
    from categories
    left join totals
        on
        totals.provider = categories.provider
        and totals.measure = categories.measure
        and totals.period_kind = categories.period_kind
        and totals.period_start = categories.period_start
        and totals.period_end = categories.period_end

),

final as (

    select
        cast(provider as varchar) as provider,
        cast(measure as varchar) as measure,
        cast(breakdown as varchar) as breakdown,
        cast(category as varchar) as category,
        cast(category_label as varchar) as category_label,
        cast(is_not_known as boolean) as is_not_known,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(period_kind as varchar) as period_kind,
        cast(financial_year as varchar) as financial_year,
        cast(fiscal_quarter as integer) as quarter,
        cast(value as double) as value,
        cast(coalesce(measure_total, categories_sum) as double) as total,
        cast(
            value * 100.0 / nullif(coalesce(measure_total, categories_sum), 0) as double
        ) as share_pct,
        -- The share the provider typed, where the return gives one beside the count
        -- (recomputed like a percentage: numerator and denominator landed with it).
        cast(case when denominator is not null then typed_value end as double)
            as typed_share_pct,
        cast(status as varchar) as status,
        cast(source_file as varchar) as source_file
    from with_total

)

select * from final
