-- A returned row is a London borough and month whose published offences for a subtype exceed
-- its total's: the subset rules the landing gate holds each file to (each proven on every
-- borough-month of the two real releases), checked again on the figures the marts publish.
with

monthly as (

    select * from {{ ref('fct_crime_dashboard_monthly') }}
    where is_london_borough

),

rules (subset, total) as (

    values
    ('antisemitic_hate', 'racist_religious_hate'),
    ('islamophobic_hate', 'racist_religious_hate'),
    ('racist_hate', 'racist_religious_hate'),
    ('faith_hate', 'racist_religious_hate'),
    ('homophobic_hate', 'hate_crime'),
    ('domestic_abuse_vwi', 'domestic_abuse'),
    ('lethal_barrel_discharge', 'gun_crime'),
    ('knife_injury_victims_non_da_1_24', 'knife_crime')

)

select
    subset_rows.borough_code,
    subset_rows.month,
    rules.subset,
    subset_rows.offences as subset_offences,
    total_rows.offences as total_offences
from rules
inner join monthly as subset_rows
    on subset_rows.measure = rules.subset
inner join monthly as total_rows
    on total_rows.measure = rules.total
    and total_rows.borough_code = subset_rows.borough_code
    and total_rows.month = subset_rows.month
where subset_rows.offences > total_rows.offences
