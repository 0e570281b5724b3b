-- The pack's hate crime table (July 2021 pack p.100, Table 1): one row per London borough,
-- reporting month, line (seed hate_crime_table_lines: Race and Religion with Anti-Semitism and
-- Islamophobia "of which", Disability, Homophobic, Transgender) and period (the month,
-- January to the month before, each full calendar year, latest first).
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
        monthly.refreshed_on
    from periods
    inner join lines
        on lines.measure = periods.measure
    left join monthly
        on monthly.borough_code = periods.borough_code
        and monthly.measure = periods.measure
        and monthly.month = periods.reporting_month

)

select * from final
