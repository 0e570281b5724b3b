-- The pack's "what changed since the last pack": one row per London borough, crime measure and
-- reporting month M, comparing the figure for M - 1 (the month of the previous pack) as the
-- release in force then published it (the latest release whose last month is at most M - 1)
-- with the figure now (the latest release holding M - 1), and whether it moved by the stated
-- threshold (vars revision_min_change_pct and revision_min_change_offences).
-- Measures are summed from each release with the seed kpi_measures, as
-- int_crime_measures__monthly sums the latest release.
with

completed as (

    select * from {{ ref('int_recorded_crime__completed') }}

),

measures as (

    select * from {{ ref('kpi_measures') }}

),

-- One file per series, month and release: the last loaded, as int_recorded_crime__latest_release
-- breaks ties between files of one release.
release_files as (

    select distinct
        series_scheme,
        month,
        release_month,
        loaded_at,
        source_file
    from completed

),

chosen_files as (

    select
        series_scheme,
        month,
        release_month,
        source_file
    from release_files
    qualify row_number() over (
            partition by series_scheme, month, release_month
            order by loaded_at desc, source_file desc
        ) = 1

),

crime as (

    select completed.*
    from completed
    inner join chosen_files
        on chosen_files.series_scheme = completed.series_scheme
        and chosen_files.month = completed.month
        and chosen_files.release_month = completed.release_month
        and chosen_files.source_file = completed.source_file
    where completed.is_london_borough

),

matched as (

    select
        measures.measure,
        crime.borough_code,
        crime.borough_name,
        crime.month,
        crime.release_month,
        crime.offence_count
    from crime
    inner join measures
        on {{ crime_in_measure('measures', 'crime') }}

),

release_volumes as (

    select
        measure,
        borough_code,
        borough_name,
        month,
        release_month,
        sum(offence_count) as volume
    from matched
    group by measure, borough_code, borough_name, month, release_month

),

-- Which release was in force for each month when its pack was made, and which is now: chosen
-- per month for every borough and measure at once, so one comparison never mixes releases.
month_releases as (

    select
        month,
        max(case when release_month <= month then release_month end) as published_release,
        max(release_month) as current_release
    from release_volumes
    group by month

),

-- The release that brought each figure to its current value: the latest release after the
-- published one whose figure differs from the release before it.
release_changes as (

    select
        *,
        lag(volume) over (
            partition by measure, borough_code, month order by release_month
        ) as volume_release_before
    from release_volumes

),

revised_in as (

    select
        release_changes.measure,
        release_changes.borough_code,
        release_changes.month,
        max(release_changes.release_month) as revised_in_release
    from release_changes
    inner join month_releases
        on month_releases.month = release_changes.month
    where
        release_changes.release_month > month_releases.published_release
        and release_changes.volume <> release_changes.volume_release_before
    group by release_changes.measure, release_changes.borough_code, release_changes.month

),

compared as (

    select
        current_figure.measure,
        current_figure.borough_code,
        current_figure.borough_name,
        current_figure.month,
        month_releases.published_release,
        published_figure.volume as published_volume,
        month_releases.current_release,
        current_figure.volume as current_volume,
        revised_in.revised_in_release,
        month_releases.published_release is not null
        and month_releases.current_release > month_releases.published_release
            as has_later_release
    from release_volumes as current_figure
    inner join month_releases
        on month_releases.month = current_figure.month
        and month_releases.current_release = current_figure.release_month
    left join release_volumes as published_figure
        on published_figure.measure = current_figure.measure
        and published_figure.borough_code = current_figure.borough_code
        and published_figure.month = current_figure.month
        and published_figure.release_month = month_releases.published_release
    left join revised_in
        on revised_in.measure = current_figure.measure
        and revised_in.borough_code = current_figure.borough_code
        and revised_in.month = current_figure.month

),

thresholds as (

    select
        cast({{ var('revision_min_change_pct') }} as double) as min_change_pct,
        cast({{ var('revision_min_change_offences') }} as bigint) as min_change_offences

),

final as (

    select
        cast(compared.borough_code as varchar) as borough_code,
        cast(compared.borough_name as varchar) as borough_name,
        cast(compared.measure as varchar) as measure,
        cast(compared.month + interval 1 month as date) as reporting_month,
        cast(compared.month as date) as compared_month,
        cast(measures.measure_label as varchar) as measure_label,
        cast(measures.sort_order as integer) as sort_order,
        cast(compared.published_release as date) as published_release,
        cast(compared.published_volume as bigint) as published_volume,
        cast(compared.current_release as date) as current_release,
        cast(compared.current_volume as bigint) as current_volume,
        cast(compared.current_volume - compared.published_volume as bigint) as change,
        cast(
            100.0
            * (compared.current_volume - compared.published_volume)
            / nullif(compared.published_volume, 0) as double
        ) as change_pct,
        cast(compared.revised_in_release as date) as revised_in_release,
        cast(compared.has_later_release as boolean) as has_later_release,
        cast(
            coalesce(
                compared.has_later_release
                and abs(compared.current_volume - compared.published_volume)
                >= thresholds.min_change_offences
                and (
                    compared.published_volume = 0
                    or 100.0 * abs(compared.current_volume - compared.published_volume)
                    >= thresholds.min_change_pct * compared.published_volume
                ),
                false
            ) as boolean
        ) as is_revised,
        thresholds.min_change_pct,
        thresholds.min_change_offences
    from compared
    inner join measures
        on measures.measure = compared.measure
    cross join thresholds

)

select * from final
