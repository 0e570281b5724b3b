-- Every spelling of an area the reference knows, lower-cased: the 32 London boroughs by name
-- (dbt seed borough_name_aliases) or ONS code (london_boroughs), London and the BCUs by name
-- (area_name_aliases) or code (mopac_areas). The same union as the dbt model
-- stg_reference__area_names.
select
    lower(aliases.source_name) as name_key,
    boroughs.borough_code as area_code,
    'borough' as area_type
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
