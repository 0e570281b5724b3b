-- The IOM cohort's breakdowns, one row per area, quarter, breakdown and category, where the
-- return gives them: the risk matrix (Red, Amber, Green, Blue: in custody or on remand), the
-- statutory / non-statutory split, and the cohort's ethnicity, gender and age in the April 2023
-- report's categories and order. Each breakdown sums to the cohort (checked at the landing
-- gate and by assert_iom_breakdowns_sum_to_cohort); the share is recomputed here.
with

cohort as (

    select * from {{ ref('int_mopac_iom__latest_release') }}

),

categories as (

    select
        category_rows.breakdown,
        category_rows.category,
        category_rows.category_label,
        category_rows.sort_order
    from (
        values
        ('risk_matrix', 'red', 'Red', 1),
        ('risk_matrix', 'amber', 'Amber', 2),
        ('risk_matrix', 'green', 'Green', 3),
        ('risk_matrix', 'blue', 'Blue (in custody or on remand)', 4),
        ('supervision', 'statutory', 'Statutory (on licence, managed by Probation)', 5),
        ('supervision', 'non_statutory', 'Non-statutory (managed by IOM police)', 6),
        ('ethnicity', 'asian', 'Asian', 7),
        ('ethnicity', 'black', 'Black', 8),
        ('ethnicity', 'other', 'Other', 9),
        ('ethnicity', 'white', 'White', 10),
        ('gender', 'male', 'Male', 11),
        ('gender', 'female', 'Female', 12),
        ('age', 'aged_17_and_a_half', '17½', 13),
        ('age', 'aged_18_24', '18-24', 14),
        ('age', 'aged_25_34', '25-34', 15),
        ('age', 'aged_35_44', '35-44', 16),
        ('age', 'aged_45_plus', '45 and over', 17)
    ) as category_rows (breakdown, category, category_label, sort_order)

),

named as (

    select
        area_name,
        area_code,
        period_start,
        period_end,
        offenders_in_cohort,
        source_file,
        risk_red as red,
        risk_amber as amber,
        risk_green as green,
        risk_blue as blue,
        statutory,
        non_statutory,
        ethnicity_asian as asian,
        ethnicity_black as black,
        ethnicity_other as other,
        ethnicity_white as white,
        gender_male as male,
        gender_female as female,
        age_17_and_a_half as aged_17_and_a_half,
        age_18_24 as aged_18_24,
        age_25_34 as aged_25_34,
        age_35_44 as aged_35_44,
        age_45_plus as aged_45_plus
    from cohort

),

-- UNPIVOT leaves out NULLs: a breakdown the return does not give has no rows.
unpivoted as (

    unpivot named
    on
    red, amber, green, blue, statutory, non_statutory,
    asian, black, other, white, male, female,
    aged_17_and_a_half, aged_18_24, aged_25_34, aged_35_44, aged_45_plus
    into name category value offender_count

),

final as (

    select
        cast(unpivoted.area_name as varchar) as area,
        cast(unpivoted.area_code as varchar) as area_code,
        cast(unpivoted.period_start as date) as period_start,
        cast(unpivoted.period_end as date) as period_end,
        {{ financial_period_label('unpivoted.period_start', 'unpivoted.period_end') }}
            as period_label,
        cast(categories.breakdown as varchar) as breakdown,
        cast(categories.category as varchar) as category,
        cast(categories.category_label as varchar) as category_label,
        cast(categories.sort_order as integer) as sort_order,
        cast(unpivoted.offender_count as bigint) as offender_count,
        cast(unpivoted.offenders_in_cohort as bigint) as offenders_in_cohort,
        cast(unpivoted.offender_count * 100.0 / nullif(unpivoted.offenders_in_cohort, 0) as double)
            as share_of_cohort_pct,
        cast(unpivoted.source_file as varchar) as source_file
    from unpivoted
    inner join categories
        on categories.category = unpivoted.category

)

select * from final
