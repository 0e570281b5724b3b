-- Generated from orchestration/sources/partner_returns/catalogue.yml
-- by orchestration/sources/partner_returns/dbt_files.py (make setup):
-- edit the catalogue, not this file.
{{ partner_fact(ref('stg_partner__youth_justice'), 'youth_justice') }}
