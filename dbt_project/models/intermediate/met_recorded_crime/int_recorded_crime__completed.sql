-- Every release's full grid: each category the file carries x each borough it carries x each
-- of its months. MPS files omit a (category, borough) row that is zero in every month, so the
-- grid fills those with 0 (is_zero_filled) instead of losing the category.
with

recorded as (

    select * from {{ ref('stg_met__recorded_crime') }}

),

files as (

    select
        source_file,
        max(release_month) as release_month,
        max(loaded_at) as loaded_at,
        -- The series a file belongs to: its mapped categories' scheme.
        coalesce(
            max(case when category_scheme <> 'unmapped' then category_scheme end), 'unmapped'
        ) as series_scheme
    from recorded
    group by source_file

),

file_categories as (

    select distinct
        source_file,
        category_scheme,
        major_category_key,
        major_category,
        minor_category_key,
        minor_category
    from recorded

),

file_boroughs as (

    select distinct
        source_file,
        borough_code,
        borough_name,
        is_london_borough
    from recorded

),

file_months as (

    select distinct
        source_file,
        month
    from recorded

),

counts as (

    select
        source_file,
        minor_category_key,
        borough_code,
        month,
        sum(offence_count) as offence_count
    from recorded
    group by source_file, minor_category_key, borough_code, month

),

grid as (

    select
        file_categories.source_file,
        file_categories.category_scheme,
        file_categories.major_category_key,
        file_categories.major_category,
        file_categories.minor_category_key,
        file_categories.minor_category,
        file_boroughs.borough_code,
        file_boroughs.borough_name,
        file_boroughs.is_london_borough,
        file_months.month
    from file_categories
    inner join file_boroughs
        on file_boroughs.source_file = file_categories.source_file
    inner join file_months
        on file_months.source_file = file_categories.source_file

),

final as (

    select
        grid.*,
        files.release_month,
        files.loaded_at,
        files.series_scheme,
        coalesce(counts.offence_count, 0) as offence_count,
        counts.offence_count is null as is_zero_filled
    from grid
    inner join files
        on files.source_file = grid.source_file
    left join counts
        on counts.source_file = grid.source_file
        and counts.minor_category_key = grid.minor_category_key
        and counts.borough_code = grid.borough_code
        and counts.month = grid.month

)

select * from final
