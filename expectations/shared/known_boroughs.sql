-- One row per source row: is its borough one the reference knows (dbt seed
-- borough_name_aliases, case-insensitive: a London borough as sources spell it, or one of the
-- Met's other areas such as Aviation Security (SO18))? `area` is the column that names it.
{%- set area = area | default('borough_name') %}
select distinct
    landed.source_file,
    landed.source_row,
    landed.{{ area }},
    aliases.borough_code is not null as is_known_borough
from landed
left join borough_name_aliases as aliases
    on lower(aliases.source_name) = lower(trim(landed.{{ area }}))
