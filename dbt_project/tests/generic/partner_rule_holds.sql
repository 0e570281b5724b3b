{#- A catalogue rule `a + b <= c` on a provider's figures: returns one row per financial year and
    quarter where every part and the total have a figure in `column_name` and the parts add up
    to more than the total (a subset larger than its total). -#}
{% test partner_rule_holds(model, parts, total, column_name='value') %}

with

figures as (

    select * from {{ model }}

),

per_quarter as (

    select
        financial_year,
        quarter,
        sum(
            case when measure in ('{{ parts | join("', '") }}') then {{ column_name }} end
        ) as parts_sum,
        count(
            case when measure in ('{{ parts | join("', '") }}') then {{ column_name }} end
        ) as parts_with_figure,
        max(case when measure = '{{ total }}' then {{ column_name }} end) as total
    from figures
    group by financial_year, quarter

)

select * from per_quarter
where
    parts_with_figure = {{ parts | length }}
    and total is not null
    and parts_sum > total

{% endtest %}
