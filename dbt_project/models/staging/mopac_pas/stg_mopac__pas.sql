-- PAS figures as loaded, from the releases published by the build's as_of date, with what the
-- reference says of their names: the area's code and type (a borough or London) and the
-- measure's short key. A name the reference does not know never gets here: the landing gate
-- refuses its file.
with

source as (

    select * from {{ source('mopac_pas', 'pas') }}

),

area_names as (

    select * from {{ ref('stg_reference__area_names') }}

),

measures as (

    select * from {{ ref('pas_measures') }}

),

final as (

    select
        source.source_file,
        source.source_row,
        source.source_layout,
        source.release,
        source.released_on,
        source.loaded_at,
        trim(source.area_name) as source_area_name,
        area_names.area_code,
        area_names.area_name,
        area_names.area_type,
        measures.measure,
        measures.measure_label,
        source.period_start,
        cast(last_day(source.period_start + interval 2 month) as date) as period_end,
        source.percent,
        source.published_rank
    from source
    left join area_names
        on area_names.name_key = lower(trim(source.area_name))
    left join measures
        on lower(measures.measure_label) = lower(trim(source.measure_label))
    where {{ released_by_as_of('source.released_on') }}

)

select * from final
