-- The board's crime overview (July 2021 pack p.13): year to date, rolling 12 months, rate per
-- 1,000, London rank and RAG for each London borough, measure and reporting month that has
-- the 24 months the comparisons need. Rules: docs/kpi_definitions.md §1-2, macros/kpi_rules.sql.
with

measures as (

    select * from {{ ref('int_crime_measures__monthly') }}
    where is_london_borough

),

measure_definitions as (

    select * from {{ ref('kpi_measures') }}

),

denominators as (

    select * from {{ ref('int_population__by_month') }}

),

windowed as (

    select
        *,
        {{ rolling_sum('volume', 'borough_code, measure') }} as r12_volume,
        {{ rolling_sum('volume', 'borough_code, measure', months_back=12) }} as r12_volume_prev,
        {{ months_with_data('borough_code, measure') }} as months_available,
        {{ year_to_date_sum('volume', 'borough_code, measure') }} as ytd_volume
    from measures

),

-- Previous YTD: the same calendar months a year earlier, which is the YTD of M - 12.
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
        {{ rate_per_1000('eligible.r12_volume', 'denominators.denominator_count') }}
            as rate_per_1000,
        {{ change_pct('eligible.ytd_volume', 'eligible.ytd_volume_prev') }} as ytd_change_pct,
        {{ change_pct('eligible.r12_volume', 'eligible.r12_volume_prev') }} as r12_change_pct
    from eligible
    inner join measure_definitions
        on measure_definitions.measure = eligible.measure
    inner join denominators
        on denominators.borough_code = eligible.borough_code
        and denominators.month = eligible.month
        and denominators.denominator = measure_definitions.denominator

),

ranked as (

    select
        rated.*,
        -- Rank 1 = best: the lowest rate where a decrease is positive.
        {{ london_rank(
            'rated.rate_per_1000', 'rated.measure, rated.month',
            "rated.direction = 'decrease_is_positive'"
        ) }} as london_rank,
        count(*) over (partition by rated.measure, rated.month) as london_rank_of,
        {{ indicator('r12_change_pct', 'direction') }} as r12_indicator,
        {{ indicator('ytd_change_pct', 'direction') }} as ytd_indicator
    from rated

),

final as (

    select
        cast(borough_code as varchar) as borough_code,
        cast(borough_name as varchar) as borough_name,
        cast(measure as varchar) as measure,
        cast(month as date) as reporting_month,
        cast(ytd_volume as bigint) as ytd_volume,
        cast(ytd_volume_prev as bigint) as ytd_volume_prev,
        cast(ytd_change_pct as double) as ytd_change_pct,
        cast(r12_volume as bigint) as r12_volume,
        cast(r12_volume_prev as bigint) as r12_volume_prev,
        cast(r12_change_pct as double) as r12_change_pct,
        cast(rate_per_1000 as double) as rate_per_1000,
        cast(london_rank as integer) as london_rank,
        cast(london_rank_of as integer) as london_rank_of,
        cast({{ rag(['r12_indicator', 'ytd_indicator']) }} as varchar) as rag
    from ranked

)

select * from final
