{#- The models of one provider's returns, written once. Every provider in the measure catalogue
    (orchestration/sources/partner_returns/catalogue.yml) gets a model file per layer in
    models/partners/<provider>/, generated from the catalogue, each calling one macro here, so
    every provider is its own dbt group (and publication unit) while the rules are one.
    Rules: docs/kpi_definitions.md §6. -#}

{#- Staging: the provider's raw rows released by the as-of date, typed. -#}
{% macro partner_staging(raw) -%}
with

source as (

    -- The Return sheet's figures (the quarter and the year to date). A return's other figures
    -- (basis `period`: snapshots, years, breakdowns, comparators, plan items) are not
    -- quarterly measures.
    select * from {{ raw }}
    where basis in ('quarter', 'year_to_date')

),

final as (

    select
        source_file,
        source_sha256,
        source_row,
        release,
        released_on,
        loaded_at,
        provider,
        financial_year,
        fiscal_quarter,
        cast(period_start as date) as period_start,
        cast(submitted_on as date) as submitted_on,
        measure,
        basis,
        cell,
        value,
        typed_value,
        numerator,
        denominator,
        is_not_available,
        note
    from source
    where {{ released_by_as_of('released_on') }}

)

select * from final
{%- endmacro %}


{#- The fact: for each quarter, the figures of the return submitted last (then the later file
    name); the returns it replaces stay in the raw table and the ledger. -#}
{% macro partner_fact(staged_relation, provider) -%}
with

staged as (

    select * from {{ staged_relation }}

),

measures as (

    select * from {{ ref('partner_measures') }}
    where provider = '{{ provider }}'

),

returns as (

    select distinct financial_year, fiscal_quarter, submitted_on, source_file
    from staged

),

latest as (

    select
        *,
        row_number() over (
            partition by financial_year, fiscal_quarter
            order by submitted_on desc, source_file desc
        ) as recency
    from returns

),

chosen as (

    select staged.*
    from staged
    inner join latest
        on latest.source_file = staged.source_file
        and latest.recency = 1

),

quarter_figures as (

    select * from chosen
    where basis = 'quarter'

),

ytd_figures as (

    select * from chosen
    where basis = 'year_to_date'

),

final as (

    select
        cast(quarter_figures.provider as varchar) as provider,
        cast(quarter_figures.measure as varchar) as measure,
        cast(measures.label as varchar) as label,
        cast(measures.unit as varchar) as unit,
        cast(quarter_figures.financial_year as varchar) as financial_year,
        cast(quarter_figures.fiscal_quarter as integer) as quarter,
        cast(quarter_figures.period_start as date) as period_start,
        cast(quarter_figures.period_start + interval 3 month - interval 1 day as date)
            as period_end,
        cast(quarter_figures.value as double) as value,
        cast(quarter_figures.numerator as double) as numerator,
        cast(quarter_figures.denominator as double) as denominator,
        -- As typed, where the published figure is recomputed from its counts.
        cast(case when measures.numerator is not null then quarter_figures.typed_value end
            as double) as provider_value,
        cast(quarter_figures.is_not_available as boolean) as is_not_available,
        cast(ytd_figures.value as double) as returned_ytd_value,
        cast(ytd_figures.numerator as double) as returned_ytd_numerator,
        cast(ytd_figures.denominator as double) as returned_ytd_denominator,
        cast(case when measures.numerator is not null then ytd_figures.typed_value end
            as double) as provider_ytd_value,
        cast(nullif(concat_ws(' ', quarter_figures.note, ytd_figures.note), '') as varchar)
            as note,
        cast(quarter_figures.submitted_on as date) as submitted_on,
        cast(quarter_figures.source_file as varchar) as source_file,
        cast(quarter_figures.source_sha256 as varchar) as source_sha256,
        cast(quarter_figures.cell as varchar) as source_cell,
        cast(measures.sort_order as integer) as sort_order
    from quarter_figures
    inner join measures
        on measures.measure = quarter_figures.measure
    left join ytd_figures
        on ytd_figures.source_file = quarter_figures.source_file
        and ytd_figures.measure = quarter_figures.measure

)

select * from final
{%- endmacro %}


{#- Year to date of counts and amounts: the sum of the year's quarters when every quarter up to
    this one has a figure, else the year to date the return gave, else nothing. -#}
{% macro partner_kpi(fact_relation, provider) -%}
with

fact as (

    select * from {{ fact_relation }}

),

measures as (

    select * from {{ ref('partner_measures') }}
    where provider = '{{ provider }}'

),

targets as (

    select * from {{ ref('partner_targets') }}
    where provider = '{{ provider }}'

),

running as (

    select
        fact.*,
        cast(left(fact.financial_year, 4) as integer) as year_start,
        count(fact.value) over year_so_far as quarters_with_figure,
        sum(fact.value) over year_so_far as running_sum
    from fact
    window year_so_far as (
        partition by fact.measure, fact.financial_year
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
        on measures.measure = summed.measure
    left join summed as numerators
        on numerators.measure = measures.numerator
        and numerators.financial_year = summed.financial_year
        and numerators.quarter = summed.quarter
    left join summed as denominators
        on denominators.measure = measures.denominator
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

quarter_targets as (

    select
        year_to_date.measure,
        year_to_date.financial_year,
        year_to_date.quarter,
        targets.target,
        row_number() over (
            partition by year_to_date.measure, year_to_date.financial_year, year_to_date.quarter
            order by targets.fiscal_quarter is null, targets.financial_year is null
        ) as preference
    from year_to_date
    inner join targets
        on targets.measure = year_to_date.measure
        and targets.per = 'quarter'
        and (targets.financial_year is null or targets.financial_year = year_to_date.financial_year)
        and (targets.fiscal_quarter is null or targets.fiscal_quarter = year_to_date.quarter)

),

year_targets as (

    select
        year_to_date.measure,
        year_to_date.financial_year,
        year_to_date.quarter,
        targets.target,
        row_number() over (
            partition by year_to_date.measure, year_to_date.financial_year, year_to_date.quarter
            order by targets.financial_year is null
        ) as preference
    from year_to_date
    inner join targets
        on targets.measure = year_to_date.measure
        and targets.per = 'year'
        and (targets.financial_year is null or targets.financial_year = year_to_date.financial_year)

),

compared as (

    select
        year_to_date.*,
        year_earlier.value as value_year_earlier,
        quarter_targets.target as target_quarter,
        year_targets.target as target_year
    from year_to_date
    left join year_to_date as year_earlier
        on year_earlier.measure = year_to_date.measure
        and year_earlier.year_start = year_to_date.year_start - 1
        and year_earlier.quarter = year_to_date.quarter
    left join quarter_targets
        on quarter_targets.measure = year_to_date.measure
        and quarter_targets.financial_year = year_to_date.financial_year
        and quarter_targets.quarter = year_to_date.quarter
        and quarter_targets.preference = 1
    left join year_targets
        on year_targets.measure = year_to_date.measure
        and year_targets.financial_year = year_to_date.financial_year
        and year_targets.quarter = year_to_date.quarter
        and year_targets.preference = 1

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

final as (

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
        cast(sort_order as integer) as sort_order
    from indicators

)

select * from final
{%- endmacro %}


{#- The pack's table for one provider: each measure of the financial year of its latest
    quarter, the quarters side by side as the board's papers print them, with the latest
    quarter's comparisons. -#}
{% macro partner_report(kpi_relation) -%}
with

kpi as (

    select * from {{ kpi_relation }}

),

latest as (

    select max(period_start) as period_start from kpi

),

latest_year as (

    select kpi.financial_year
    from kpi
    inner join latest
        on latest.period_start = kpi.period_start
    limit 1

),

year_rows as (

    select kpi.*
    from kpi
    inner join latest_year
        on latest_year.financial_year = kpi.financial_year

),

pivoted as (

    select
        measure,
        max(case when quarter = 1 then value end) as q1_value,
        max(case when quarter = 2 then value end) as q2_value,
        max(case when quarter = 3 then value end) as q3_value,
        max(case when quarter = 4 then value end) as q4_value,
        max(case when quarter = 1 then submitted_on end) as q1_submitted_on,
        max(case when quarter = 2 then submitted_on end) as q2_submitted_on,
        max(case when quarter = 3 then submitted_on end) as q3_submitted_on,
        max(case when quarter = 4 then submitted_on end) as q4_submitted_on
    from year_rows
    group by measure

),

-- The last eight quarters up to the latest, oldest first, whether or not each has a row: a
-- quarter without a return (or returned n/a) is a NULL in its place.
recent_slots as (

    select
        measures.measure,
        slots.slot,
        cast(latest.period_start - to_months(3 * (7 - slots.slot)) as date) as period_start
    from (select distinct measure from year_rows) as measures
    cross join latest
    cross join range(8) as slots (slot)

),

recent as (

    select
        recent_slots.measure,
        list(kpi.value order by recent_slots.slot) as recent_values
    from recent_slots
    left join kpi
        on kpi.measure = recent_slots.measure
        and kpi.period_start = recent_slots.period_start
    group by recent_slots.measure

),

final as (

    select
        year_rows.provider,
        year_rows.measure,
        year_rows.label,
        year_rows.unit,
        year_rows.direction,
        year_rows.sort_order,
        year_rows.financial_year,
        year_rows.quarter as latest_quarter,
        {{ financial_period_label('year_rows.period_start', 'year_rows.period_end') }}
            as latest_quarter_label,
        year_rows.period_start,
        year_rows.period_end,
        pivoted.q1_value,
        pivoted.q2_value,
        pivoted.q3_value,
        pivoted.q4_value,
        pivoted.q1_submitted_on,
        pivoted.q2_submitted_on,
        pivoted.q3_submitted_on,
        pivoted.q4_submitted_on,
        year_rows.value,
        year_rows.ytd_value,
        year_rows.ytd_basis,
        year_rows.value_year_earlier,
        year_rows.change_pct,
        year_rows.target_quarter,
        year_rows.pct_of_quarter_target,
        year_rows.target_year,
        year_rows.ytd_pct_of_year_target,
        year_rows.rag,
        year_rows.quarter_target_indicator,
        year_rows.year_target_indicator,
        year_rows.year_on_year_indicator,
        recent.recent_values,
        year_rows.provider_value,
        year_rows.provider_ytd_value,
        year_rows.note,
        year_rows.submitted_on,
        year_rows.source_file
    from year_rows
    inner join latest
        on latest.period_start = year_rows.period_start
    inner join pivoted
        on pivoted.measure = year_rows.measure
    inner join recent
        on recent.measure = year_rows.measure

)

select * from final
{%- endmacro %}
