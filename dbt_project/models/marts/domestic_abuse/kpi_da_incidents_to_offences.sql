-- Domestic abuse incidents and the offences they become (July 2021 pack p.24, April 2023
-- report §3.5): one row per borough and reporting month of kpi_da_incidents, with the
-- dashboard's domestic abuse offences over the same 12 months and the share of incidents that
-- become offences (offences ÷ incidents), a year before too. Offences are NULL unless the
-- dashboard holds all 12 months; the share is NULL unless both counts are there.
with

incidents as (

    select * from {{ ref('kpi_da_incidents') }}

),

offences as (

    select
        borough_code,
        month,
        offences,
        {{ month_index('month') }} as month_index
    from {{ ref('fct_crime_dashboard_monthly') }}
    where measure = 'domestic_abuse'

),

windowed as (

    select
        borough_code,
        month as reporting_month,
        sum(offences) over last_12 as r12_da_offences,
        count(offences) over last_12 as months_in_window,
        sum(offences) over year_before as r12_da_offences_prev,
        count(offences) over year_before as months_in_year_before
    from offences
    window
        last_12 as {{ month_window('borough_code', month='month') }},
        year_before as {{ month_window('borough_code', months_back=12, month='month') }}

),

joined as (

    select
        incidents.*,
        case when windowed.months_in_window = 12 then windowed.r12_da_offences end
            as r12_da_offences,
        case when windowed.months_in_year_before = 12 then windowed.r12_da_offences_prev end
            as r12_da_offences_prev
    from incidents
    left join windowed
        on windowed.borough_code = incidents.borough_code
        and windowed.reporting_month = incidents.reporting_month

),

final as (

    -- kpi_da_incidents' columns as it types them, then the offences and the shares.
    select
        borough_code,
        borough_name,
        reporting_month,
        r12_da_incidents,
        r12_da_incidents_prev,
        r12_change_pct,
        rate_per_1000,
        london_rank,
        london_rank_of,
        london_rank_unavailable_reason,
        cast(r12_da_offences as bigint) as r12_da_offences,
        cast(r12_da_offences_prev as bigint) as r12_da_offences_prev,
        cast(
            case
                when r12_da_incidents > 0 then r12_da_offences * 100.0 / r12_da_incidents
            end as double
        ) as offences_per_100_incidents,
        cast(
            case
                when r12_da_incidents_prev > 0
                    then r12_da_offences_prev * 100.0 / r12_da_incidents_prev
            end as double
        ) as offences_per_100_incidents_prev
    from joined

)

select * from final
