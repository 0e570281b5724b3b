-- The denominator in force for each borough, month and denominator type: the estimate whose
-- reference date is the latest on or before the month's last day; if none is that early, the
-- earliest available (docs/kpi_definitions.md §1, "rate per 1,000").
-- A table, not a view: nine models read it (every rate per 1,000).
{{ config(materialized='table') }}

with

months as (

    select month from {{ ref('int_calendar__months') }}

),

estimates as (

    select * from {{ ref('stg_reference__population') }}

),

candidates as (

    select
        months.month,
        estimates.borough_code,
        'population' as denominator,
        estimates.estimate_key,
        estimates.reference_date,
        estimates.population_count as denominator_count
    from months
    cross join estimates
    where estimates.population_count is not null

    union all

    select
        months.month,
        estimates.borough_code,
        'households' as denominator,
        estimates.estimate_key,
        estimates.reference_date,
        estimates.household_count as denominator_count
    from months
    cross join estimates
    where estimates.household_count is not null

),

ranked as (

    select
        *,
        row_number() over (
            partition by month, borough_code, denominator
            order by
                case when reference_date <= {{ dbt.last_day('month', 'month') }} then 0 else 1 end,
                case
                    when reference_date <= {{ dbt.last_day('month', 'month') }} then reference_date
                end desc nulls last,
                reference_date asc
        ) as preference
    from candidates

),

final as (

    select
        month,
        borough_code,
        denominator,
        estimate_key,
        reference_date,
        denominator_count
    from ranked
    where preference = 1

)

select * from final
