-- The IOM cohort's breakdowns, one row per area, quarter, breakdown and category, where the
-- return gives them: the risk matrix (Red, Amber, Green, Blue: in custody or on remand) and
-- the statutory / non-statutory split. Each breakdown sums to the cohort (checked at the
-- landing gate and by assert_iom_breakdowns_sum_to_cohort).
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
        ('supervision', 'non_statutory', 'Non-statutory (managed by IOM police)', 6)
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
        non_statutory
    from cohort

),

-- UNPIVOT leaves out NULLs: a breakdown the return does not give has no rows.
unpivoted as (

    unpivot named
    on red, amber, green, blue, statutory, non_statutory
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
