-- Ward-level recorded crime for analysts: every ward, canonical category and month as the Met
-- published it, on the ward's own generation (never apportioned), from the latest release that
-- contains the month, with the zeros the files omit filled in.
with

latest as (

    select * from {{ ref('int_ward_crime__latest_release') }}

),

final as (

    select
        cast(ward_code as varchar) as ward_code,
        cast(ward_name as varchar) as ward_name,
        cast(case when is_ward_2022 then '2022' else 'pre-2022' end as varchar) as ward_generation,
        cast(borough_code as varchar) as borough_code,
        cast(borough_name as varchar) as borough_name,
        cast(category_scheme as varchar) as category_scheme,
        cast(major_category_key as varchar) as major_category_key,
        cast(minor_category_key as varchar) as minor_category_key,
        cast(month as date) as month,
        cast(offence_count as bigint) as offence_count,
        cast(is_zero_filled as boolean) as is_zero_filled,
        cast(release_month as date) as release_month,
        cast(source_file as varchar) as source_file
    from latest

)

select * from final
