-- The ASB calls extract as loaded, with the borough's ONS code; files released by the as-of
-- date only.
with

source as (

    select * from {{ source('met_asb_calls', 'asb_calls') }}

),

aliases as (

    select * from {{ ref('borough_name_aliases') }}

),

final as (

    select
        source.source_file,
        source.source_sha256,
        source.source_row,
        source.release,
        source.released_on,
        source.loaded_at,
        aliases.borough_code,
        trim(source.borough_name) as source_borough_name,
        cast(source.month as date) as month,
        source.asb_calls,
        source.repeat_asb_calls
    from source
    left join aliases
        on lower(aliases.source_name) = lower(trim(source.borough_name))
    where {{ released_by_as_of('source.released_on') }}

)

select * from final
