-- One row per landed row: is its area a London borough (by name or ONS code) or London
-- itself? The IOM data store reports per borough and for London.
select
    landed.source_file,
    landed.source_row,
    landed.area_name,
    coalesce(names.area_type, 'unknown') as area_type,
    coalesce(names.area_type in ('borough', 'london'), false) as is_known_area
from landed
left join area_names as names
    on names.name_key = lower(trim(landed.area_name))
