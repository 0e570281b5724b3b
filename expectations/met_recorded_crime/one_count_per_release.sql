-- One row per loaded row: does every file of its release give the same count for its
-- category, borough and month? (The Met publishes a 24-month and a Historical file for one
-- release; both may land, but a release re-issued with other counts is refused.)
with

keyed as (

    select
        source_file,
        source_row,
        release,
        lower(trim(major_text)) as major_key,
        lower(trim(minor_text)) as minor_key,
        lower(trim(borough_name)) as borough_key,
        month,
        offence_count
    from landed

),

conflicts as (

    select
        release,
        major_key,
        minor_key,
        borough_key,
        month
    from keyed
    group by release, major_key, minor_key, borough_key, month
    having count(distinct offence_count) > 1

)

select
    keyed.source_file,
    keyed.source_row,
    keyed.release,
    strftime(keyed.month, '%Y-%m') as month,
    keyed.offence_count,
    conflicts.release is null as is_consistent_with_its_release
from keyed
left join conflicts
    on conflicts.release = keyed.release
    and conflicts.major_key = keyed.major_key
    and conflicts.minor_key = keyed.minor_key
    and conflicts.borough_key = keyed.borough_key
    and conflicts.month = keyed.month
