-- The MARAC's referrals against the SafeLives recommendation: a year's referrals per 10,000
-- women aged 16 and over in the borough (the partnership's borough, SCP_BOROUGH). One row per
-- financial year whose Q4 return gives the year (the sum of its quarters, or the year to date
-- the return gave). The population is the ONS mid-year estimate whose reference date is the
-- latest on or before the year's last day (else the earliest), as for every rate here.
with

kpi as (

    select * from {{ ref('kpi_partner_measures') }}
    where
        provider = 'marac'
        and period_kind = 'quarter'
        and measure = 'referrals'
        and quarter = 4
        and ytd_value is not null

),

population as (

    select * from {{ ref('population_female_16plus') }}

),

boroughs as (

    select * from {{ ref('london_boroughs') }}

),

benchmarks as (

    select * from {{ ref('marac_benchmarks') }}
    where benchmark = 'referrals_per_10000_adult_females'

),

partnership as (

    select
        borough_code,
        borough_name
    from boroughs
    where
        lower(borough_code) = lower(trim('{{ var("partnership_borough") }}'))
        or lower(borough_name) = lower(trim('{{ var("partnership_borough") }}'))

),

candidates as (

    select
        kpi.financial_year,
        kpi.ytd_value as referrals,
        kpi.ytd_basis,
        partnership.borough_code,
        partnership.borough_name,
        population.mid_year,
        cast(population.reference_date as date) as reference_date,
        population.females_aged_16_plus,
        row_number() over (
            partition by kpi.financial_year
            order by
                case when cast(population.reference_date as date) <= kpi.period_end then 0
                    else 1
                end,
                case
                    when cast(population.reference_date as date) <= kpi.period_end
                        then cast(population.reference_date as date)
                end desc nulls last,
                cast(population.reference_date as date) asc
        ) as preference
    from kpi
    cross join partnership
    inner join population
        on population.ons_code = partnership.borough_code

),

final as (

    select
        cast(candidates.financial_year as varchar) as financial_year,
        cast(candidates.borough_code as varchar) as borough_code,
        cast(candidates.borough_name as varchar) as borough_name,
        cast(candidates.referrals as double) as referrals,
        cast(candidates.ytd_basis as varchar) as referrals_basis,
        cast(candidates.females_aged_16_plus as bigint) as females_aged_16_plus,
        cast(candidates.reference_date as date) as population_reference_date,
        cast('ONS mid-' || candidates.mid_year || ' population estimate' as varchar)
            as population_estimate,
        cast(candidates.referrals * 10000.0 / candidates.females_aged_16_plus as double)
            as referrals_per_10000_adult_females,
        cast(benchmarks.value as double) as benchmark,
        cast(
            candidates.referrals * 10000.0 / candidates.females_aged_16_plus * 100.0
            / benchmarks.value as double
        ) as pct_of_benchmark,
        cast(benchmarks.label as varchar) as benchmark_label,
        cast(benchmarks.source as varchar) as benchmark_source,
        cast(benchmarks.source_year as varchar) as benchmark_year
    from candidates
    cross join benchmarks
    where candidates.preference = 1

)

select * from final
