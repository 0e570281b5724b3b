{#- The KPI rules of docs/kpi_definitions.md §1, written once and used by every KPI mart.
    Each has a dbt unit test with a hand-worked answer (models/marts/*.yml). -#}

{#- change % = (current - previous) / previous x 100, NULL when previous is 0. Full precision:
    reports round. -#}
{% macro change_pct(current, previous) -%}
    case
        when {{ previous }} is null or {{ previous }} = 0 then null
        else ({{ current }} - {{ previous }}) * 100.0 / {{ previous }}
    end
{%- endmacro %}

{#- One indicator: 'positive', 'negative' or 'neutral' (no change, or no previous figure).
    direction is 'decrease_is_positive' (crime volumes) or 'increase_is_positive' (rates of
    detection, satisfaction). -#}
{% macro indicator(change, direction) -%}
    case
        when {{ change }} is null or {{ change }} = 0 then 'neutral'
        when ({{ change }} < 0) = ({{ direction }} = 'decrease_is_positive') then 'positive'
        else 'negative'
    end
{%- endmacro %}

{#- RAG from a list of indicator expressions. Green: no negative and at least one positive.
    Red: negatives are at least rag_red_negative_share of the non-neutral indicators. Amber:
    anything else (mixed, or nothing moved). -#}
{% macro rag(indicators) -%}
    {%- set positives -%}
        ({% for i in indicators %}case when {{ i }} = 'positive' then 1 else 0 end{% if not loop.last %} + {% endif %}{% endfor %})
    {%- endset -%}
    {%- set negatives -%}
        ({% for i in indicators %}case when {{ i }} = 'negative' then 1 else 0 end{% if not loop.last %} + {% endif %}{% endfor %})
    {%- endset -%}
    case
        when {{ negatives }} = 0 and {{ positives }} > 0 then 'green'
        when {{ negatives }} > 0
            and {{ negatives }} >= {{ var('rag_red_negative_share') }} * ({{ positives }} + {{ negatives }})
            then 'red'
        else 'amber'
    end
{%- endmacro %}

{#- Months counted from year 0, so calendar windows are numeric ranges that survive gaps. -#}
{% macro month_index(month) -%}
    (cast(extract(year from {{ month }}) as integer) * 12 + cast(extract(month from {{ month }}) as integer))
{%- endmacro %}

{#- A month's exception flag against the mean and sample SD of the months before it. -#}
{% macro exception_flag(volume, mean, sd, prior_months) -%}
    case
        when {{ prior_months }} < {{ var('exception_min_prior_months') }} then 'insufficient'
        when {{ volume }} > {{ mean }} + {{ var('exception_sd_multiplier') }} * {{ sd }} then 'high'
        when {{ volume }} < {{ mean }} - {{ var('exception_sd_multiplier') }} * {{ sd }} then 'low'
        else 'normal'
    end
{%- endmacro %}
