-- A returned row is a borough, measure and month before the borough's 2022 wards were published
-- where the apportioned 2022-ward volumes do not add up to the old wards' volumes: the crosswalk
-- would have created or lost crimes.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_ward_overview'}}}) }}
with

old_wards as (

    select
        borough_code,
        measure,
        month,
        sum(volume) as volume
    from {{ ref('int_ward_measures__monthly') }}
    where not is_ward_2022
    group by borough_code, measure, month

),

apportioned as (

    select
        borough_code,
        measure,
        month,
        sum(volume) as volume
    from {{ ref('int_ward_measures__on_2022_wards') }}
    where is_apportioned
    group by borough_code, measure, month

)

select
    apportioned.borough_code,
    apportioned.measure,
    apportioned.month,
    apportioned.volume as apportioned_volume,
    old_wards.volume as old_wards_volume
from apportioned
inner join old_wards
    on
    apportioned.borough_code = old_wards.borough_code
    and apportioned.measure = old_wards.measure
    and apportioned.month = old_wards.month
where abs(apportioned.volume - old_wards.volume) > 1e-6
