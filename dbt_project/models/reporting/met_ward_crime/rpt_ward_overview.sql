-- The pack's ward table: kpi_ward_overview with each measure's label and pack order, one row per
-- London 2022 ward, board measure and reporting month.
with

wards as (

    select * from {{ ref('kpi_ward_overview') }}

),

measures as (

    select * from {{ ref('dim_kpi_measure') }}

),

final as (

    select
        wards.borough_code,
        wards.borough_name,
        wards.ward_code,
        wards.ward_name,
        wards.measure,
        wards.reporting_month,
        measures.measure_label,
        measures.sort_order,
        wards.r12_volume,
        wards.r12_volume_prev,
        wards.r12_change_pct,
        wards.borough_rank,
        wards.borough_rank_of,
        wards.exception_flag,
        wards.months_apportioned,
        wards.is_apportioned
    from wards
    inner join measures on wards.measure = measures.measure

)

select * from final
