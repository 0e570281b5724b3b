-- One row per (layout, major label, minor label) loaded: is it in the category map (dbt seed
-- crime_category_map, case-insensitive)?
with

labels as (

    select
        source_layout,
        major_text,
        minor_text,
        min(source_file) as source_file,
        min(source_row) as source_row
    from landed
    group by source_layout, major_text, minor_text

)

select
    labels.source_file,
    labels.source_row,
    labels.source_layout,
    labels.major_text,
    labels.minor_text,
    category_map.category_scheme is not null as is_mapped
from labels
left join crime_category_map as category_map
    on category_map.source_layout = labels.source_layout
    and lower(category_map.source_major_text) = lower(trim(labels.major_text))
    and lower(category_map.source_minor_text) = lower(trim(labels.minor_text))
order by labels.source_file, labels.source_row
