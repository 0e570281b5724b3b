-- Every release's full grid (each category the file carries x each ward it carries x each of its
-- months: the Met omits a row that is zero in every month, so those are filled with 0), and of
-- it, for each borough, ward generation and month, the latest release that contains it. Narrow
-- on purpose (codes, not names): at London scale it is millions of rows, and names are joined
-- where a mart needs them.
-- An incremental table, keyed on borough, ward generation and month, and read by every ward
-- model (docs/decisions.md, "A new ward release costs what is new"). When the raw files it reads
-- are the ones it read last time plus new ones, it deletes and recomputes only the keys the new
-- files carry, choosing again among every release that has them (a late older release changes
-- nothing, but is judged). Anything else (a file removed or replaced, an earlier as_of date, a
-- changed model or seed) rebuilds it whole: a removed file's keys may belong to no file now,
-- and telling which of a replaced file's keys moved costs as much as the rebuild. `built_at`
-- says which run recomputed each row; the models below it recompute what changed since.
{{ config(
    materialized='incremental',
    incremental_strategy='ward_keys',
    on_schema_change='sync_all_columns',
    post_hook="{{ ward_grid_record() }}",
) }}
{%- set plan = ward_grid_plan() %}
{%- do ward_grid_log(plan) %}

with

recorded as materialized (

    select
        source_file,
        release_month,
        loaded_at,
        ward_code,
        ward_name,
        borough_code,
        is_ward_2022,
        category_scheme,
        major_category_key,
        minor_category_key,
        month,
        offence_count
    from {{ ref('stg_met__ward_crime') }}
    {{ ward_grid_where(plan) }}

),

releases as (

    select distinct
        source_file,
        release_month,
        loaded_at,
        borough_code,
        is_ward_2022,
        month
    from recorded

),

chosen as (

    select
        source_file,
        release_month,
        borough_code,
        is_ward_2022,
        month
    from releases
    qualify row_number() over (
            partition by borough_code, is_ward_2022, month
            order by release_month desc, loaded_at desc, source_file desc
        ) = 1

),

-- A file carries each of its wards in every one of its months (zeros included), so the wards of
-- the rows read are the file's wards.
file_wards as (

    select distinct
        source_file,
        borough_code,
        is_ward_2022,
        ward_code,
        ward_name
    from recorded

),

-- A file's categories are those of all its rows, not only the rows read: labels mapped as
-- stg_met__ward_crime maps them, from the chosen files' distinct labels.
file_labels as (

    select distinct
        source_file,
        source_layout,
        trim(major_text) as source_major_text,
        trim(minor_text) as source_minor_text
    from {{ source('met_ward_crime', 'ward_crime') }}
    where source_file in (select chosen.source_file from chosen)

),

file_categories as (

    select distinct
        file_labels.source_file,
        coalesce(category_map.category_scheme, 'unmapped') as category_scheme,
        coalesce(category_map.major_category_key, 'unmapped') as major_category_key,
        coalesce(
            category_map.minor_category_key, 'unmapped:' || lower(file_labels.source_major_text)
            || '/' || lower(file_labels.source_minor_text)
        ) as minor_category_key
    from file_labels
    left join {{ ref('crime_category_map') }} as category_map
        on
        category_map.source_layout = file_labels.source_layout
        and lower(category_map.source_major_text) = lower(file_labels.source_major_text)
        and lower(category_map.source_minor_text) = lower(file_labels.source_minor_text)

),

counts as (

    select
        source_file,
        ward_code,
        minor_category_key,
        month,
        cast(sum(offence_count) as bigint) as offence_count
    from recorded
    group by source_file, ward_code, minor_category_key, month

),

final as (

    select
        chosen.source_file,
        chosen.release_month,
        file_wards.ward_code,
        file_wards.ward_name,
        chosen.borough_code,
        chosen.is_ward_2022,
        file_categories.category_scheme,
        file_categories.major_category_key,
        file_categories.minor_category_key,
        chosen.month,
        coalesce(counts.offence_count, 0) as offence_count,
        counts.offence_count is null as is_zero_filled,
        {{ ward_built_at() }} as built_at
    from chosen
    inner join file_wards
        on
        chosen.source_file = file_wards.source_file
        and chosen.borough_code = file_wards.borough_code
        and chosen.is_ward_2022 = file_wards.is_ward_2022
    inner join file_categories
        on chosen.source_file = file_categories.source_file
    left join counts
        on
        chosen.source_file = counts.source_file
        and file_wards.ward_code = counts.ward_code
        and file_categories.minor_category_key = counts.minor_category_key
        and chosen.month = counts.month

)

select * from final
