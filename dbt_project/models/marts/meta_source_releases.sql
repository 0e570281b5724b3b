-- What the published figures were built from: one row per loaded source file, for the pack's
-- footer and for anyone asking "which release is this?".
with

recorded as (

    select * from {{ ref('stg_met__recorded_crime') }}

),

final as (

    select
        cast('MPS recorded crime, borough level' as varchar) as source_name,
        cast(source_file as varchar) as source_file,
        cast(source_sha256 as varchar) as sha256,
        cast(source_layout as varchar) as source_layout,
        cast(release_month as date) as release_month,
        cast(min(month) as date) as first_month,
        cast(max(month) as date) as last_month,
        cast(count(*) as bigint) as row_count,
        cast(max(loaded_at) as timestamp) as loaded_at,
        cast('Open Government Licence v3.0' as varchar) as licence
    from recorded
    group by source_file, source_sha256, source_layout, release_month

)

select * from final
