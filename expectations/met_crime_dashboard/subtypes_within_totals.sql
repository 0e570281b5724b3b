-- One row per file, rule, borough-row area and month in which the file has offences of the
-- rule's subset: are they within its total's offences in the same file, area and month (0
-- when the file covers the total's subtype but has no row for it)? Only rules that hold on
-- every borough-month of the two real releases are here (tests/test_dashboard_subset_rules.py
-- proves them on the shipped sample). Racist and religious crime can exceed hate crime (25 of
-- 1,624 area-months in the 2025-08 release), and positive outcomes can exceed a month's
-- offences (they close earlier offences): neither is a rule.
with

subtypes as (

    select distinct
        lower(trim(source_subtype)) as subtype_key,
        measure
    from dashboard_subtype_map
    where measure is not null

),

offences as (

    select
        landed.source_file,
        landed.area_name,
        landed.month,
        subtypes.measure,
        min(landed.source_row) as source_row,
        sum(landed.measure_count) as offences
    from landed
    inner join subtypes
        on subtypes.subtype_key = lower(trim(landed.crime_subtype))
    where trim(landed.area_type) = 'Borough' and lower(trim(landed.measure)) = 'offences'
    group by landed.source_file, landed.area_name, landed.month, subtypes.measure

),

rules (rule, subset_measure, total_measure) as (

    values
    ('antisemitic <= racist and religious', 'antisemitic_hate', 'racist_religious_hate'),
    ('islamophobic <= racist and religious', 'islamophobic_hate', 'racist_religious_hate'),
    ('racist <= racist and religious', 'racist_hate', 'racist_religious_hate'),
    ('faith <= racist and religious', 'faith_hate', 'racist_religious_hate'),
    ('homophobic <= hate crime', 'homophobic_hate', 'hate_crime'),
    ('DA violence with injury <= domestic abuse', 'domestic_abuse_vwi', 'domestic_abuse'),
    ('lethal barrel discharge <= gun crime', 'lethal_barrel_discharge', 'gun_crime'),
    (
        'knife injury victims (non-DA 1-24) <= knife crime', 'knife_injury_victims_non_da_1_24',
        'knife_crime'
    )

),

covered as (

    select distinct
        source_file,
        measure
    from offences

)

select
    subset.source_file,
    subset.source_row,
    rules.rule,
    coalesce(subset.area_name, '') as area_name,
    strftime(subset.month, '%Y-%m') as month,
    subset.offences as subset_offences,
    coalesce(total.offences, 0) as total_offences,
    subset.offences <= coalesce(total.offences, 0) as is_within_total
from rules
inner join offences as subset
    on subset.measure = rules.subset_measure
inner join covered
    on covered.source_file = subset.source_file
    and covered.measure = rules.total_measure
left join offences as total
    on total.source_file = subset.source_file
    and total.measure = rules.total_measure
    and total.area_name is not distinct from subset.area_name
    and total.month = subset.month
order by subset.source_file, subset.source_row, rules.rule
