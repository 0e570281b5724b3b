-- Population estimates in one long shape, each with its reference date, so the KPI marts can
-- choose the estimate in force for a reporting month (docs/kpi_definitions.md §1: latest on or
-- before the month's last day, else the earliest).
with

estimates as (

    select * from {{ ref('population_estimates') }}

),

mye2019 as (

    select
        ons_code as borough_code,
        'mye2019' as estimate_key,
        cast(mye2019_population as bigint) as population_count,
        cast(null as bigint) as household_count
    from {{ ref('population_mye2019') }}

),

census2021 as (

    select
        ons_code as borough_code,
        'census2021' as estimate_key,
        cast(census2021_usual_residents as bigint) as population_count,
        cast(census2021_households as bigint) as household_count
    from {{ ref('population_census2021') }}

),

unioned as (

    select * from mye2019
    union all
    select * from census2021

),

final as (

    select
        unioned.borough_code,
        unioned.estimate_key,
        estimates.estimate_label,
        cast(estimates.reference_date as date) as reference_date,
        unioned.population_count,
        unioned.household_count
    from unioned
    inner join estimates
        on estimates.estimate_key = unioned.estimate_key

)

select * from final
