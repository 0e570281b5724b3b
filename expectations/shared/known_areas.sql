-- One row per source row: is its area one the reference knows (the view area_names: a London
-- borough by name or ONS code, London, a BCU), and of a type the source reports
-- (`area_types`: borough, london, bcu)? `area` is the column that names it.
{%- set area = area | default('area_name') %}
{%- set area_types = area_types | default(['borough', 'london']) %}
select
    landed.source_file,
    landed.source_row,
    landed.{{ area }},
    coalesce(names.area_type, 'unknown') as area_type,
    coalesce(
        names.area_type in ({% for kind in area_types %}'{{ kind }}'{% if not loop.last %}, {% endif %}{% endfor %}),
        false
    ) as is_known_area
from landed
left join area_names as names
    on names.name_key = lower(trim(landed.{{ area }}))
