-- One row per file and area name of its borough rows: is the area a London borough or one of
-- the Met's other areas the reference knows (dbt seed borough_name_aliases, case-insensitive:
-- Unknown, N/K (Legacy Only), Non MET police force, Aviation Security (SO18) (Legacy Only))?
-- An empty area name is the Met's "not known", and known. Safer Neighbourhood Team rows are
-- not judged here: the board reads borough rows.
with

areas as (

    select
        source_file,
        area_name,
        min(source_row) as source_row
    from landed
    where trim(area_type) = 'Borough'
    group by source_file, area_name

)

select
    areas.source_file,
    areas.source_row,
    coalesce(areas.area_name, '') as area_name,
    nullif(trim(areas.area_name), '') is null or aliases.borough_code is not null as is_known_area
from areas
left join borough_name_aliases as aliases
    on lower(aliases.source_name) = lower(trim(areas.area_name))
order by areas.source_file, areas.source_row
