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

{#- The window rules of §1, as window expressions over one row per partition and month (a
    `month` column, first of month). They use RANGE over month_index, so a missing month is
    missing from the window rather than shifting it. -#}

{#- The window of `months` months ending `months_back` months before the row's month, over one
    row per partition and month: the rolling 12 months (R12) by default, the previous R12 with
    months_back=12, the months before the row with months_back=1. Every window of the KPI SQL is
    this one, named or inline. -#}
{% macro month_window(partition_by, months=12, months_back=0, month='month') -%}
    (
        partition by {{ partition_by }} order by {{ month_index(month) }}
        range between {{ (months | int) + (months_back | int) - 1 }} preceding and
        {% if (months_back | int) == 0 %}current row{% else %}{{ months_back }} preceding{% endif %}
    )
{%- endmacro %}

{#- The first month of that window ending with `month` (R12: 11 months before it). -#}
{% macro rolling_window_start(month, months=12) -%}
    cast({{ month }} - interval {{ months - 1 }} month as date)
{%- endmacro %}

{#- The sum over that window: R12 by default, the previous R12 with months_back=12. -#}
{% macro rolling_sum(column, partition_by, months=12, months_back=0, month='month') -%}
    sum({{ column }}) over {{ month_window(partition_by, months, months_back, month) }}
{%- endmacro %}

{#- How many of the `months` months ending with the row's month have a row: a KPI row needs
    all 24 (R12 and the previous R12). -#}
{% macro months_with_data(partition_by, months=24, month='month') -%}
    count(*) over {{ month_window(partition_by, months, 0, month) }}
{%- endmacro %}

{#- Year to date: January of the row's year through its month. -#}
{% macro year_to_date_sum(column, partition_by, month='month') -%}
    sum({{ column }}) over (
        partition by {{ partition_by }}, extract(year from {{ month }})
        order by {{ month_index(month) }}
        range between unbounded preceding and current row
    )
{%- endmacro %}

{#- A column's value `months` months before the row's month (NULL when that month has no row):
    the previous YTD is the YTD of M - 12. -#}
{% macro months_before(column, partition_by, months=12, month='month') -%}
    max({{ column }}) over (
        partition by {{ partition_by }} order by {{ month_index(month) }}
        range between {{ months }} preceding and {{ months }} preceding
    )
{%- endmacro %}

{#- A volume per 1,000 of its denominator (residents or households). -#}
{% macro rate_per_1000(volume, denominator) -%}
    {{ volume }} * 1000.0 / {{ denominator }}
{%- endmacro %}

{#- A percentage of a whole, NULL over a zero (or missing) whole, like a change %: positive
    outcomes as a % of offences over the same months. -#}
{% macro rate_pct(part, whole) -%}
    case
        when {{ whole }} is null or {{ whole }} = 0 or {{ part }} is null then null
        else {{ part }} * 100.0 / {{ whole }}
    end
{%- endmacro %}

{#- London rank: 1 = best, ties share the lowest rank number (SQL rank()). lowest_is_best is a
    SQL boolean (a rate of crime: true; a rate of outcomes: false). A NULL value has no rank
    and does not push the others down. -#}
{% macro london_rank(value, partition_by, lowest_is_best) -%}
    case
        when {{ value }} is not null then rank() over (
            partition by {{ partition_by }}, {{ value }} is null
            order by case when {{ lowest_is_best }} then {{ value }} else -{{ value }} end
        )
    end
{%- endmacro %}
