-- Every ward the ward files carry, and every 2022 London ward: its generation, borough and the
-- dates its boundaries were in force. The 2022 wards (ONS WD22, seed wards_2022) took effect at
-- the London borough elections of 5 May 2022; the old wards were in force until the day before.
-- Wards of boroughs whose boundaries did not change in 2022 kept their codes: they are 2022
-- wards throughout.
with

wards_2022 as (

    select * from {{ ref('wards_2022') }}

),

boroughs as (

    select * from {{ ref('london_boroughs') }}

),

seen as (

    select
        ward_code,
        any_value(ward_name order by release_month desc) as ward_name,
        any_value(borough_code order by release_month desc) as borough_code,
        bool_or(is_ward_2022) as is_ward_2022
    from {{ ref('int_ward_crime__latest_release') }}
    group by ward_code

),

old_wards as (

    select
        ward_code,
        ward_name,
        borough_code
    from seen
    where not is_ward_2022

),

final as (

    select
        cast(wards_2022.ward_code as varchar) as ward_code,
        cast(wards_2022.ward_name as varchar) as ward_name,
        cast('2022' as varchar) as ward_generation,
        cast(wards_2022.borough_code as varchar) as borough_code,
        cast(boroughs.borough_name as varchar) as borough_name,
        cast('{{ var("ward_boundaries_2022_from") }}' as date) as valid_from,
        cast(null as date) as valid_to
    from wards_2022
    left join boroughs on wards_2022.borough_code = boroughs.borough_code

    union all

    select
        cast(old_wards.ward_code as varchar) as ward_code,
        cast(old_wards.ward_name as varchar) as ward_name,
        cast('pre-2022' as varchar) as ward_generation,
        cast(old_wards.borough_code as varchar) as borough_code,
        cast(boroughs.borough_name as varchar) as borough_name,
        cast(null as date) as valid_from,
        cast('{{ var("ward_boundaries_2022_from") }}' as date) - 1 as valid_to
    from old_wards
    left join boroughs on old_wards.borough_code = boroughs.borough_code

)

select * from final
