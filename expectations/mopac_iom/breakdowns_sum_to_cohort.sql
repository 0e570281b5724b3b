-- One row per area, quarter and breakdown given: does it sum to the cohort? The risk matrix
-- (Red, Amber, Green, Blue), the statutory / non-statutory split and the cohort's ethnicity,
-- gender and age each count every offender in the cohort once. A breakdown left empty is not
-- judged.
with

totals as (

    select
        source_file,
        source_row,
        area_name,
        quarter_text,
        'risk matrix' as breakdown,
        offenders_in_cohort,
        risk_red + risk_amber + risk_green + risk_blue as breakdown_total
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
        statutory + non_statutory as breakdown_total
    from landed
    where statutory is not null

    union all

    select
        source_file,
        source_row,
        area_name,
        quarter_text,
        'ethnicity' as breakdown,
        offenders_in_cohort,
        ethnicity_asian + ethnicity_black + ethnicity_other + ethnicity_white as breakdown_total
    from landed
    where ethnicity_asian is not null

    union all

    select
        source_file,
        source_row,
        area_name,
        quarter_text,
        'gender' as breakdown,
        offenders_in_cohort,
        gender_male + gender_female as breakdown_total
    from landed
    where gender_male is not null

    union all

    select
        source_file,
        source_row,
        area_name,
        quarter_text,
        'age' as breakdown,
        offenders_in_cohort,
        age_17_and_a_half + age_18_24 + age_25_34 + age_35_44 + age_45_plus as breakdown_total
    from landed
    where age_17_and_a_half is not null

)

select
    *,
    breakdown_total = offenders_in_cohort as sums_to_cohort
from totals
