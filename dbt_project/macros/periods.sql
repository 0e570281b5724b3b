{#- The board's label for a quarter or a financial year: '2022/23 Q4' for January to March
    2023, '2020/21' for April 2020 to March 2021 (orchestration/lib/periods.py prints the
    same for a release). -#}
{% macro financial_period_label(start_column, end_column) -%}
    (
        cast(year({{ start_column }}) - (month({{ start_column }}) < 4)::integer as varchar)
        || '/'
        || lpad(cast((year({{ start_column }}) - (month({{ start_column }}) < 4)::integer + 1) % 100 as varchar), 2, '0')
        || case
            when date_diff('month', {{ start_column }}, {{ end_column }}) = 2
                then ' Q' || cast((month({{ start_column }}) + 8) % 12 // 3 + 1 as varchar)
            else ''
        end
    )
{%- endmacro %}

{#- MOPAC's label for a survey quarter, by its last day: 'Jun-22'. -#}
{% macro survey_quarter_label(end_column) -%}
    strftime({{ end_column }}, '%b-%y')
{%- endmacro %}
