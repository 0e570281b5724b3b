-- Every spelling of an area the MOPAC sources use, lower-cased, with the area it names: the 32
-- London boroughs by name (borough_name_aliases, as sources spell them: City of Westminster,
-- Westminster) or by ONS code, and London and the BCUs by name (area_name_aliases: MPS,
-- North West BCU) or by code (mopac_areas). The landing gate's known_areas suites
-- (expectations/mopac_*/known_areas.sql) accept exactly these names.
with

boroughs as (

    select * from {{ ref('london_boroughs') }}

),

borough_aliases as (

    select * from {{ ref('borough_name_aliases') }}

),

areas as (

    select * from {{ ref('mopac_areas') }}

),

area_aliases as (

    select * from {{ ref('area_name_aliases') }}

),

borough_bcu as (

    select * from {{ ref('borough_bcu') }}

),

borough_names as (

    select
        lower(borough_aliases.source_name) as name_key,
        borough_aliases.borough_code
    from borough_aliases
    union
    select
        lower(boroughs.borough_code) as name_key,
        boroughs.borough_code
    from boroughs

),

area_names as (

    select
        lower(area_aliases.source_name) as name_key,
        area_aliases.area_code
    from area_aliases
    union
    select
        lower(areas.area_code) as name_key,
        areas.area_code
    from areas

),

final as (

    select
        borough_names.name_key,
        boroughs.borough_code as area_code,
        boroughs.borough_name as area_name,
        'borough' as area_type,
        borough_bcu.bcu_code
    from borough_names
    inner join boroughs
        on boroughs.borough_code = borough_names.borough_code
    left join borough_bcu
        on borough_bcu.borough_code = boroughs.borough_code
    where boroughs.is_london_borough
    union all
    select
        area_names.name_key,
        areas.area_code,
        areas.area_name,
        areas.area_type,
        null as bcu_code
    from area_names
    inner join areas
        on areas.area_code = area_names.area_code

)

select * from final
