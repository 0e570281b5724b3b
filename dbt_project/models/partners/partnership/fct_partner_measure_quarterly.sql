-- Generated from orchestration/sources/partner_returns/catalogue.yml
-- by orchestration/sources/partner_returns/dbt_files.py (make setup):
-- edit the catalogue, not this file.
with

unioned as (

    select * from {{ ref('fct_partner_marac__quarterly') }}

    union all by name

    select * from {{ ref('fct_partner_solace__quarterly') }}

    union all by name

    select * from {{ ref('fct_partner_rise__quarterly') }}

    union all by name

    select * from {{ ref('fct_partner_one_stop_shop__quarterly') }}

    union all by name

    select * from {{ ref('fct_partner_victim_care_hub__quarterly') }}

    union all by name

    select * from {{ ref('fct_partner_supporting_families__quarterly') }}

    union all by name

    select * from {{ ref('fct_partner_youth_justice__quarterly') }}

    union all by name

    select * from {{ ref('fct_partner_exploitation__quarterly') }}

    union all by name

    select * from {{ ref('fct_partner_prevent__quarterly') }}

    union all by name

    select * from {{ ref('fct_partner_da_services__quarterly') }}

    union all by name

    select * from {{ ref('fct_partner_police_da_pursue__quarterly') }}

    union all by name

    select * from {{ ref('fct_partner_restorative_justice__quarterly') }}

    union all by name

    select * from {{ ref('fct_partner_offender_management__quarterly') }}

),

final as (

    select
        provider,
        measure,
        label,
        unit,
        financial_year,
        quarter,
        period_start,
        period_end,
        value,
        numerator,
        denominator,
        provider_value,
        is_not_available,
        returned_ytd_value,
        returned_ytd_numerator,
        returned_ytd_denominator,
        provider_ytd_value,
        note,
        submitted_on,
        source_file,
        source_sha256,
        source_cell,
        sort_order
    from unioned

)

select * from final
