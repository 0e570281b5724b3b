-- The board's crime measures per ward and month, on the ward's own generation (seed
-- kpi_measures says which categories each counts), and `all_crime`, every offence of the Met's
-- current categories, for the wards' trend.
with

crime as (

    select * from {{ ref('int_ward_crime__latest_release') }}
    where category_scheme = 'mps_2019'

),

measures as (

    select * from {{ ref('kpi_measures') }}

),

matched as (

    select
        measures.measure,
        crime.ward_code,
        crime.borough_code,
        crime.is_ward_2022,
        crime.month,
        crime.offence_count
    from crime
    inner join measures
        on
        crime.category_scheme = measures.category_scheme
        and (
            (measures.category_level = 'major' and crime.major_category_key = measures.category_key)
            or (
                measures.category_level = 'minor'
                and crime.minor_category_key = measures.category_key
            )
        )

    union all

    select
        'all_crime' as measure,
        crime.ward_code,
        crime.borough_code,
        crime.is_ward_2022,
        crime.month,
        crime.offence_count
    from crime

),

final as (

    select
        measure,
        ward_code,
        borough_code,
        is_ward_2022,
        month,
        sum(offence_count) as volume
    from matched
    group by measure, ward_code, borough_code, is_ward_2022, month

)

select * from final
