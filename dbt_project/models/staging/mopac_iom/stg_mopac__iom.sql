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
        source.ethnicity_asian,
        source.ethnicity_black,
        source.ethnicity_other,
        source.ethnicity_white,
        source.gender_male,
        source.gender_female,
        source.age_17_and_a_half,
        source.age_18_24,
        source.age_25_34,
        source.age_35_44,
        source.age_45_plus,
        source.cost_offenders,
        source.cost_before_gbp,
        source.offences_before,
        source.cost_during_gbp,
        source.offences_during,
        source.cost_after_gbp,
        source.offences_after,
        source.reported_rate_pct,
        source.note
    from source
    left join area_names
        on area_names.name_key = lower(trim(source.area_name))
    where {{ released_by_as_of('source.released_on') }}

)

select * from final
