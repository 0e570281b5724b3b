-- IOM rows as loaded, from the releases published by the build's as_of date, with the area's
-- code and type (a borough or London) from the reference and the quarter's last day.
with

source as (

    select * from {{ source('mopac_iom', 'iom') }}

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
        source.period_start,
        cast(last_day(source.period_start + interval 2 month) as date) as period_end,
        source.offenders_in_cohort,
        source.offenders_charged,
        source.offenders_charged_during_cohort,
        source.charged_offences,
        source.risk_red,
        source.risk_amber,
        source.risk_green,
        source.risk_blue,
        source.statutory,
        source.non_statutory,
        source.reported_rate_pct,
        source.note
    from source
    left join area_names
        on area_names.name_key = lower(trim(source.area_name))
    where {{ released_by_as_of('source.released_on') }}

)

select * from final
