-- A returned row is a crime subtype label, case aside, that the seed dashboard_subtype_map maps
-- to two measures: the staging model matches labels case-insensitively, so its spellings must
-- agree.
select
    lower(trim(source_subtype)) as subtype_key,
    count(distinct coalesce(measure, '')) as measures
from {{ ref('dashboard_subtype_map') }}
group by lower(trim(source_subtype))
having count(distinct coalesce(measure, '')) > 1
