-- Public confidence, one row per area (a London borough or London), PAS measure and survey
-- quarter, from the latest release holding each figure. London's figure for the same measure
-- and quarter sits beside each row; a borough's London rank is its place among the boroughs
-- (1 = the highest percentage; ties share the best rank, as rank() gives), and is given only
-- when every London borough has a figure for that measure and quarter: a rank among some of
-- them would not be a London rank. Changes are in percentage points against the same area
-- and measure one quarter and four quarters earlier, NULL when that quarter has no figure.
with

figures as (

    select * from {{ ref('int_mopac_pas__latest_release') }}

),

boroughs as (

    select * from {{ ref('london_boroughs') }}

),

borough_count as (

    select count(*) as boroughs_in_london
    from boroughs
    where is_london_borough

),

london as (

    select
        measure,
        period_start,
        percent
    from figures
    where area_type = 'london'

),

ranked as (

    select
        area_code,
        measure,
        period_start,
        rank() over (partition by measure, period_start order by percent desc) as london_rank,
        count(*) over (partition by measure, period_start) as boroughs_with_figure
    from figures
    where area_type = 'borough'

),

final as (

    select
        cast(figures.area_name as varchar) as area,
        cast(figures.area_code as varchar) as area_code,
        cast(figures.measure as varchar) as measure,
        cast(figures.measure_label as varchar) as measure_label,
        cast(figures.period_start as date) as period_start,
        cast(figures.period_end as date) as period_end,
        cast({{ survey_quarter_label('figures.period_end') }} as varchar) as period_label,
        cast(figures.percent as double) as percent,
        cast(london.percent as double) as london_percent,
        cast(
            case
                when ranked.boroughs_with_figure = borough_count.boroughs_in_london
                    then ranked.london_rank
            end as integer
        ) as london_rank,
        cast(figures.percent - previous_quarter.percent as double) as change_on_previous_quarter,
        cast(figures.percent - year_earlier.percent as double) as change_on_year_earlier,
        cast(figures.source_file as varchar) as source_file
    from figures
    cross join borough_count
    left join london
        on london.measure = figures.measure
        and london.period_start = figures.period_start
    left join ranked
        on ranked.area_code = figures.area_code
        and ranked.measure = figures.measure
        and ranked.period_start = figures.period_start
    left join figures as previous_quarter
        on previous_quarter.area_code = figures.area_code
        and previous_quarter.measure = figures.measure
        and previous_quarter.period_start = cast(figures.period_start - interval 3 month as date)
    left join figures as year_earlier
        on year_earlier.area_code = figures.area_code
        and year_earlier.measure = figures.measure
        and year_earlier.period_start = cast(figures.period_start - interval 12 month as date)

)

select * from final
