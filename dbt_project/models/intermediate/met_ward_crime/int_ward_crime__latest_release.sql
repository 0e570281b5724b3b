-- Every release's full grid (each category the file carries x each ward it carries x each of its
-- months: the Met omits a row that is zero in every month, so those are filled with 0), and of
-- it, for each borough, ward generation and month, the latest release that contains it. Narrow
-- on purpose (codes, not names): at London scale it is millions of rows, and names are joined
-- where a mart needs them.
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

file_wards as (

    select distinct
        source_file,
        borough_code,
        is_ward_2022,
        ward_code,
        ward_name
    from recorded

),

file_categories as (

    select distinct
        source_file,
        category_scheme,
        major_category_key,
        minor_category_key
    from recorded

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
        counts.offence_count is null as is_zero_filled
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
