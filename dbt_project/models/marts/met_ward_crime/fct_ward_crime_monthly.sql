-- Ward-level recorded crime for analysts: every ward, canonical category and month as the Met
-- published it, on the ward's own generation (never apportioned), from the latest release that
-- contains the month, with the zeros the files omit filled in.
-- A view of int_ward_crime__latest_release, the incremental table that holds these rows: the
-- publish step copies it into the analysts' marts, and a second table of the same rows in the
-- warehouse would cost a national history's 45 million rows again (docs/decisions.md, "A new
-- ward release costs what is new").
{{ config(materialized='view') }}

with

latest as (

    select * from {{ ref('int_ward_crime__latest_release') }}

),

boroughs as (

    select * from {{ ref('london_boroughs') }}

),

final as (

    select
        cast(latest.ward_code as varchar) as ward_code,
        cast(latest.ward_name as varchar) as ward_name,
        cast(case when latest.is_ward_2022 then '2022' else 'pre-2022' end as varchar)
            as ward_generation,
        cast(latest.borough_code as varchar) as borough_code,
        cast(boroughs.borough_name as varchar) as borough_name,
        cast(latest.category_scheme as varchar) as category_scheme,
        cast(latest.major_category_key as varchar) as major_category_key,
        cast(latest.minor_category_key as varchar) as minor_category_key,
        cast(latest.month as date) as month,
        cast(latest.offence_count as bigint) as offence_count,
        cast(latest.is_zero_filled as boolean) as is_zero_filled,
        cast(latest.release_month as date) as release_month,
        cast(latest.source_file as varchar) as source_file
    from latest
    left join boroughs on latest.borough_code = boroughs.borough_code

)

select * from final
