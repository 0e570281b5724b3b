-- Recorded crime for analysts: every borough, canonical category and month, from the latest
-- release that contains the month, with the zeros the files omit filled in.
with

latest as (

    select * from {{ ref('int_recorded_crime__latest_release') }}

),

final as (

    select
        cast(borough_code as varchar) as borough_code,
        cast(borough_name as varchar) as borough_name,
        cast(is_london_borough as boolean) as is_london_borough,
        cast(category_scheme as varchar) as category_scheme,
        cast(major_category_key as varchar) as major_category_key,
        cast(major_category as varchar) as major_category,
        cast(minor_category_key as varchar) as minor_category_key,
        cast(minor_category as varchar) as minor_category,
        cast(month as date) as month,
        cast(offence_count as bigint) as offence_count,
        cast(is_zero_filled as boolean) as is_zero_filled,
        cast(release_month as date) as release_month,
        cast(source_file as varchar) as source_file
    from latest

)

select * from final
