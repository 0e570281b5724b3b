-- Victim satisfaction, one row per area (a BCU or London) and quarter: the percentage of
-- victims satisfied with the overall service, from the latest release holding it, with the
-- change in percentage points on the previous quarter and against the baseline. The baseline
-- is the board's: London's figure for the latest financial year that ended before the quarter
-- began (the April 2023 report measures Barnet's outcome against "64% pan London 2020-21"),
-- the same for every area. NULL when there is no such quarter or year.
with

figures as (

    select * from {{ ref('int_mopac_uss__latest_release') }}
    -- The board reads one USS measure; the seed uss_measures lists the ones a return may carry.
    where measure = 'overall_satisfaction'

),

quarters as (

    select * from figures
    where not is_baseline

),

baselines as (

    select
        period_start,
        period_end,
        percent
    from figures
    where is_baseline and area_type = 'london'

),

baseline_for_quarter as (

    select
        quarters.area_code,
        quarters.period_start,
        arg_max(baselines.percent, baselines.period_end) as baseline_percent
    from quarters
    inner join baselines
        on baselines.period_end < quarters.period_start
    group by quarters.area_code, quarters.period_start

),

final as (

    select
        cast(quarters.area_name as varchar) as area,
        cast(quarters.period_start as date) as period_start,
        cast(quarters.period_end as date) as period_end,
        {{ financial_period_label('quarters.period_start', 'quarters.period_end') }}
            as period_label,
        cast(quarters.percent as double) as percent,
        cast(quarters.percent - previous_quarter.percent as double) as change_on_previous_quarter,
        cast(quarters.percent - baseline_for_quarter.baseline_percent as double)
            as change_on_baseline,
        cast(quarters.source_file as varchar) as source_file
    from quarters
    left join quarters as previous_quarter
        on previous_quarter.area_code = quarters.area_code
        and previous_quarter.period_start = cast(quarters.period_start - interval 3 month as date)
    left join baseline_for_quarter
        on baseline_for_quarter.area_code = quarters.area_code
        and baseline_for_quarter.period_start = quarters.period_start

)

select * from final
