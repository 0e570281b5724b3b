-- Every file's borough figures for the board's measures, with the zeros the Met omits filled
-- in: a file covers a measure in a month when it has any borough row of that measure in that
-- month, and then every London borough without a row has 0 offences (and 0 positive outcomes,
-- for a measure the source gives them for: seed dashboard_measures). Areas that are not London
-- boroughs keep only the rows they have.
with

dashboard as (

    select * from {{ ref('stg_met__crime_dashboard') }}
    where is_borough_row and measure is not null

),

measure_definitions as (

    select * from {{ ref('dashboard_measures') }}

),

london as (

    select
        borough_code,
        borough_name
    from {{ ref('london_boroughs') }}
    where is_london_borough

),

files as (

    select
        source_file,
        max(released_on) as released_on,
        max(loaded_at) as loaded_at
    from dashboard
    group by source_file

),

coverage as (

    select distinct
        source_file,
        measure,
        month
    from dashboard

),

measure_types as (

    select
        measure,
        'offences' as measure_type
    from measure_definitions
    union all
    select
        measure,
        'positive_outcomes' as measure_type
    from measure_definitions
    where has_positive_outcomes

),

counts as (

    select
        source_file,
        measure,
        measure_type,
        month,
        borough_code,
        sum(measure_count) as measure_count
    from dashboard
    group by source_file, measure, measure_type, month, borough_code

),

london_grid as (

    select
        coverage.source_file,
        coverage.measure,
        measure_types.measure_type,
        coverage.month,
        london.borough_code,
        london.borough_name,
        true as is_london_borough
    from coverage
    inner join measure_types
        on measure_types.measure = coverage.measure
    cross join london

),

london_figures as (

    select
        london_grid.*,
        coalesce(counts.measure_count, 0) as measure_count,
        counts.measure_count is null as is_zero_filled
    from london_grid
    left join counts
        on counts.source_file = london_grid.source_file
        and counts.measure = london_grid.measure
        and counts.measure_type = london_grid.measure_type
        and counts.month = london_grid.month
        and counts.borough_code = london_grid.borough_code

),

other_areas as (

    select distinct
        dashboard.source_file,
        dashboard.measure,
        dashboard.measure_type,
        dashboard.month,
        dashboard.borough_code,
        dashboard.borough_name,
        false as is_london_borough
    from dashboard
    where not dashboard.is_london_borough

),

other_figures as (

    select
        other_areas.*,
        counts.measure_count,
        false as is_zero_filled
    from other_areas
    inner join counts
        on counts.source_file = other_areas.source_file
        and counts.measure = other_areas.measure
        and counts.measure_type = other_areas.measure_type
        and counts.month = other_areas.month
        and counts.borough_code = other_areas.borough_code

),

final as (

    select
        figures.*,
        files.released_on,
        files.loaded_at
    from (
        select * from london_figures
        union all
        select * from other_figures
    ) as figures
    inner join files
        on files.source_file = figures.source_file

)

select * from final
