-- One row per landed figure: is its area a BCU or London? The User Satisfaction Survey is
-- reported by Basic Command Unit and for London; a borough's name is refused as such.
select
    landed.source_file,
    landed.source_row,
    landed.area_name,
    coalesce(names.area_type, 'unknown') as area_type,
    coalesce(names.area_type in ('bcu', 'london'), false) as is_known_area
from landed
left join area_names as names
    on names.name_key = lower(trim(landed.area_name))
