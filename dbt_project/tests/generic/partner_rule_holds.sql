{#- The catalogue's rules `a + b <= c` (the seed partner_rules: a row per part) on every
    provider's figures in `column_name`: returns one row per provider, rule, financial year and
    quarter (quarters' figures) where every part and the total have a figure and the parts add up to more than the
    total (a subset larger than its total). -#}
{% test partner_rule_holds(model, rules, column_name='value') %}

with

figures as (

    select * from {{ model }}
    where period_kind = 'quarter'

),

rules as (

    select * from {{ rules }}

),

parts as (

    select
        rules.provider,
        rules.rule,
        figures.financial_year,
        figures.quarter,
        sum(figures.{{ column_name }}) as parts_sum,
        count(figures.{{ column_name }}) as parts_with_figure,
        max(rules.total) as total_measure
    from rules
    inner join figures
        on
            figures.provider = rules.provider
            and figures.measure = rules.part
    group by rules.provider, rules.rule, figures.financial_year, figures.quarter

),

per_quarter as (

    select
        parts.*,
        totals.{{ column_name }} as total
    from parts
    inner join figures as totals
        on
            totals.provider = parts.provider
            and totals.measure = parts.total_measure
            and totals.financial_year = parts.financial_year
            and totals.quarter = parts.quarter

)

select * from per_quarter
where
    parts_with_figure = (
        select count(*) from rules as all_parts
        where all_parts.provider = per_quarter.provider and all_parts.rule = per_quarter.rule
    )
    and total is not null
    and parts_sum > total

{% endtest %}
