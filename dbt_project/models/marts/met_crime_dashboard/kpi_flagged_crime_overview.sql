-- Domestic abuse, hate, knife and gun crime for each London borough, measure and reporting
-- month that has the 24 months the comparisons need: rolling 12 months and year to date
-- against a year earlier, the positive outcome rate over the same 12 months, the rate per
-- 1,000 residents, London ranks and RAG. The rules are the crime overview's
-- (docs/kpi_definitions.md §1, macros/kpi_rules.sql); the RAG indicators are the R12 and YTD
-- changes and, for measures with positive outcomes, the change in the R12 outcome rate.
with

monthly as (

    select * from {{ ref('fct_crime_dashboard_monthly') }}
    where is_london_borough

),

measure_definitions as (

    select * from {{ ref('dashboard_measures') }}

),

denominators as (

    select * from {{ ref('int_population__by_month') }}
    where denominator = 'population'

),

windowed as (

    select
        *,
        {{ rolling_sum('offences', 'borough_code, measure') }} as r12_volume,
        {{ rolling_sum('offences', 'borough_code, measure', months_back=12) }} as r12_volume_prev,
        {{ rolling_sum('positive_outcomes', 'borough_code, measure') }} as r12_positive_outcomes,
        {{ rolling_sum('positive_outcomes', 'borough_code, measure', months_back=12) }}
            as r12_positive_outcomes_prev,
        {{ months_with_data('borough_code, measure') }} as months_available,
        {{ year_to_date_sum('offences', 'borough_code, measure') }} as ytd_volume
    from monthly

),

with_previous_ytd as (

    select
        *,
        {{ months_before('ytd_volume', 'borough_code, measure') }} as ytd_volume_prev
    from windowed

),

eligible as (

    select * from with_previous_ytd
    where months_available = 24

),

rated as (

    select
        eligible.*,
        measure_definitions.direction,
        measure_definitions.outcome_direction,
        measure_definitions.has_positive_outcomes,
        {{ change_pct('eligible.r12_volume', 'eligible.r12_volume_prev') }} as r12_change_pct,
        {{ change_pct('eligible.ytd_volume', 'eligible.ytd_volume_prev') }} as ytd_change_pct,
        case
            when measure_definitions.has_positive_outcomes
                then {{ rate_pct('eligible.r12_positive_outcomes', 'eligible.r12_volume') }}
        end as r12_outcome_rate_pct,
        case
            when measure_definitions.has_positive_outcomes
                then {{ rate_pct(
                    'eligible.r12_positive_outcomes_prev', 'eligible.r12_volume_prev'
                ) }}
        end as r12_outcome_rate_pct_prev,
        {{ rate_per_1000('eligible.r12_volume', 'denominators.denominator_count') }}
            as rate_per_1000
    from eligible
    inner join measure_definitions
        on measure_definitions.measure = eligible.measure
    inner join denominators
        on denominators.borough_code = eligible.borough_code
        and denominators.month = eligible.month

),

ranked as (

    select
        rated.*,
        -- The fixed contract: by rate of offences, 1 = lowest; by outcome rate, 1 = highest.
        {{ london_rank('rated.rate_per_1000', 'rated.measure, rated.month', 'true') }}
            as london_rank,
        {{ london_rank('rated.r12_outcome_rate_pct', 'rated.measure, rated.month', 'false') }}
            as outcome_rate_london_rank,
        {{ indicator('r12_change_pct', 'direction') }} as r12_indicator,
        {{ indicator('ytd_change_pct', 'direction') }} as ytd_indicator,
        -- NULL (no outcomes, or no offences to rate them against) is neutral.
        {{ indicator('r12_outcome_rate_pct - r12_outcome_rate_pct_prev', 'outcome_direction') }}
            as outcome_rate_indicator
    from rated

),

final as (

    select
        cast(borough_code as varchar) as borough_code,
        cast(borough_name as varchar) as borough_name,
        cast(measure as varchar) as measure,
        cast(month as date) as reporting_month,
        cast(r12_volume as bigint) as r12_volume,
        cast(r12_volume_prev as bigint) as r12_volume_prev,
        cast(r12_change_pct as double) as r12_change_pct,
        cast(ytd_volume as bigint) as ytd_volume,
        cast(ytd_volume_prev as bigint) as ytd_volume_prev,
        cast(ytd_change_pct as double) as ytd_change_pct,
        cast(r12_positive_outcomes as bigint) as r12_positive_outcomes,
        cast(r12_positive_outcomes_prev as bigint) as r12_positive_outcomes_prev,
        cast(r12_outcome_rate_pct as double) as r12_outcome_rate_pct,
        cast(r12_outcome_rate_pct_prev as double) as r12_outcome_rate_pct_prev,
        cast(rate_per_1000 as double) as rate_per_1000,
        cast(london_rank as integer) as london_rank,
        cast(outcome_rate_london_rank as integer) as outcome_rate_london_rank,
        cast({{ rag(['r12_indicator', 'ytd_indicator', 'outcome_rate_indicator']) }} as varchar)
            as rag
    from ranked

)

select * from final
