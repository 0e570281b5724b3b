-- One row per loaded file and board measure its layout serves (dbt seeds crime_category_map
-- and kpi_measures): does the file carry rows for the measure? A measure with none means the
-- file names its categories in a way the map does not know; the unrecognised labels say how.
with labels as (

    select distinct
        source_file,
        release,
        source_layout,
        major_text,
        minor_text
    from landed

),

mapped as (

    select
        labels.*,
        category_map.category_scheme,
        category_map.major_category_key,
        category_map.minor_category_key
    from labels
    left join crime_category_map as category_map
        on category_map.source_layout = labels.source_layout
        and lower(category_map.source_major_text) = lower(trim(labels.major_text))
        and lower(category_map.source_minor_text) = lower(trim(labels.minor_text))

),

schemes as (
    select distinct
        source_layout,
        category_scheme
    from crime_category_map
),

expected as (

    select distinct
        labels.source_file,
        labels.release,
        measures.*
    from labels
    inner join schemes
        on schemes.source_layout = labels.source_layout
    inner join kpi_measures as measures
        on measures.category_scheme = schemes.category_scheme

),

unrecognised as (

    select
        source_file,
        string_agg(
            distinct major_text || ' / ' || minor_text,
            '; ' order by major_text || ' / ' || minor_text
        )
            as unrecognised_labels
    from mapped
    where category_scheme is null
    group by source_file

),

matched as (

    select
        expected.source_file,
        expected.release,
        expected.measure,
        count(mapped.source_file) as label_count
    from expected
    left join mapped
        on mapped.source_file = expected.source_file
        and mapped.category_scheme = expected.category_scheme
        and (
            (
                expected.category_level = 'major'
                and mapped.major_category_key = expected.category_key
            )
            or (
                expected.category_level = 'minor'
                and mapped.minor_category_key = expected.category_key
            )
        )
    group by expected.source_file, expected.release, expected.measure

)

select
    matched.source_file,
    matched.release,
    matched.measure,
    coalesce(unrecognised.unrecognised_labels, '') as unrecognised_labels,
    matched.label_count > 0 as has_rows
from matched
left join unrecognised on unrecognised.source_file = matched.source_file
order by matched.source_file, matched.measure
