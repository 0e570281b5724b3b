-- What the crosswalk is learnt from: for each borough whose wards changed in May 2022, the
-- months both generations were published for, each old and new ward's count per category.
with

crime as (

    select * from {{ ref('int_ward_crime__latest_release') }}
    where category_scheme = 'mps_2019'

),

generations as (

    select
        borough_code,
        min(month) filter (where is_ward_2022) as first_2022_month,
        max(month) filter (where not is_ward_2022) as last_old_month
    from crime
    group by borough_code

),

final as (

    select
        crime.borough_code,
        case when crime.is_ward_2022 then 'new' else 'old' end as generation,
        crime.ward_code,
        crime.minor_category_key as category,
        crime.month,
        crime.offence_count
    from crime
    inner join generations
        on crime.borough_code = generations.borough_code
    where crime.month between generations.first_2022_month and generations.last_old_month

)

select * from final
