-- One row per figure a file gives a rank for: is the area a borough (London is not ranked),
-- the rank within 1 and the number of boroughs of its file, measure and quarter, and the rank
-- its proportion earns among them (the highest proportion ranks 1; ties share the best
-- rank, as SQL rank() does)? Every export seen so far leaves its Rank row empty, so this
-- judges a rank only when MOPAC gives one.
with

figures as (

    select
        landed.source_file,
        landed.source_row,
        landed.area_name,
        landed.measure_label,
        landed.period_start,
        landed.percent,
        landed.published_rank,
        names.area_type
    from landed
    left join area_names as names
        on names.name_key = lower(trim(landed.area_name))

),

boroughs as (

    select
        *,
        rank() over (
            partition by source_file, lower(trim(measure_label)), period_start
            order by percent desc
        ) as earned_rank,
        count(*) over (
            partition by source_file, lower(trim(measure_label)), period_start
        ) as boroughs_ranked
    from figures
    where area_type = 'borough'

)

select
    figures.source_file,
    figures.source_row,
    figures.area_name,
    figures.measure_label,
    figures.percent,
    figures.published_rank,
    boroughs.earned_rank,
    boroughs.boroughs_ranked,
    coalesce(
        figures.area_type = 'borough'
        and figures.published_rank between 1 and boroughs.boroughs_ranked
        and figures.published_rank = boroughs.earned_rank,
        false
    ) as is_consistent_rank
from figures
left join boroughs
    on boroughs.source_file = figures.source_file
    and boroughs.source_row = figures.source_row
    and boroughs.area_name = figures.area_name
    and boroughs.measure_label = figures.measure_label
    and boroughs.period_start = figures.period_start
where figures.published_rank is not null
