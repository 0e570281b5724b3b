-- Domestic abuse incidents as the April 2023 report reads them (§3.5): the rolling 12 months to
-- each reporting month against the 12 months before, the rate per 1,000 residents and the
-- London rank (1 = the lowest rate). One row per borough and reporting month that ends 12
-- months of data. The rank needs every London borough: with fewer than the 32 in the feed for
-- the month it is NULL, and london_rank_unavailable_reason says why.
with

monthly as (

    select * from {{ ref('fct_da_incidents_monthly') }}

),

denominators as (

    select * from {{ ref('int_population__by_month') }}
    where denominator = 'population'

),

london as (

    select count(*) as borough_count
    from {{ ref('london_boroughs') }}
    where is_london_borough

),

indexed as (

    select
        *,
        {{ month_index('month') }} as month_index
    from monthly

),

windowed as (

    select
        indexed.*,
        sum(indexed.da_incidents) over last_12 as r12_da_incidents,
        count(*) over last_12 as months_in_window,
        sum(indexed.da_incidents) over year_before as r12_da_incidents_prev,
        count(*) over year_before as months_in_year_before
    from indexed
    window
        last_12 as {{ month_window('indexed.borough_code', month='indexed.month') }},
        year_before as {{
            month_window('indexed.borough_code', months_back=12, month='indexed.month')
        }}

),

rated as (

    select
        windowed.borough_code,
        windowed.borough_name,
        windowed.is_london_borough,
        windowed.month as reporting_month,
        windowed.r12_da_incidents,
        case
            when windowed.months_in_year_before = 12 then windowed.r12_da_incidents_prev
        end as r12_da_incidents_prev,
        denominators.estimate_key as population_estimate,
        denominators.denominator_count as population,
        windowed.r12_da_incidents * 1000.0 / denominators.denominator_count as rate_per_1000
    from windowed
    left join denominators
        on denominators.borough_code = windowed.borough_code
        and denominators.month = windowed.month
    where windowed.months_in_window = 12

),

coverage as (

    select
        reporting_month,
        count(*) filter (where is_london_borough and rate_per_1000 is not null)
            as boroughs_rated
    from rated
    group by reporting_month

),

ranked as (

    select
        rated.*,
        coverage.boroughs_rated,
        london.borough_count,
        rank() over (
            partition by rated.reporting_month, rated.is_london_borough
            order by rated.rate_per_1000
        ) as rank_among_rated
    from rated
    inner join coverage
        on coverage.reporting_month = rated.reporting_month
    cross join london

),

final as (

    select
        cast(borough_code as varchar) as borough_code,
        cast(borough_name as varchar) as borough_name,
        cast(reporting_month as date) as reporting_month,
        cast(r12_da_incidents as bigint) as r12_da_incidents,
        cast(r12_da_incidents_prev as bigint) as r12_da_incidents_prev,
        cast({{ change_pct('r12_da_incidents', 'r12_da_incidents_prev') }} as double)
            as r12_change_pct,
        cast(population as bigint) as population,
        cast(population_estimate as varchar) as population_estimate,
        cast(rate_per_1000 as double) as rate_per_1000,
        cast(
            case
                when is_london_borough and boroughs_rated = borough_count then rank_among_rated
            end as integer
        ) as london_rank,
        cast(
            case
                when is_london_borough and boroughs_rated = borough_count then borough_count
            end as integer
        ) as london_rank_of,
        cast(
            case
                when not is_london_borough then 'not one of the 32 London boroughs'
                when boroughs_rated < borough_count
                    then format(
                            'only {} of the {} London boroughs have 12 months of domestic abuse '
                            || 'incidents to {} in the feed',
                            boroughs_rated,
                            borough_count,
                            strftime(reporting_month, '%Y-%m')
                        )
            end as varchar
        ) as london_rank_unavailable_reason
    from ranked

)

select * from final
