-- The pack's ASB section: for each borough and reporting month, the latest 12 months of ASB
-- calls the feed has up to that month, and which month they end.
with

kpi as (

    select * from {{ ref('kpi_asb_calls') }}

),

final as (

    select
        borough_code,
        borough_name,
        reporting_month,
        r12_asb_calls,
        r12_asb_calls_prev,
        asb_calls_change_pct,
        r12_repeat_asb_calls,
        r12_repeat_asb_calls_prev,
        repeat_asb_calls_change_pct,
        asb_calls_direction,
        repeat_asb_calls_direction,
        rag,
        {{ rolling_window_start('reporting_month') }} as window_start
    from kpi

)

select * from final
