-- Generated from orchestration/sources/partner_returns/catalogue.yml
-- by orchestration/sources/partner_returns/dbt_files.py (make setup):
-- edit the catalogue, not this file.
with

unioned as (

    select * from {{ ref('kpi_partner_marac') }}

    union all by name

    select * from {{ ref('kpi_partner_solace') }}

    union all by name

    select * from {{ ref('kpi_partner_rise') }}

    union all by name

    select * from {{ ref('kpi_partner_one_stop_shop') }}

    union all by name

    select * from {{ ref('kpi_partner_victim_care_hub') }}

    union all by name

    select * from {{ ref('kpi_partner_supporting_families') }}

    union all by name

    select * from {{ ref('kpi_partner_youth_justice') }}

    union all by name

    select * from {{ ref('kpi_partner_exploitation') }}

    union all by name

    select * from {{ ref('kpi_partner_prevent') }}

    union all by name

    select * from {{ ref('kpi_partner_da_services') }}

    union all by name

    select * from {{ ref('kpi_partner_police_da_pursue') }}

    union all by name

    select * from {{ ref('kpi_partner_restorative_justice') }}

    union all by name

    select * from {{ ref('kpi_partner_offender_management') }}

),

final as (

    select
        provider,
        measure,
        label,
        unit,
        direction,
        financial_year,
        quarter,
        period_start,
        period_end,
        value,
        ytd_value,
        ytd_basis,
        ytd_numerator,
        ytd_denominator,
        value_year_earlier,
        change,
        change_pct,
        target_quarter,
        pct_of_quarter_target,
        target_year,
        ytd_pct_of_year_target,
        rag,
        quarter_target_indicator,
        year_target_indicator,
        year_on_year_indicator,
        provider_value,
        provider_ytd_value,
        note,
        submitted_on,
        source_file,
        sort_order
    from unioned

)

select * from final
