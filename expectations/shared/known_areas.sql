-- One row per source row: is its area one the reference knows (the view area_names: a London
-- borough by name or ONS code, London, a BCU), and of a type the source reports
-- (`area_types`, comma-separated: borough, london, bcu)? `area` is the column that names it.
{%- set area = area | default('area_name') %}
{%- set area_types = area_types | default('borough,london') %}
select
    landed.source_file,
    landed.source_row,
    landed.{{ area }},
    coalesce(names.area_type, 'unknown') as area_type,
    coalesce(
        names.area_type in ('{{ area_types.split(",") | join("', '") }}'), false  -- noqa: LT05
    ) as is_known_area
from landed
left join area_names as names
    on names.name_key = lower(trim(landed.{{ area }}))
