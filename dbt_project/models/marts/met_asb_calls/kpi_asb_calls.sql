-- ASB calls and repeat calls as the July 2021 pack reads them (p.16): the rolling 12 months to
-- each reporting month against the 12 months before, with a RAG from the two changes, each
-- judged by its good direction (seed feed_measures: a decrease is positive). One row per
-- borough and reporting month that ends 12 months of data; the previous year's figures are
-- NULL unless its 12 months are all there. A month the extract gives no repeat count for makes
-- the repeat total of every 12 months holding it NULL, never a sum of fewer months.
with

monthly as (

    select * from {{ ref('fct_asb_calls_monthly') }}

),

measures as (

    select * from {{ ref('feed_measures') }}

),

directions as (

    select
        max(case when measure = 'asb_calls' then direction end) as asb_calls_direction,
        max(case when measure = 'repeat_asb_calls' then direction end)
            as repeat_asb_calls_direction
    from measures

),

indexed as (

    select
        *,
        {{ month_index('month') }} as month_index
    from monthly

),

windowed as (

    select
        indexed.*,
        sum(indexed.asb_calls) over last_12 as r12_asb_calls,
        sum(indexed.repeat_asb_calls) over last_12 as r12_repeat_asb_calls,
        count(*) over last_12 as months_in_window,
        count(indexed.repeat_asb_calls) over last_12 as repeat_months_in_window,
        sum(indexed.asb_calls) over year_before as r12_asb_calls_prev,
        sum(indexed.repeat_asb_calls) over year_before as r12_repeat_asb_calls_prev,
        count(*) over year_before as months_in_year_before,
        count(indexed.repeat_asb_calls) over year_before as repeat_months_in_year_before
    from indexed
    window
        last_12 as {{ month_window('indexed.borough_code', month='indexed.month') }},
        year_before as {{
            month_window('indexed.borough_code', months_back=12, month='indexed.month')
        }}

),

complete as (

    select
        borough_code,
        borough_name,
        month as reporting_month,
        r12_asb_calls,
        case
            when repeat_months_in_window = 12 then r12_repeat_asb_calls
        end as r12_repeat_asb_calls,
        case when months_in_year_before = 12 then r12_asb_calls_prev end as r12_asb_calls_prev,
        case
            when repeat_months_in_year_before = 12 then r12_repeat_asb_calls_prev
        end as r12_repeat_asb_calls_prev
    from windowed
    where months_in_window = 12

),

changes as (

    select
        *,
        {{ change_pct('r12_asb_calls', 'r12_asb_calls_prev') }} as asb_calls_change_pct,
        {{ change_pct('r12_repeat_asb_calls', 'r12_repeat_asb_calls_prev') }}
            as repeat_asb_calls_change_pct
    from complete

),

final as (

    select
        cast(changes.borough_code as varchar) as borough_code,
        cast(changes.borough_name as varchar) as borough_name,
        cast(changes.reporting_month as date) as reporting_month,
        cast(changes.r12_asb_calls as bigint) as r12_asb_calls,
        cast(changes.r12_asb_calls_prev as bigint) as r12_asb_calls_prev,
        cast(changes.asb_calls_change_pct as double) as asb_calls_change_pct,
        cast(changes.r12_repeat_asb_calls as bigint) as r12_repeat_asb_calls,
        cast(changes.r12_repeat_asb_calls_prev as bigint) as r12_repeat_asb_calls_prev,
        cast(changes.repeat_asb_calls_change_pct as double) as repeat_asb_calls_change_pct,
        cast(directions.asb_calls_direction as varchar) as asb_calls_direction,
        cast(directions.repeat_asb_calls_direction as varchar) as repeat_asb_calls_direction,
        cast(
            case
                when
                    changes.asb_calls_change_pct is null
                    and changes.repeat_asb_calls_change_pct is null
                    then null
                else {{ rag([
                    indicator(
                        'changes.repeat_asb_calls_change_pct',
                        'directions.repeat_asb_calls_direction'
                    ),
                    indicator(
                        'changes.asb_calls_change_pct', 'directions.asb_calls_direction'
                    ),
                ]) }}
            end as varchar
        ) as rag
    from changes
    cross join directions

)

select * from final
