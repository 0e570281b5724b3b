-- The IOM cost-of-crime comparison, one row per area, return quarter and phase (the 12 months
-- before selection to the cohort, while on it, after leaving it), as the July 2021 pack prints
-- it: the offenders followed, their offences and the estimated cost of their crime, with the
-- cost per offence recomputed from the two. The offenders are everyone selected to the cohort
-- so far, not the quarter's cohort; the quarter is the one the return carried the comparison
-- with.
with

cohort as (

    select * from {{ ref('int_mopac_iom__latest_release') }}

),

phases as (

    select
        phase_rows.phase,
        phase_rows.phase_label,
        phase_rows.sort_order
    from (
        values
        ('before', '12 months before selection to the cohort', 1),
        ('during', 'While on the cohort', 2),
        ('after', 'After leaving the cohort', 3)
    ) as phase_rows (phase, phase_label, sort_order)

),

by_phase as (

    -- One row per phase: the phase's own cost and offence columns, picked by its key.
    select
        cohort.area_name,
        cohort.area_code,
        cohort.period_start,
        cohort.period_end,
        cohort.cost_offenders,
        cohort.source_file,
        phases.phase,
        case phases.phase
            when 'before' then cohort.cost_before_gbp
            when 'during' then cohort.cost_during_gbp
            when 'after' then cohort.cost_after_gbp
        end as cost_of_crime_gbp,
        case phases.phase
            when 'before' then cohort.offences_before
            when 'during' then cohort.offences_during
            when 'after' then cohort.offences_after
        end as offences
    from cohort
    cross join phases
    where cohort.cost_offenders is not null

),

final as (

    select
        cast(by_phase.area_name as varchar) as area,
        cast(by_phase.area_code as varchar) as area_code,
        cast(by_phase.period_start as date) as period_start,
        cast(by_phase.period_end as date) as period_end,
        {{ financial_period_label('by_phase.period_start', 'by_phase.period_end') }}
            as period_label,
        cast(phases.phase as varchar) as phase,
        cast(phases.phase_label as varchar) as phase_label,
        cast(phases.sort_order as integer) as sort_order,
        cast(by_phase.cost_offenders as bigint) as offenders,
        cast(by_phase.offences as bigint) as offences,
        cast(by_phase.cost_of_crime_gbp as bigint) as cost_of_crime_gbp,
        cast(by_phase.cost_of_crime_gbp * 1.0 / nullif(by_phase.offences, 0) as double)
            as cost_per_offence_gbp,
        cast(by_phase.source_file as varchar) as source_file
    from by_phase
    inner join phases
        on phases.phase = by_phase.phase

)

select * from final
