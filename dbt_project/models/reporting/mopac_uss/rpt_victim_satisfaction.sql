-- The pack's victim satisfaction section: for each London borough, its BCU and London in the
-- latest quarter the BCU has a figure for, with the changes on the previous quarter and
-- against the board's baseline (London's latest financial year before the quarter), named.
with

satisfaction as (

    select * from {{ ref('kpi_victim_satisfaction') }}

),

figures as (

    select * from {{ ref('int_mopac_uss__latest_release') }}

),

areas as (

    select * from {{ ref('mopac_areas') }}

),

boroughs as (

    select * from {{ ref('london_boroughs') }}

),

borough_bcu as (

    select * from {{ ref('borough_bcu') }}

),

keyed as (

    select
        satisfaction.*,
        areas.area_code,
        areas.area_type
    from satisfaction
    inner join areas
        on areas.area_name = satisfaction.area

),

bcu_latest as (

    select
        area_code,
        max(period_start) as period_start
    from keyed
    where area_type = 'bcu'
    group by area_code

),

baselines as (

    select
        period_start,
        period_end,
        percent,
        {{ financial_period_label('period_start', 'period_end') }} as baseline_label
    from figures
    where is_baseline and area_type = 'london' and measure = 'overall_satisfaction'

),

shown as (

    select
        boroughs.borough_code,
        boroughs.borough_name,
        borough_bcu.bcu_code,
        keyed.*
    from boroughs
    inner join borough_bcu
        on borough_bcu.borough_code = boroughs.borough_code
    inner join bcu_latest
        on bcu_latest.area_code = borough_bcu.bcu_code
    inner join keyed
        on keyed.period_start = bcu_latest.period_start
        and keyed.area_code in (borough_bcu.bcu_code, 'E23000001')

),

baseline_for_area as (

    select
        shown.borough_code,
        shown.area_code,
        arg_max(baselines.baseline_label, baselines.period_end) as baseline_label,
        arg_max(baselines.percent, baselines.period_end) as baseline_percent
    from shown
    inner join baselines
        on baselines.period_end < shown.period_start
    group by shown.borough_code, shown.area_code

),

final as (

    select
        shown.borough_code,
        shown.borough_name,
        shown.area,
        shown.area_code,
        shown.area_type,
        cast(case when shown.area_type = 'bcu' then 1 else 2 end as integer) as sort_order,
        shown.period_start,
        shown.period_end,
        shown.period_label,
        shown.percent,
        shown.change_on_previous_quarter,
        shown.change_on_baseline,
        baseline_for_area.baseline_label,
        baseline_for_area.baseline_percent,
        shown.source_file
    from shown
    left join baseline_for_area
        on baseline_for_area.borough_code = shown.borough_code
        and baseline_for_area.area_code = shown.area_code

)

select * from final
