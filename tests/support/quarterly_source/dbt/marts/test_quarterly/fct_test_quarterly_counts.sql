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
        -- A count of 31337 (no real quarter's) makes the model itself fail, not a test: the
        -- tests can show that a model error holds back only what is built on it.
        cast(
            case
                when incident_count = 31337 then error('test_quarterly: a model that cannot build')
                else incident_count
            end as bigint
        ) as incident_count,
        cast(release as varchar) as release
    from ranked
    where recency = 1

)

select * from final
