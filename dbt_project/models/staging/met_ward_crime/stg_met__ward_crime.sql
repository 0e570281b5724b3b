-- Ward-level recorded crime as loaded (from the releases published by the build's as_of date),
-- with the borough's ONS code, the canonical category, and the ward generation: a 2022 ward
-- (its code is in the seed wards_2022) or an old ward (valid until the May 2022 change). A 2022
-- ward takes the borough ONS places it in: the Met files Heathrow Villages under its airport
-- command, Aviation Security (SO18), but its old wards' crimes sat in Hillingdon.
with

source as (

    select * from {{ source('met_ward_crime', 'ward_crime') }}

),

borough_aliases as (

    select * from {{ ref('borough_name_aliases') }}

),

boroughs as (

    select * from {{ ref('london_boroughs') }}

),

wards_2022 as (

    select * from {{ ref('wards_2022') }}

),

category_map as (

    select * from {{ ref('crime_category_map') }}

),

renamed as (

    select
        source_file,
        cast(release || '-01' as date) as release_month,
        released_on,
        loaded_at,
        source_row,
        source_layout,
        trim(major_text) as source_major_text,
        trim(minor_text) as source_minor_text,
        trim(ward_code) as ward_code,
        trim(ward_name) as ward_name,
        trim(borough_name) as source_borough_name,
        month,
        offence_count
    from source
    where {{ released_by_as_of('released_on') }}

),

final as (

    select
        renamed.source_file,
        renamed.release_month,
        renamed.released_on,
        renamed.loaded_at,
        renamed.source_row,
        renamed.ward_code,
        renamed.ward_name,
        coalesce(wards_2022.borough_code, borough_aliases.borough_code) as borough_code,
        boroughs.borough_name,
        coalesce(boroughs.is_london_borough, false) as is_london_borough,
        wards_2022.ward_code is not null as is_ward_2022,
        coalesce(category_map.category_scheme, 'unmapped') as category_scheme,
        coalesce(category_map.major_category_key, 'unmapped') as major_category_key,
        coalesce(
            category_map.minor_category_key, 'unmapped:' || lower(renamed.source_major_text)
            || '/' || lower(renamed.source_minor_text)
        ) as minor_category_key,
        renamed.month,
        renamed.offence_count
    from renamed
    left join borough_aliases
        on lower(borough_aliases.source_name) = lower(renamed.source_borough_name)
    left join wards_2022
        on renamed.ward_code = wards_2022.ward_code
    left join boroughs
        on coalesce(wards_2022.borough_code, borough_aliases.borough_code) = boroughs.borough_code
    left join category_map
        on
        category_map.source_layout = renamed.source_layout
        and lower(category_map.source_major_text) = lower(renamed.source_major_text)
        and lower(category_map.source_minor_text) = lower(renamed.source_minor_text)

)

select * from final
