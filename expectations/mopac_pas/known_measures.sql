-- One row per landed figure: is its measure one of the PAS measures the reference knows
-- (dbt seed pas_measures, matched on the label MOPAC prints, case-insensitive)?
select
    landed.source_file,
    landed.source_row,
    landed.measure_label,
    measures.measure is not null as is_known_measure
from landed
left join pas_measures as measures
    on lower(measures.measure_label) = lower(trim(landed.measure_label))
