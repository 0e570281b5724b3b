-- One row per area and quarter: are the counts nested as they must be, offenders charged
-- during the cohort <= offenders charged <= offenders in the cohort? A count left empty is
-- not judged (the parser asks for a note beside it). The April 2023 report's Harrow row (73
-- charged during the cohort against 17 charged) is the case this exists for.
select
    source_file,
    source_row,
    area_name,
    quarter_text,
    offenders_in_cohort,
    offenders_charged,
    offenders_charged_during_cohort,
    coalesce(offenders_charged_during_cohort <= offenders_charged, true)
    and coalesce(offenders_charged <= offenders_in_cohort, true)
    and coalesce(offenders_charged_during_cohort <= offenders_in_cohort, true)
        as is_nested
from landed
