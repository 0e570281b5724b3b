with

staged as (

    select * from {{ ref('stg_test__quarterly_counts') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by borough_code, quarter_start
            order by released_on desc, loaded_at desc, source_file desc
        ) as recency
    from staged

),

final as (

    select
        cast(borough_code as varchar) as borough_code,
        cast(borough_name as varchar) as borough_name,
        cast(quarter_start as date) as quarter_start,
        cast(incident_count as bigint) as incident_count,
        cast(release as varchar) as release
    from ranked
    where recency = 1

)

select * from final
