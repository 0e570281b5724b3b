-- Generated from orchestration/sources/partner_returns/catalogue.yml
-- by orchestration/sources/partner_returns/dbt_files.py (make setup):
-- edit the catalogue, not this file.
{{ partner_staging(source('partner_police_da_pursue', 'returns')) }}
