-- The pack's ward trends: one row per London 2022 ward and month, all recorded crime (the Met's
-- current categories), observed or apportioned from the old wards (is_apportioned).
with

trend as (

    select * from {{ ref('int_ward_measures__on_2022_wards') }}
    where measure = 'all_crime'

),

wards as (

    select * from {{ ref('dim_ward') }}
    where ward_generation = '2022'

),

final as (

    select
        trend.borough_code,
        wards.borough_name,
        trend.ward_code,
        wards.ward_name,
        trend.month,
        trend.volume,
        trend.is_apportioned
    from trend
    inner join wards on trend.ward_code = wards.ward_code

)

select * from final
