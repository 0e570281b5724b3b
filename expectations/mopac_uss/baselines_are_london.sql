-- One row per landed figure for a whole financial year (a baseline, '2020/21'): is it
-- London's? The board measures every area against the pan-London baseline (April 2023
-- report, 4.3.15), so a year figure for another area would be sent and never used.
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

)

select
    landed.source_file,
    landed.source_row,
    landed.quarter_text,
    landed.area_name,
    coalesce(names.area_type = 'london', false) as is_london_baseline
from landed
left join names
    on names.name_key = lower(trim(landed.area_name))
where date_diff('month', landed.period_start, landed.period_end) > 2
