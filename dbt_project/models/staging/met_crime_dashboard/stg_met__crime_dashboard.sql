-- The dashboard rows as loaded, from the releases published by the build's as_of date, with
-- the area's borough code (borough rows; an empty area name is the Met's "not known") and the
-- board's measure (seed dashboard_subtype_map, by subtype, case-insensitive) attached. A
-- subtype the map does not know keeps measure NULL: it is never dropped here, and the landing
-- check subtypes_known reports it.
with

source as (

    select * from {{ source('met_crime_dashboard', 'crime_dashboard') }}

),

borough_aliases as (

    select * from {{ ref('borough_name_aliases') }}

),

boroughs as (

    select * from {{ ref('london_boroughs') }}

),

subtypes as (

    select distinct
        lower(trim(source_subtype)) as subtype_key,
        measure
    from {{ ref('dashboard_subtype_map') }}

),

renamed as (

    select
        source_file,
        source_sha256,
        source_layout,
        source_row,
        release,
        released_on,
        loaded_at,
        month,
        refresh_date,
        trim(area_type) as area_type,
        trim(area_type) = 'Borough' as is_borough_row,
        nullif(trim(area_name), '') as area_name,
        nullif(trim(borough_snt), '') as borough_snt,
        nullif(trim(area_code), '') as area_code,
        trim(crime_type) as crime_type,
        trim(crime_subtype) as crime_subtype,
        case
            when lower(trim(measure)) = 'offences' then 'offences'
            -- Older files call positive outcomes sanction detections.
            else 'positive_outcomes'
        end as measure_type,
        measure_count
    from source
    where {{ released_by_as_of('released_on') }}

),

coded as (

    select
        renamed.*,
        case
            when renamed.is_borough_row and renamed.area_name is null then 'MPS-UNKNOWN'
            when renamed.is_borough_row then borough_aliases.borough_code
        end as borough_code
    from renamed
    left join borough_aliases
        on lower(borough_aliases.source_name) = lower(renamed.area_name)

),

final as (

    select
        coded.source_file,
        coded.source_sha256,
        coded.source_layout,
        coded.source_row,
        coded.release,
        coded.released_on,
        coded.loaded_at,
        coded.month,
        coded.refresh_date,
        coded.area_type,
        coded.is_borough_row,
        coded.area_name,
        coded.borough_snt,
        coded.area_code,
        coded.borough_code,
        boroughs.borough_name,
        coalesce(boroughs.is_london_borough, false) as is_london_borough,
        coded.crime_type,
        coded.crime_subtype,
        subtypes.measure,
        coded.measure_type,
        coded.measure_count
    from coded
    left join boroughs
        on boroughs.borough_code = coded.borough_code
    left join subtypes
        on subtypes.subtype_key = lower(coded.crime_subtype)

)

select * from final
