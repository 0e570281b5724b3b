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

indexed as (

    select
        *,
        {{ month_index('month') }} as month_index,
        cast(extract(year from month) as integer) as calendar_year
    from measures

),

windowed as (

    select
        indexed.*,
        sum(indexed.volume) over (
            partition by indexed.borough_code, indexed.measure order by indexed.month_index
            range between 11 preceding and current row
        ) as r12_volume,
        sum(indexed.volume) over (
            partition by indexed.borough_code, indexed.measure order by indexed.month_index
            range between 23 preceding and 12 preceding
        ) as r12_volume_prev,
        count(*) over (
            partition by indexed.borough_code, indexed.measure order by indexed.month_index
            range between 23 preceding and current row
        ) as months_available,
        sum(indexed.volume) over (
            partition by indexed.borough_code, indexed.measure, indexed.calendar_year
            order by indexed.month_index
            range between unbounded preceding and current row
        ) as ytd_volume
    from indexed

),

-- Previous YTD: the same calendar months a year earlier, which is the YTD of M - 12.
with_previous_ytd as (

    select
        current_month.*,
        year_before.ytd_volume as ytd_volume_prev
    from windowed as current_month
    left join windowed as year_before
        on year_before.borough_code = current_month.borough_code
        and year_before.measure = current_month.measure
        and year_before.month_index = current_month.month_index - 12

),

eligible as (

    select * from with_previous_ytd
    where months_available = 24

),

rated as (

    select
        eligible.*,
        measure_definitions.direction,
        eligible.r12_volume * 1000.0 / denominators.denominator_count as rate_per_1000,
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
        -- Rank 1 = best: the lowest rate where a decrease is positive. Ties share the lowest
        -- rank number.
        rank() over (
            partition by rated.measure, rated.month
            order by case when rated.direction = 'decrease_is_positive' then rated.rate_per_1000
                else -rated.rate_per_1000
            end
        ) as london_rank,
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
