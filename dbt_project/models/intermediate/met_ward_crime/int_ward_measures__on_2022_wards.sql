-- Each 2022 ward's measures month by month, as far back as the old-ward files reach: observed
-- once the Met publishes the borough on its 2022 wards, apportioned from the old wards before
-- then (int_ward_crosswalk). A borough whose wards did not change keeps its codes, so its old
-- files are already on 2022 wards and nothing is apportioned.
-- A table, not a view: it apportions a million ward rows, and two models read it. Incremental,
-- keyed on borough and month (docs/decisions.md, "A new ward release costs what is new"): it
-- recomputes the boroughs and months int_ward_crime__latest_release recomputed since this table
-- last read it, and every month of a borough whose first month on the 2022 wards or whose
-- crosswalk changed; it rebuilds whole when that table was rebuilt whole or this model's SQL or
-- a seed upstream changed.
{{ config(
    materialized='incremental',
    incremental_strategy='ward_keys',
    on_schema_change='sync_all_columns',
    post_hook="{{ ward_follow_record(ref('int_ward_crime__latest_release'),
        '(' ~ ward_on_2022_boroughs_sql() ~ ') as boroughs') }}",
) }}
{%- set plan = ward_on_2022_plan() %}
{%- do ward_on_2022_log(plan) %}

with

measures as (

    select * from {{ ref('int_ward_measures__monthly') }}
    {{ ward_on_2022_where(plan) }}

),

crosswalk as (

    select * from {{ ref('int_ward_crosswalk') }}

),

observed as (

    select
        measure,
        ward_code,
        borough_code,
        month,
        cast(volume as double) as volume,
        false as is_apportioned
    from measures
    where is_ward_2022

),

first_observed as (

    {{ ward_first_observed_sql() }}

),

apportioned as (

    select
        measures.measure,
        crosswalk.new_ward_code as ward_code,
        measures.borough_code,
        measures.month,
        sum(measures.volume * crosswalk.weight) as volume,
        true as is_apportioned
    from measures
    inner join crosswalk
        on
        measures.borough_code = crosswalk.borough_code
        and measures.ward_code = crosswalk.old_ward_code
    inner join first_observed
        on measures.borough_code = first_observed.borough_code
    where not measures.is_ward_2022 and measures.month < first_observed.first_month
    group by measures.measure, crosswalk.new_ward_code, measures.borough_code, measures.month

),

final as (

    select * from observed
    union all
    select * from apportioned

)

select * from final
