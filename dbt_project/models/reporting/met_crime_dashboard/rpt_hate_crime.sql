-- The pack's hate crime table (July 2021 pack p.100, Table 1): one row per London borough,
-- reporting month, line (seed hate_crime_table_lines: Race and Religion with Anti-Semitism and
-- Islamophobia "of which", Disability, Homophobic, Transgender) and period, as the paper lays
-- them out: the month, January to the month before, and the latest four full calendar years the
-- data covers (its four "Full Year" columns), latest first. data_from, the first month the
-- data has, lets the pack say why a year is missing.
{%- set full_years_shown = 4 %}
with

periods as (

    select * from {{ ref('kpi_hate_crime_periods') }}

),

lines as (

    select * from {{ ref('hate_crime_table_lines') }}

),

monthly as (

    select * from {{ ref('fct_crime_dashboard_monthly') }}

),

coverage as (

    select
        borough_code,
        measure,
        min(month) as data_from
    from monthly
    group by borough_code, measure

),

-- The latest four of the full calendar years ending by the reporting month.
shown as (

    select * from periods
    qualify period_kind <> 'calendar_year'
        or row_number() over (
            partition by borough_code, measure, reporting_month, period_kind
            order by period_start desc
        ) <= {{ full_years_shown }}

),

final as (

    select
        periods.borough_code,
        periods.borough_name,
        periods.measure,
        periods.reporting_month,
        lines.line_label,
        lines.is_of_which,
        cast(lines.sort_order as integer) as sort_order,
        periods.period_kind,
        periods.period_label,
        periods.period_start,
        periods.period_end,
        cast(
            case periods.period_kind
                when 'month' then 1
                when 'ytd_before' then 2
                else 3
            end as integer
        ) as period_order,
        periods.volume,
        coverage.data_from,
        monthly.refreshed_on
    from shown as periods
    inner join lines
        on lines.measure = periods.measure
    left join coverage
        on coverage.borough_code = periods.borough_code
        and coverage.measure = periods.measure
    left join monthly
        on monthly.borough_code = periods.borough_code
        and monthly.measure = periods.measure
        and monthly.month = periods.reporting_month

)

select * from final
