-- One row per provider, measure and period. A quarter's figure gets its year to date, the same
-- quarter a year earlier, its targets and the RAG (docs/kpi_definitions.md §6); a figure of
-- another period (a snapshot, a year, a rolling 12 months) gets the same period a year earlier.
-- Year to date of counts and amounts: the sum of the year's quarters when every quarter up to
-- this one has a figure, else the year to date the return gave, else nothing; of a percent,
-- recomputed from its numerator's and denominator's.
with

fact as (

    select * from {{ ref('fct_partner_measure_quarterly') }}

),

measures as (

    select * from {{ ref('partner_measures') }}

),

targets as (

    select * from {{ ref('partner_targets') }}

),

running as (

    select
        fact.*,
        cast(left(fact.financial_year, 4) as integer) as year_start,
        count(fact.value) over year_so_far as quarters_with_figure,
        sum(fact.value) over year_so_far as running_sum
    from fact
    window year_so_far as (
        partition by fact.provider, fact.measure, fact.financial_year
        order by fact.quarter
        rows between unbounded preceding and current row
    )

),

summed as (

    select
        running.*,
        case
            when running.unit = 'percent' then null
            when running.quarters_with_figure = running.quarter then running.running_sum
            else running.returned_ytd_value
        end as summed_ytd,
        case
            when running.unit = 'percent' then null
            when running.quarters_with_figure = running.quarter then 'sum of quarters'
            when running.returned_ytd_value is not null then 'as returned'
        end as summed_basis
    from running

),

-- A percent's year to date is recomputed from its numerator's and denominator's.
with_ratio as (

    select
        summed.*,
        measures.direction,
        numerators.summed_ytd as ytd_numerator,
        denominators.summed_ytd as ytd_denominator,
        case
            when measures.numerator is null then null
            when numerators.summed_basis = 'sum of quarters'
                and denominators.summed_basis = 'sum of quarters' then 'sum of quarters'
            else 'as returned'
        end as ratio_basis
    from summed
    inner join measures
        on
        measures.provider = summed.provider
        and measures.measure = summed.measure
    left join summed as numerators
        on
        numerators.provider = summed.provider
        and numerators.measure = measures.numerator
        and numerators.financial_year = summed.financial_year
        and numerators.quarter = summed.quarter
    left join summed as denominators
        on
        denominators.provider = summed.provider
        and denominators.measure = measures.denominator
        and denominators.financial_year = summed.financial_year
        and denominators.quarter = summed.quarter

),

year_to_date as (

    select
        with_ratio.*,
        case
            when with_ratio.unit <> 'percent' then with_ratio.summed_ytd
            when with_ratio.ytd_denominator > 0
                then with_ratio.ytd_numerator * 100.0 / with_ratio.ytd_denominator
            else with_ratio.returned_ytd_value
        end as ytd_value,
        case
            when with_ratio.unit <> 'percent' then with_ratio.summed_basis
            when with_ratio.ytd_denominator > 0 then with_ratio.ratio_basis
            when with_ratio.returned_ytd_value is not null then 'as returned'
        end as ytd_basis
    from with_ratio

),

-- The targets that apply, per quarter and per year, the most specific first (a quarter's over
-- every quarter's, a year's over every year's; a year's target is for every quarter).
applicable_targets as (

    select
        year_to_date.provider,
        year_to_date.measure,
        year_to_date.financial_year,
        year_to_date.quarter,
        targets.per,
        targets.target,
        targets.target_high,
        targets.baseline,
        targets.target_note,
        row_number() over (
            partition by
                year_to_date.provider, year_to_date.measure, year_to_date.financial_year,
                year_to_date.quarter, targets.per
            order by targets.fiscal_quarter is null, targets.financial_year is null
        ) as preference
    from year_to_date
    inner join targets
        on
        targets.provider = year_to_date.provider
        and targets.measure = year_to_date.measure
        and (
            targets.financial_year is null
            or targets.financial_year = year_to_date.financial_year
        )
        and (
            targets.per = 'year'
            or targets.fiscal_quarter is null
            or targets.fiscal_quarter = year_to_date.quarter
        )

),

quarter_targets as (

    select * from applicable_targets
    where per = 'quarter' and preference = 1

),

year_targets as (

    select * from applicable_targets
    where per = 'year' and preference = 1

),

compared as (

    select
        year_to_date.*,
        year_earlier.value as value_year_earlier,
        quarter_targets.target as target_quarter,
        year_targets.target as target_year,
        -- The range's top, the baseline and the target's words: the quarter's target's, else
        -- the year's.
        coalesce(quarter_targets.target_high, year_targets.target_high) as target_high,
        coalesce(quarter_targets.baseline, year_targets.baseline) as baseline,
        coalesce(quarter_targets.target_note, year_targets.target_note) as target_note
    from year_to_date
    left join year_to_date as year_earlier
        on
        year_earlier.provider = year_to_date.provider
        and year_earlier.measure = year_to_date.measure
        and year_earlier.year_start = year_to_date.year_start - 1
        and year_earlier.quarter = year_to_date.quarter
    left join quarter_targets
        on
        quarter_targets.provider = year_to_date.provider
        and quarter_targets.measure = year_to_date.measure
        and quarter_targets.financial_year = year_to_date.financial_year
        and quarter_targets.quarter = year_to_date.quarter
    left join year_targets
        on
        year_targets.provider = year_to_date.provider
        and year_targets.measure = year_to_date.measure
        and year_targets.financial_year = year_to_date.financial_year
        and year_targets.quarter = year_to_date.quarter

),

-- Each indicator positive, negative or neutral (absent). Against a quarterly target: met or
-- not; against a year's target: on track (the year to date at least the target's share of
-- the year gone, a quarter at a time); against the same quarter a year earlier: the change,
-- read by the measure's direction.
indicators as (

    select
        compared.*,
        {{ change_pct('compared.value', 'compared.value_year_earlier') }} as change_pct,
        case
            when compared.target_quarter is null or compared.value is null then 'neutral'
            when (compared.value >= compared.target_quarter)
                = (compared.direction = 'increase_is_positive') then 'positive'
            when compared.value = compared.target_quarter then 'positive'
            else 'negative'
        end as quarter_target_indicator,
        case
            when compared.target_year is null or compared.ytd_value is null then 'neutral'
            when (compared.ytd_value >= compared.target_year * compared.quarter / 4.0)
                = (compared.direction = 'increase_is_positive') then 'positive'
            when compared.ytd_value = compared.target_year * compared.quarter / 4.0
                then 'positive'
            else 'negative'
        end as year_target_indicator,
        {{ indicator('compared.value - compared.value_year_earlier', 'compared.direction') }}
            as year_on_year_indicator
    from compared

),

quarterly as (

    select
        cast(provider as varchar) as provider,
        cast(measure as varchar) as measure,
        cast(label as varchar) as label,
        cast(unit as varchar) as unit,
        cast(direction as varchar) as direction,
        cast(financial_year as varchar) as financial_year,
        cast(quarter as integer) as quarter,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(value as double) as value,
        cast(ytd_value as double) as ytd_value,
        cast(ytd_basis as varchar) as ytd_basis,
        cast(case when unit = 'percent' then ytd_numerator end as double) as ytd_numerator,
        cast(case when unit = 'percent' then ytd_denominator end as double) as ytd_denominator,
        cast(value_year_earlier as double) as value_year_earlier,
        cast(value - value_year_earlier as double) as change,
        cast(change_pct as double) as change_pct,
        cast(target_quarter as double) as target_quarter,
        cast(value * 100.0 / target_quarter as double) as pct_of_quarter_target,
        cast(target_year as double) as target_year,
        cast(ytd_value * 100.0 / target_year as double) as ytd_pct_of_year_target,
        cast(
            case
                when direction = 'neutral' then null
                when target_quarter is null and target_year is null
                    and value_year_earlier is null then null
                else {{ rag(['quarter_target_indicator', 'year_target_indicator',
                             'year_on_year_indicator']) }}
            end as varchar
        ) as rag,
        -- The indicators the RAG is judged from, so the pack words the same ones.
        cast(quarter_target_indicator as varchar) as quarter_target_indicator,
        cast(year_target_indicator as varchar) as year_target_indicator,
        cast(year_on_year_indicator as varchar) as year_on_year_indicator,
        cast(provider_value as double) as provider_value,
        cast(provider_ytd_value as double) as provider_ytd_value,
        cast(note as varchar) as note,
        cast(submitted_on as date) as submitted_on,
        cast(source_file as varchar) as source_file,
        cast(sort_order as integer) as sort_order,
        cast(period_kind as varchar) as period_kind,
        cast(status as varchar) as status,
        cast(target_high as double) as target_high,
        cast(baseline as double) as baseline,
        cast(target_note as varchar) as target_note
    from indicators

),

-- Figures of other periods: the borough's own (no breakdown, no comparator area), with the
-- same period a year earlier.
other_periods as (

    select
        figures.*,
        measures.label,
        measures.unit,
        measures.direction,
        measures.sort_order
    from {{ ref('int_partner_figures') }} as figures
    inner join measures
        on
        measures.provider = figures.provider
        and measures.measure = figures.measure
    where
        figures.basis = 'period'
        and figures.period_kind not in ('quarter', 'year_to_date')
        and figures.breakdown is null
        and figures.area is null
        and figures.plan is null

),

other_compared as (

    select
        other_periods.*,
        year_earlier.value as value_year_earlier
    from other_periods
    left join other_periods as year_earlier
        on
        year_earlier.provider = other_periods.provider
        and year_earlier.measure = other_periods.measure
        and year_earlier.period_kind = other_periods.period_kind
        and year_earlier.period_start = other_periods.period_start - interval 1 year
        and year_earlier.period_end = other_periods.period_end - interval 1 year

),

-- Only what such a figure has: the year to date, the targets and the RAG are a quarter's.
other as (

    select
        provider,
        measure,
        label,
        unit,
        direction,
        financial_year,
        fiscal_quarter as quarter,
        period_start,
        period_end,
        value,
        value_year_earlier,
        value - value_year_earlier as change,
        {{ change_pct('value', 'value_year_earlier') }} as change_pct,
        'neutral' as quarter_target_indicator,
        'neutral' as year_target_indicator,
        {{ indicator('value - value_year_earlier', 'direction') }} as year_on_year_indicator,
        note,
        submitted_on,
        source_file,
        sort_order,
        period_kind,
        status
    from other_compared

),

final as (

    select * from quarterly
    union all by name
    select * from other

)

select * from final
