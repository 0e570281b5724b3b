-- Every release's full grid (each category the file carries x each ward it carries x each of its
-- months: the Met omits a row that is zero in every month, so those are filled with 0), and of
-- it, for each borough, ward generation and month, the latest release that contains it. Narrow
-- on purpose (codes, not names): at London scale it is millions of rows, and names are joined
-- where a mart needs them.
-- Built without aggregating or joining the grid's own rows: the recorded rows of the chosen
-- releases pass through, and only what a file omits is made (its zero rows, from each of its rows
-- read once, at its first month). A ward a file carries on more than one row for one category
-- (Heathrow Villages under two boroughs' names) is summed as before, on its rows alone. Grouping
-- and joining every row by file, ward, category and month took most of the model's time and
-- spilled to disk under the memory cap (docs/decisions.md, "The ward grid passes rows through").
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
{{ ward_grid_changed(plan) }}

-- Not materialized: each step below reads the staging view again, filtered as it scans, rather
-- than DuckDB holding every row read for the steps that read them (which spilled).
recorded as not materialized (

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

-- A file carries each of its rows (a ward and a category) in every one of its months, zeros
-- included (the landing refuses an empty cell), so its rows are those read at the first month
-- read of each borough and ward generation.
first_months as (

    select
        source_file,
        borough_code,
        is_ward_2022,
        min(month) as month
    from releases
    group by source_file, borough_code, is_ward_2022

),

file_rows as materialized (

    select
        recorded.source_file,
        recorded.borough_code,
        recorded.is_ward_2022,
        recorded.ward_code,
        recorded.ward_name,
        recorded.minor_category_key
    from recorded
    inner join first_months
        on
        recorded.source_file = first_months.source_file
        and recorded.borough_code is not distinct from first_months.borough_code
        and recorded.is_ward_2022 = first_months.is_ward_2022
        and recorded.month = first_months.month

),

file_wards as (

    select distinct
        source_file,
        borough_code,
        is_ward_2022,
        ward_code,
        ward_name
    from file_rows

),

-- Wards a file carries on more than one row for a category, or under more than one borough or
-- name (a ward's generation follows from its code): their rows are summed and joined, as every
-- ward's were before. Their codes are one list, tested row by row: joined to the rows read,
-- DuckDB built its hash table on those millions of rows, not on this handful, and spilled.
summed_wards as (

    select
        source_file,
        ward_code
    from file_rows
    group by source_file, ward_code
    having
        count(*) > count(distinct minor_category_key)
        or count(distinct coalesce(borough_code, '')) > 1
        or count(distinct ward_name) > 1

),

summed_codes as (

    select coalesce(list(distinct ward_code), []) as ward_codes
    from summed_wards

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

passed_through as (

    select
        recorded.source_file,
        recorded.release_month,
        recorded.ward_code,
        recorded.ward_name,
        recorded.borough_code,
        recorded.is_ward_2022,
        recorded.category_scheme,
        recorded.major_category_key,
        recorded.minor_category_key,
        recorded.month,
        recorded.offence_count,
        false as is_zero_filled
    from recorded
    inner join chosen
        on
        recorded.source_file = chosen.source_file
        and recorded.borough_code = chosen.borough_code
        and recorded.is_ward_2022 = chosen.is_ward_2022
        and recorded.month = chosen.month
    where not list_contains((select summed_codes.ward_codes from summed_codes), recorded.ward_code)

),

-- The categories a file carries that it has no row of for a ward: zero in each chosen month.
omitted as (

    select
        file_wards.source_file,
        file_wards.borough_code,
        file_wards.is_ward_2022,
        file_wards.ward_code,
        file_wards.ward_name,
        file_categories.category_scheme,
        file_categories.major_category_key,
        file_categories.minor_category_key
    from file_wards
    inner join file_categories
        on file_wards.source_file = file_categories.source_file
    left join file_rows
        on
        file_wards.source_file = file_rows.source_file
        and file_wards.ward_code = file_rows.ward_code
        and file_categories.minor_category_key = file_rows.minor_category_key
    where
        file_rows.source_file is null
        and not list_contains(
            (select summed_codes.ward_codes from summed_codes), file_wards.ward_code
        )

),

zero_filled as (

    select
        chosen.source_file,
        chosen.release_month,
        omitted.ward_code,
        omitted.ward_name,
        chosen.borough_code,
        chosen.is_ward_2022,
        omitted.category_scheme,
        omitted.major_category_key,
        omitted.minor_category_key,
        chosen.month,
        cast(0 as bigint) as offence_count,
        true as is_zero_filled
    from chosen
    inner join omitted
        on
        chosen.source_file = omitted.source_file
        and chosen.borough_code = omitted.borough_code
        and chosen.is_ward_2022 = omitted.is_ward_2022

),

summed_file_wards as (

    select
        source_file,
        borough_code,
        is_ward_2022,
        ward_code,
        ward_name
    from file_wards
    where list_contains((select summed_codes.ward_codes from summed_codes), ward_code)

),

summed_counts as (

    select
        recorded.source_file,
        recorded.ward_code,
        recorded.minor_category_key,
        recorded.month,
        cast(sum(recorded.offence_count) as bigint) as offence_count
    from recorded
    where list_contains((select summed_codes.ward_codes from summed_codes), recorded.ward_code)
    group by recorded.source_file, recorded.ward_code, recorded.minor_category_key, recorded.month

),

summed as (

    select
        chosen.source_file,
        chosen.release_month,
        summed_file_wards.ward_code,
        summed_file_wards.ward_name,
        chosen.borough_code,
        chosen.is_ward_2022,
        file_categories.category_scheme,
        file_categories.major_category_key,
        file_categories.minor_category_key,
        chosen.month,
        coalesce(summed_counts.offence_count, 0) as offence_count,
        summed_counts.offence_count is null as is_zero_filled
    from chosen
    inner join summed_file_wards
        on
        chosen.source_file = summed_file_wards.source_file
        and chosen.borough_code = summed_file_wards.borough_code
        and chosen.is_ward_2022 = summed_file_wards.is_ward_2022
    inner join file_categories
        on chosen.source_file = file_categories.source_file
    left join summed_counts
        on
        chosen.source_file = summed_counts.source_file
        and summed_file_wards.ward_code = summed_counts.ward_code
        and file_categories.minor_category_key = summed_counts.minor_category_key
        and chosen.month = summed_counts.month

),

grid as (

    select * from passed_through
    union all
    select * from zero_filled
    union all
    select * from summed

),

final as (

    select
        *,
        {{ ward_built_at() }} as built_at
    from grid

)

select * from final
