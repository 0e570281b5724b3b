-- One row per area, quarter and breakdown given: does it sum to the cohort? The risk matrix
-- (Red, Amber, Green, Blue) and the statutory / non-statutory split each count every offender
-- in the cohort once. A breakdown left empty is not judged.
select
    source_file,
    source_row,
    area_name,
    quarter_text,
    'risk matrix' as breakdown,
    offenders_in_cohort,
    risk_red + risk_amber + risk_green + risk_blue as breakdown_total,
    risk_red + risk_amber + risk_green + risk_blue = offenders_in_cohort as sums_to_cohort
from landed
where risk_red is not null

union all

select
    source_file,
    source_row,
    area_name,
    quarter_text,
    'statutory / non-statutory' as breakdown,
    offenders_in_cohort,
    statutory + non_statutory as breakdown_total,
    statutory + non_statutory = offenders_in_cohort as sums_to_cohort
from landed
where statutory is not null
