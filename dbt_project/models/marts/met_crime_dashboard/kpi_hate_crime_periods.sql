-- Hate crime offences for the pack's Table 1 (July 2021 pack p.100): for each London borough,
-- hate measure and reporting month, the month itself, January to the month before it, and
-- every calendar year that ends by the reporting month and that the data covers in full. A
-- period the data does not cover in full is left out rather than summed in part.
with

monthly as (

    select * from {{ ref('fct_crime_dashboard_monthly') }}
    where is_london_borough

),

hate_measures as (

    select measure from {{ ref('dashboard_measures') }}
    where section = 'hate'

),

hate as (

    select
        monthly.borough_code,
        monthly.borough_name,
        monthly.measure,
        monthly.month,
        monthly.offences
    from monthly
    inner join hate_measures
        on hate_measures.measure = monthly.measure

),

month_periods as (

    select
        borough_code,
        borough_name,
        measure,
        month as reporting_month,
        'month' as period_kind,
        strftime(month, '%Y-%m') as period_label,
        month as period_start,
        last_day(month) as period_end,
        offences as volume
    from hate

),

-- January to M - 1, when every one of those months has a figure.
ytd_before_periods as (

    select
        reporting.borough_code,
        reporting.borough_name,
        reporting.measure,
        reporting.month as reporting_month,
        'ytd_before' as period_kind,
        strftime(reporting.month, '%Y') || ' Jan'
        || case
            when month(reporting.month) > 2
                then '-' || strftime(cast(reporting.month - interval 1 month as date), '%b')
            else ''
        end as period_label,
        cast(date_trunc('year', reporting.month) as date) as period_start,
        cast(reporting.month - interval 1 day as date) as period_end,
        sum(earlier.offences) as volume
    from hate as reporting
    inner join hate as earlier
        on earlier.borough_code = reporting.borough_code
        and earlier.measure = reporting.measure
        and earlier.month >= date_trunc('year', reporting.month)
        and earlier.month < reporting.month
    where month(reporting.month) > 1
    group by
        reporting.borough_code, reporting.borough_name, reporting.measure, reporting.month
    having count(*) = month(reporting.month) - 1

),

full_years as (

    select
        borough_code,
        borough_name,
        measure,
        year(month) as calendar_year,
        sum(offences) as volume
    from hate
    group by borough_code, borough_name, measure, year(month)
    having count(*) = 12

),

calendar_year_periods as (

    select
        reporting.borough_code,
        reporting.borough_name,
        reporting.measure,
        reporting.month as reporting_month,
        'calendar_year' as period_kind,
        cast(full_years.calendar_year as varchar) as period_label,
        make_date(full_years.calendar_year, 1, 1) as period_start,
        make_date(full_years.calendar_year, 12, 31) as period_end,
        full_years.volume
    from hate as reporting
    inner join full_years
        on full_years.borough_code = reporting.borough_code
        and full_years.measure = reporting.measure
        and make_date(full_years.calendar_year, 12, 1) <= reporting.month

),

final as (

    select
        cast(borough_code as varchar) as borough_code,
        cast(borough_name as varchar) as borough_name,
        cast(measure as varchar) as measure,
        cast(reporting_month as date) as reporting_month,
        cast(period_kind as varchar) as period_kind,
        cast(period_label as varchar) as period_label,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(volume as bigint) as volume
    from (
        select * from month_periods
        union all
        select * from ytd_before_periods
        union all
        select * from calendar_year_periods
    ) as periods

)

select * from final
