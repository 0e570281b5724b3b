-- Each measure and month from the file with the latest refresh that covers it (the two
-- releases overlap on knife crime, with revised counts). The choice is made per measure and
-- month, for every borough and for offences and positive outcomes at once, so a figure never
-- mixes two releases.
with

completed as (

    select * from {{ ref('int_crime_dashboard__completed') }}

),

candidates as (

    select distinct
        measure,
        month,
        source_file,
        released_on,
        loaded_at
    from completed

),

ranked as (

    select
        *,
        row_number() over (
            partition by measure, month
            order by released_on desc, loaded_at desc, source_file desc
        ) as recency
    from candidates

),

final as (

    select completed.*
    from completed
    inner join ranked
        on ranked.measure = completed.measure
        and ranked.month = completed.month
        and ranked.source_file = completed.source_file
    where ranked.recency = 1

)

select * from final
