-- One row per source row: is its borough one the reference knows (dbt seed
-- borough_name_aliases, case-insensitive)?
select distinct
    landed.source_file,
    landed.source_row,
    landed.borough_name,
    aliases.borough_code is not null as is_known_borough
from landed
left join borough_name_aliases as aliases
    on lower(aliases.source_name) = lower(trim(landed.borough_name))
