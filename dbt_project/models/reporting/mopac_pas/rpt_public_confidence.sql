-- The pack's public confidence section: one row per London borough, PAS measure and survey
-- quarter the borough has a figure for, with London's figure, the difference from it and the
-- borough's rank out of the boroughs ranked, the measure's label and order, and whether the
-- quarter is the borough's latest (the one the pack shows).
with

confidence as (

    select * from {{ ref('kpi_public_confidence') }}

),

measures as (

    select * from {{ ref('pas_measures') }}

),

boroughs as (

    select * from {{ ref('london_boroughs') }}

),

borough_count as (

    select count(*) as boroughs_in_london
    from boroughs
    where is_london_borough

),

borough_rows as (

    select
        confidence.*,
        measures.sort_order,
        max(confidence.period_start) over (partition by confidence.area_code)
            as latest_period_start
    from confidence
    inner join boroughs
        on boroughs.borough_code = confidence.area_code
    inner join measures
        on measures.measure = confidence.measure
    where boroughs.is_london_borough

),

final as (

    select
        borough_rows.area_code as borough_code,
        borough_rows.area as borough_name,
        borough_rows.measure,
        borough_rows.measure_label,
        cast(borough_rows.sort_order as integer) as sort_order,
        borough_rows.period_start,
        borough_rows.period_end,
        borough_rows.period_label,
        borough_rows.percent,
        borough_rows.london_percent,
        borough_rows.percent - borough_rows.london_percent as difference_from_london,
        borough_rows.london_rank,
        cast(
            case
                when borough_rows.london_rank is not null then borough_count.boroughs_in_london
            end as integer
        ) as london_rank_of,
        borough_rows.change_on_previous_quarter,
        borough_rows.change_on_year_earlier,
        borough_rows.source_file,
        borough_rows.period_start = borough_rows.latest_period_start as is_latest
    from borough_rows
    cross join borough_count

)

select * from final
