-- USS figures as loaded, from the releases published by the build's as_of date, with the
-- area's code and type (a BCU or London) from the reference. A row for a whole financial year
-- is a baseline (is_baseline).
with

source as (

    select * from {{ source('mopac_uss', 'uss') }}

),

area_names as (

    select * from {{ ref('stg_reference__area_names') }}

),

final as (

    select
        source.source_file,
        source.source_row,
        source.release,
        source.released_on,
        source.loaded_at,
        source.quarter_text,
        trim(source.area_name) as source_area_name,
        area_names.area_code,
        area_names.area_name,
        area_names.area_type,
        lower(trim(source.measure)) as measure,
        source.period_start,
        source.period_end,
        date_diff('month', source.period_start, source.period_end) > 2 as is_baseline,
        source.percent
    from source
    left join area_names
        on area_names.name_key = lower(trim(source.area_name))
    where {{ released_by_as_of('source.released_on') }}

)

select * from final
