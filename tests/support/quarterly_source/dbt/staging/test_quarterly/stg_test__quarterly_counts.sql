with

source as (

    select * from {{ source('test_quarterly', 'quarterly_counts') }}

),

aliases as (

    select * from {{ ref('borough_name_aliases') }}

),

final as (

    select
        source.source_file,
        source.release,
        source.released_on,
        source.loaded_at,
        aliases.borough_code,
        trim(source.borough_name) as borough_name,
        source.quarter_start,
        source.incident_count
    from source
    left join aliases
        on lower(aliases.source_name) = lower(trim(source.borough_name))
    where {{ released_by_as_of('source.released_on') }}

)

select * from final
