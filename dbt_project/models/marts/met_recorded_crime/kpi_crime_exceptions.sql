-- Monthly exceptions (July 2021 pack p.13, "unusually high or low volume"): for each
-- reporting month M of the overview, the months M-2, M-1 and M against the mean and sample SD
-- of the 24 months before each (those of them the data has; fewer than 12 is 'insufficient').
with

measures as (

    select * from {{ ref('int_crime_measures__monthly') }}
    where is_london_borough

),

overview as (

    select * from {{ ref('kpi_crime_overview') }}

),

indexed as (

    select
        *,
        {{ month_index('month') }} as month_index
    from measures

),

with_history as (

    select
        indexed.*,
        avg(indexed.volume) over prior_months as expected_mean,
        stddev_samp(indexed.volume) over prior_months as expected_sd,
        count(indexed.volume) over prior_months as prior_month_count
    from indexed
    window prior_months as {{
        month_window(
            'borough_code, measure', months=var('exception_lookback_months'), months_back=1
        )
    }}

),

reporting_months as (

    select distinct
        borough_code,
        measure,
        reporting_month,
        {{ month_index('reporting_month') }} as reporting_month_index
    from overview

),

final as (

    select
        cast(with_history.borough_code as varchar) as borough_code,
        cast(with_history.borough_name as varchar) as borough_name,
        cast(with_history.measure as varchar) as measure,
        cast(reporting_months.reporting_month as date) as reporting_month,
        cast(with_history.month as date) as month,
        cast(with_history.volume as bigint) as volume,
        cast(with_history.expected_mean as double) as expected_mean,
        cast(with_history.expected_sd as double) as expected_sd,
        cast(
            with_history.expected_mean
            - {{ var('exception_sd_multiplier') }} * with_history.expected_sd as double
        )
            as usual_range_low,
        cast(
            with_history.expected_mean
            + {{ var('exception_sd_multiplier') }} * with_history.expected_sd as double
        )
            as usual_range_high,
        cast({{ exception_flag(
            'with_history.volume', 'with_history.expected_mean',
            'with_history.expected_sd', 'with_history.prior_month_count'
        ) }} as varchar) as flag
    from reporting_months
    inner join with_history
        on with_history.borough_code = reporting_months.borough_code
        and with_history.measure = reporting_months.measure
        and with_history.month_index between reporting_months.reporting_month_index - 2
        and reporting_months.reporting_month_index

)

select * from final
