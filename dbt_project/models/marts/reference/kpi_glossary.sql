-- The pack's glossary, written from the same variables the KPI SQL uses (dbt_project.yml), so
-- the words the board reads cannot drift from the rules that made the numbers.
with

terms (sort_order, term, definition) as (

    values
    (
        1,
        'RAG',
        'A red, amber or green rating from the KPI''s indicators, each positive, negative or '
        || 'neutral (no change). Green: no negative indicator and at least one positive. '
        || 'Red: at least '
        || cast(round({{ var('rag_red_negative_share') }} * 100) as integer)
        || '% of the indicators that moved are negative. '
        || 'Amber: anything else (mixed, or nothing moved).'
    ),
    (
        2,
        'Year to date (YTD)',
        'January of the reporting month''s year to the reporting month, compared with the '
        || 'same months one year earlier.'
    ),
    (
        3,
        'Rolling 12 months (R12)',
        'The 12 calendar months ending with the reporting month, compared with the 12 months '
        || 'before them. Change % = (current - previous) / previous x 100, not shown when the '
        || 'previous figure is 0.'
    ),
    (
        4,
        'Rate per 1,000',
        'Rolling 12 months volume per 1,000 residents (per 1,000 households for residential '
        || 'burglary), using the population estimate in force at the end of the reporting '
        || 'month: ONS mid-2019 estimates, then Census 2021.'
    ),
    (
        5,
        'London rank',
        'The borough''s rate per 1,000 ranked among the 32 London boroughs the Metropolitan '
        || 'Police polices (City of London, policed by its own force, and the Heathrow and '
        || 'London City airports are excluded). 1 is best: the lowest rate. Ties share a rank.'
    ),
    (
        6,
        'Monthly exceptions',
        'Each of the three most recent months against the mean and sample standard deviation '
        || 'of the {{ var("exception_lookback_months") }} months before it: high (▲) above '
        || 'the mean plus {{ var("exception_sd_multiplier") }} standard deviations, low (▼) '
        || 'below the mean minus {{ var("exception_sd_multiplier") }}, otherwise normal (●). '
        || 'Fewer than {{ var("exception_min_prior_months") }} earlier months: insufficient data.'
    ),
    (
        7,
        'Public confidence (PAS)',
        'MOPAC''s Public Attitude Survey: the percentage of residents agreeing with each '
        || 'statement in the survey quarter (Jun-22 is April to June 2022). The London rank '
        || 'orders the 32 boroughs from the highest percentage (1); ties share a rank. Changes '
        || 'are in percentage points.'
    ),
    (
        8,
        'Victim satisfaction (USS)',
        'MOPAC''s User Satisfaction Survey: the percentage of victims satisfied with the '
        || 'overall service, by Basic Command Unit (Barnet is in North West BCU with Brent and '
        || 'Harrow) and for London, against the board''s baseline: London''s figure for the '
        || 'latest financial year before the quarter (64% in 2020/21).'
    ),
    (
        9,
        'Share of the IOM cohort charged',
        'Offenders in the Integrated Offender Management cohort charged during the cohort, as '
        || 'a percentage of the cohort, recomputed from the counts. The board''s papers call it '
        || 'a reoffending rate; it is not the Ministry of Justice''s proven reoffending rate. '
        || 'The risk matrix rates each offender Red, Amber or Green; Blue is in custody or on '
        || 'remand.'
    )

),

final as (

    select
        cast(term as varchar) as term,
        cast(definition as varchar) as definition,
        cast(sort_order as integer) as sort_order
    from terms

)

select * from final
