-- One row per month from the var calendar_start up to calendar_end: the months every
-- calendar-based reference table (the population in force) is built for.
with

spine as (

    {{ dbt.date_spine(
        datepart="month",
        start_date="cast('" ~ var('calendar_start') ~ "' as date)",
        end_date="cast('" ~ var('calendar_end') ~ "' as date)"
    ) }}

),

final as (

    select cast(date_month as date) as month from spine

)

select * from final
