{#- The releases a build may use: every one by default, or those published on or before the
    `as_of` date (Dagster passes it from the run's vintage; `make run AS_OF=YYYY-MM-DD`).
    Every staging model over a raw table filters with it, so every mart is built from one
    vintage. -#}
{% macro released_by_as_of(column='released_on') -%}
    {%- if var('as_of') -%}
    {{ column }} <= cast('{{ var("as_of") }}' as date)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
