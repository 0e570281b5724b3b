-- The IOM cohort, one row per area (a London borough or London) and quarter, from the latest
-- release holding it. The share of the cohort charged is recomputed here from the counts
-- (offenders charged during the cohort / offenders in the cohort x 100), never taken from a
-- printed rate, and is NULL when either count is not given. It is not the Ministry of
-- Justice's proven reoffending rate (docs/kpi_definitions.md).
with

cohort as (

    select * from {{ ref('int_mopac_iom__latest_release') }}

),

final as (

    select
        cast(area_name as varchar) as area,
        cast(area_code as varchar) as area_code,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast({{ financial_period_label('period_start', 'period_end') }} as varchar) as period_label,
        cast(offenders_in_cohort as bigint) as offenders_in_cohort,
        cast(offenders_charged as bigint) as offenders_charged,
        cast(offenders_charged_during_cohort as bigint) as offenders_charged_during_cohort,
        cast(charged_offences as bigint) as charged_offences,
        cast(
            offenders_charged_during_cohort * 100.0 / nullif(offenders_in_cohort, 0) as double
        ) as share_of_cohort_charged_pct,
        cast(source_file as varchar) as source_file
    from cohort

)

select * from final
