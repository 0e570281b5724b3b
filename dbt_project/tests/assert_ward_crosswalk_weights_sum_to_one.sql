-- A returned row is an old ward whose crosswalk weights do not sum to 1: its crimes would not be
-- apportioned whole.
{{ config(meta={'dagster': {'ref': {'name': 'fct_ward_crosswalk'}}}) }}
select
    borough_code,
    old_ward_code,
    sum(weight) as total_weight
from {{ ref('fct_ward_crosswalk') }}
group by borough_code, old_ward_code
having abs(sum(weight) - 1) > 1e-9
