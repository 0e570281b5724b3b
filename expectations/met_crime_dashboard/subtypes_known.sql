-- One row per crime subtype label loaded: is it in the subtype map (dbt seed
-- dashboard_subtype_map, case-insensitive)? A label the board does not read is in the map with
-- no measure; an unknown one may be a board measure renamed by the Met.
with

labels as (

    select
        crime_subtype,
        min(source_file) as source_file,
        min(source_row) as source_row
    from landed
    group by crime_subtype

),

known as (

    select distinct lower(trim(source_subtype)) as subtype_key from dashboard_subtype_map

)

select
    labels.source_file,
    labels.source_row,
    labels.crime_subtype,
    known.subtype_key is not null as is_known
from labels
left join known
    on known.subtype_key = lower(trim(labels.crime_subtype))
order by labels.source_file, labels.source_row
