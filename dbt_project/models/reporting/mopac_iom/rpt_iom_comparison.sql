-- The pack's IOM comparison with London: for each London borough, London and the boroughs of
-- its BCU (as the April 2023 report sets Barnet beside Brent and Harrow), in the latest quarter
-- both the borough and London are reported for. The share of the cohort charged is
-- recomputed from the counts; the rate the return printed is kept beside it, flagged where
-- the two differ at the precision it was printed to.
with

cohort as (

    select * from {{ ref('kpi_iom_cohort') }}

),

returned as (

    select
        *,
        -- A printed rate is compared at the precision it was printed to: a whole number, or
        -- one decimal place.
        case when reported_rate_pct = round(reported_rate_pct) then 0 else 1 end
            as printed_decimals
    from {{ ref('int_mopac_iom__latest_release') }}

),

boroughs as (

    select * from {{ ref('london_boroughs') }}

),

borough_bcu as (

    select * from {{ ref('borough_bcu') }}

),

quarter_for_borough as (

    select
        borough.area_code as borough_code,
        max(borough.period_start) as period_start
    from cohort as borough
    inner join cohort as london
        on london.period_start = borough.period_start
        and london.area_code = 'E23000001'
    where borough.area_code <> 'E23000001'
    group by borough.area_code

),

compared as (

    select
        quarter_for_borough.borough_code,
        cohort.*,
        case
            when cohort.area_code = 'E23000001' then 1
            when cohort.area_code = quarter_for_borough.borough_code then 2
            else 3
        end as sort_order
    from quarter_for_borough
    inner join boroughs
        on boroughs.borough_code = quarter_for_borough.borough_code
    inner join borough_bcu as own_bcu
        on own_bcu.borough_code = quarter_for_borough.borough_code
    inner join cohort
        on cohort.period_start = quarter_for_borough.period_start
    left join borough_bcu as area_bcu
        on area_bcu.borough_code = cohort.area_code
    where
        boroughs.is_london_borough
        and (cohort.area_code = 'E23000001' or area_bcu.bcu_code = own_bcu.bcu_code)

),

final as (

    select
        compared.borough_code,
        compared.area,
        compared.area_code,
        cast(compared.sort_order as integer) as sort_order,
        compared.area_code = compared.borough_code as is_selected,
        compared.period_start,
        compared.period_end,
        compared.period_label,
        compared.offenders_in_cohort,
        compared.offenders_charged,
        compared.offenders_charged_during_cohort,
        compared.charged_offences,
        compared.share_of_cohort_charged_pct,
        returned.reported_rate_pct,
        returned.reported_rate_pct is not null
        and coalesce(
            round(compared.share_of_cohort_charged_pct, returned.printed_decimals)
            <> returned.reported_rate_pct,
            true
        ) as reported_rate_differs,
        returned.note,
        compared.source_file
    from compared
    inner join returned
        on returned.area_code = compared.area_code
        and returned.period_start = compared.period_start

)

select * from final
