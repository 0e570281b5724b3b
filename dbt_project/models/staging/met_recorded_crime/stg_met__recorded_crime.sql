-- Recorded crime as loaded, with borough codes and canonical categories attached from seeds,
-- from the releases published by the build's as_of date (all of them by default).
-- A label the category map does not know keeps category_scheme = 'unmapped' and its own text:
-- it is never dropped here, and the landing check labels_known reports it.
with

source as (

    select * from {{ source('met_recorded_crime', 'recorded_crime') }}

),

borough_aliases as (

    select * from {{ ref('borough_name_aliases') }}

),

boroughs as (

    select * from {{ ref('london_boroughs') }}

),

category_map as (

    select * from {{ ref('crime_category_map') }}

),

renamed as (

    select
        source_file,
        source_sha256,
        source_layout,
        cast(release || '-01' as date) as release_month,
        released_on,
        loaded_at,
        source_row,
        trim(major_text) as source_major_text,
        trim(minor_text) as source_minor_text,
        trim(borough_name) as source_borough_name,
        month,
        offence_count
    from source
    where {{ released_by_as_of('released_on') }}

),

final as (

    select
        renamed.source_file,
        renamed.source_sha256,
        renamed.source_layout,
        renamed.release_month,
        renamed.released_on,
        renamed.loaded_at,
        renamed.source_row,
        renamed.source_borough_name,
        renamed.source_major_text,
        renamed.source_minor_text,
        borough_aliases.borough_code,
        boroughs.borough_name,
        coalesce(boroughs.is_london_borough, false) as is_london_borough,
        coalesce(category_map.category_scheme, 'unmapped') as category_scheme,
        coalesce(category_map.major_category_key, 'unmapped') as major_category_key,
        coalesce(category_map.major_category, renamed.source_major_text) as major_category,
        coalesce(
            category_map.minor_category_key,
            'unmapped:'
            || lower(renamed.source_major_text)
            || '/'
            || lower(renamed.source_minor_text)
        ) as minor_category_key,
        coalesce(category_map.minor_category, renamed.source_minor_text) as minor_category,
        category_map.minor_category_key is not null as is_category_mapped,
        renamed.month,
        renamed.offence_count
    from renamed
    left join borough_aliases
        on lower(borough_aliases.source_name) = lower(renamed.source_borough_name)
    left join boroughs
        on boroughs.borough_code = borough_aliases.borough_code
    left join category_map
        on category_map.source_layout = renamed.source_layout
        and lower(category_map.source_major_text) = lower(renamed.source_major_text)
        and lower(category_map.source_minor_text) = lower(renamed.source_minor_text)

)

select * from final
