-- Each month's figures from the latest release that contains it (files are revised every
-- release). The choice is made per series and month, for all boroughs at once, so one month
-- never mixes two releases.
with

completed as (

    select * from {{ ref('int_recorded_crime__completed') }}

),

releases as (

    select distinct
        series_scheme,
        month,
        source_file,
        release_month,
        loaded_at
    from completed

),

ranked as (

    select
        *,
        row_number() over (
            partition by series_scheme, month
            order by release_month desc, loaded_at desc, source_file desc
        ) as recency
    from releases

),

chosen as (

    select
        series_scheme,
        month,
        source_file
    from ranked
    where recency = 1

),

final as (

    select completed.*
    from completed
    inner join chosen
        on chosen.series_scheme = completed.series_scheme
        and chosen.month = completed.month
        and chosen.source_file = completed.source_file

)

select * from final
