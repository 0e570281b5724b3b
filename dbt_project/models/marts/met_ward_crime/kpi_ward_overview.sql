{%- set ward = 'borough_code, ward_code, measure' %}
-- The board's crime measures by 2022 ward (the ward panels' and councillors' view): for each
-- London 2022 ward, measure and reporting month with 24 months of history, the rolling 12 months
-- against the 12 before, the rank within the borough, the reporting month's exception flag, and
-- how many of those months were apportioned from the old wards rather than observed. No ward
-- population is held, so there is no rate per 1,000 and the rank is by volume (1 = lowest).
with

measures as (

    select on_2022.*
    from {{ ref('int_ward_measures__on_2022_wards') }} as on_2022
    inner join {{ ref('kpi_measures') }} as kpi_measures
        on on_2022.measure = kpi_measures.measure

),

wards as (

    select * from {{ ref('dim_ward') }}
    where ward_generation = '2022'

),

boroughs as (

    select * from {{ ref('london_boroughs') }}
    where is_london_borough

),

indexed as (

    select
        *,
        {{ month_index('month') }} as month_index
    from measures

),

windowed as (

    select
        indexed.*,
        sum(indexed.volume) over last_12 as r12_volume,
        sum(indexed.volume) over previous_12 as r12_volume_prev,
        count(*) over last_24 as months_available,
        sum(case when indexed.is_apportioned then 1 else 0 end) over last_24 as months_apportioned,
        avg(indexed.volume) over prior_months as expected_mean,
        stddev_samp(indexed.volume) over prior_months as expected_sd,
        count(indexed.volume) over prior_months as prior_month_count
    from indexed
    window
        last_12 as {{ month_window(ward, month='month') }},
        previous_12 as {{ month_window(ward, months_back=12, month='month') }},
        last_24 as {{ month_window(ward, months=24, month='month') }},
        prior_months as {{
            month_window(ward, months=var('exception_lookback_months'), months_back=1, month='month')
        }}

),

eligible as (

    select windowed.*
    from windowed
    inner join boroughs on windowed.borough_code = boroughs.borough_code
    where windowed.months_available = 24

),

ranked as (

    select
        eligible.*,
        {{ change_pct('eligible.r12_volume', 'eligible.r12_volume_prev') }} as r12_change_pct,
        rank() over (
            partition by eligible.borough_code, eligible.measure, eligible.month
            order by eligible.r12_volume
        ) as borough_rank,
        count(*) over (partition by eligible.borough_code, eligible.measure, eligible.month)
            as borough_rank_of,
        {{ exception_flag(
            'eligible.volume', 'eligible.expected_mean',
            'eligible.expected_sd', 'eligible.prior_month_count'
        ) }} as exception_flag
    from eligible

),

final as (

    select
        cast(ranked.borough_code as varchar) as borough_code,
        cast(boroughs.borough_name as varchar) as borough_name,
        cast(ranked.ward_code as varchar) as ward_code,
        cast(wards.ward_name as varchar) as ward_name,
        cast(ranked.measure as varchar) as measure,
        cast(ranked.month as date) as reporting_month,
        cast(ranked.r12_volume as double) as r12_volume,
        cast(ranked.r12_volume_prev as double) as r12_volume_prev,
        cast(ranked.r12_change_pct as double) as r12_change_pct,
        cast(null as double) as rate_per_1000,
        cast(ranked.borough_rank as integer) as borough_rank,
        cast(ranked.borough_rank_of as integer) as borough_rank_of,
        cast(ranked.volume as double) as month_volume,
        cast(ranked.exception_flag as varchar) as exception_flag,
        cast(ranked.months_apportioned as integer) as months_apportioned,
        cast(ranked.months_apportioned > 0 as boolean) as is_apportioned
    from ranked
    inner join boroughs on ranked.borough_code = boroughs.borough_code
    left join wards on ranked.ward_code = wards.ward_code

)

select * from final
