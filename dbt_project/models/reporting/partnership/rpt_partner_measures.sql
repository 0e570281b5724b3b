-- The pack's table of each provider: each measure of the financial year of the provider's
-- latest quarter, the quarters side by side as the board's papers print them, with the latest
-- quarter's comparisons. A provider's section reads its own rows.
with

kpi as (

    select * from {{ ref('kpi_partner_measures') }}
    where period_kind = 'quarter'

),

latest as (

    select
        provider,
        max(period_start) as period_start
    from kpi
    group by provider

),

latest_year as (

    select distinct
        kpi.provider,
        kpi.financial_year
    from kpi
    inner join latest
        on
        latest.provider = kpi.provider
        and latest.period_start = kpi.period_start

),

year_rows as (

    select kpi.*
    from kpi
    inner join latest_year
        on
        latest_year.provider = kpi.provider
        and latest_year.financial_year = kpi.financial_year

),

pivoted as (

    select
        provider,
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
    group by provider, measure

),

-- The last eight quarters up to the provider's latest, oldest first, whether or not each has
-- a row: a quarter without a return (or returned n/a) is a NULL in its place.
recent_slots as (

    select
        measures.provider,
        measures.measure,
        slots.slot,
        cast(latest.period_start - to_months(3 * (7 - slots.slot)) as date) as period_start
    from (
        select distinct
            provider,
            measure
        from year_rows
    ) as measures
    inner join latest
        on latest.provider = measures.provider
    cross join range(8) as slots (slot)

),

recent as (

    select
        recent_slots.provider,
        recent_slots.measure,
        list(kpi.value order by recent_slots.slot) as recent_values
    from recent_slots
    left join kpi
        on
        kpi.provider = recent_slots.provider
        and kpi.measure = recent_slots.measure
        and kpi.period_start = recent_slots.period_start
    group by recent_slots.provider, recent_slots.measure

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
        year_rows.source_file,
        year_rows.status,
        year_rows.target_high,
        year_rows.baseline,
        year_rows.target_note
    from year_rows
    inner join latest
        on
        latest.provider = year_rows.provider
        and latest.period_start = year_rows.period_start
    inner join pivoted
        on
        pivoted.provider = year_rows.provider
        and pivoted.measure = year_rows.measure
    inner join recent
        on
        recent.provider = year_rows.provider
        and recent.measure = year_rows.measure

)

select * from final
