-- One row per loaded file, month and London borough the Met polices: is the borough in that
-- month of that file?
with

file_months as (

    select distinct
        source_file,
        release,
        month
    from landed

),

london as (

    select
        borough_code,
        borough_name
    from london_boroughs
    where is_london_borough

),

present as (

    select distinct
        landed.source_file,
        landed.month,
        aliases.borough_code
    from landed
    inner join borough_name_aliases as aliases
        on lower(aliases.source_name) = lower(trim(landed.borough_name))

)

select
    file_months.source_file,
    file_months.release,
    strftime(file_months.month, '%Y-%m') as month,
    london.borough_name,
    present.borough_code is not null as is_present
from file_months
cross join london
left join present
    on present.source_file = file_months.source_file
    and present.month = file_months.month
    and present.borough_code = london.borough_code
order by 1, 3, 4
