-- One row per area, quarter and breakdown given: does it sum to the cohort? The risk matrix
-- (Red, Amber, Green, Blue), the statutory / non-statutory split and the cohort's ethnicity,
-- gender and age each count every offender in the cohort once. A breakdown left empty (its
-- first column null) is not judged.
with

totals as (

    select
        landed.source_file,
        landed.source_row,
        landed.area_name,
        landed.quarter_text,
        breakdowns.breakdown,
        landed.offenders_in_cohort,
        breakdowns.breakdown_total
    from landed
    cross join
        lateral (
            values
            (
                'risk matrix',
                landed.risk_red,
                landed.risk_red + landed.risk_amber + landed.risk_green + landed.risk_blue
            ),
            (
                'statutory / non-statutory',
                landed.statutory,
                landed.statutory + landed.non_statutory
            ),
            (
                'ethnicity',
                landed.ethnicity_asian,
                landed.ethnicity_asian + landed.ethnicity_black + landed.ethnicity_other
                + landed.ethnicity_white
            ),
            (
                'gender',
                landed.gender_male,
                landed.gender_male + landed.gender_female
            ),
            (
                'age',
                landed.age_17_and_a_half,
                landed.age_17_and_a_half + landed.age_18_24 + landed.age_25_34 + landed.age_35_44
                + landed.age_45_plus
            )
        ) as breakdowns (breakdown, first_column, breakdown_total)
    where breakdowns.first_column is not null

)

select
    *,
    breakdown_total = offenders_in_cohort as sums_to_cohort
from totals
