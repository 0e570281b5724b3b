-- One row per landed figure: is its measure one the reference knows (dbt seed uss_measures,
-- matched on the key, case-insensitive)?
select
    landed.source_file,
    landed.source_row,
    landed.measure,
    measures.measure is not null as is_known_measure
from landed
left join uss_measures as measures
    on lower(measures.measure) = lower(trim(landed.measure))
