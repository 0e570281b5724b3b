-- Generated from orchestration/sources/partner_returns/catalogue.yml
-- by orchestration/sources/partner_returns/dbt_files.py (make setup):
-- edit the catalogue, not this file.
{{ partner_kpi(ref('fct_partner_offender_management__quarterly'), 'offender_management') }}
