-- One row per figure a file gives a rank for: is the area a borough (London is not ranked),
-- the rank within 1 and the number of boroughs of its file, measure and quarter, and the rank
-- its proportion earns among them (the highest proportion ranks 1; ties share the best
-- rank, as SQL rank() does)? Every export seen so far leaves its Rank row empty, so this
-- judges a rank only when MOPAC gives one.
with

-- Every spelling of an area the reference knows, lower-cased: the 32 London boroughs by name
-- (dbt seed borough_name_aliases) or ONS code (london_boroughs), London and the BCUs by name
-- (area_name_aliases) or code (mopac_areas). The same union as the dbt model
-- stg_reference__area_names.
names as (

    select lower(aliases.source_name) as name_key, boroughs.borough_code as area_code, 'borough' as area_type
    from borough_name_aliases as aliases
    inner join london_boroughs as boroughs
        on boroughs.borough_code = aliases.borough_code
    where boroughs.is_london_borough
    union all
    select lower(borough_code), borough_code, 'borough'
    from london_boroughs
    where is_london_borough
    union all
    select lower(aliases.source_name), areas.area_code, areas.area_type
    from area_name_aliases as aliases
    inner join mopac_areas as areas
        on areas.area_code = aliases.area_code
    union all
    select lower(area_code), area_code, area_type
    from mopac_areas

),

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
    left join names
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
