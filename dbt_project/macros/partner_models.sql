{#- Every provider's raw table of landed returns (raw.partner_<provider>), one relation: the
    providers are the catalogue's (the seed partner_providers), so no dbt file names one. A
    provider whose raw table is not there yet (never landed, not set up) adds nothing; the typed
    empty row first gives every column of the landed rows (docs/decisions.md, "One chain of
    partner models"), so a raw table written before a column existed still reads. -#}
{% macro partner_raw_returns(providers_relation) -%}
    {%- set tables = [] -%}
    {%- if execute -%}
        {%- set seed = adapter.get_relation(
            database=providers_relation.database,
            schema=providers_relation.schema,
            identifier=providers_relation.identifier) -%}
        {%- if seed is not none -%}
            {%- set providers = run_query(
                "select distinct provider from " ~ seed ~ " order by provider") -%}
            {%- for provider in providers.columns[0].values() -%}
                {%- set relation = adapter.get_relation(
                    database=target.database, schema='raw',
                    identifier='partner_' ~ provider) -%}
                {%- if relation is not none -%}
                    {%- do tables.append(relation) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    select
        null::varchar as source_file,
        null::varchar as source_sha256,
        null::integer as source_row,
        null::varchar as release,
        null::date as released_on,
        null::timestamp as loaded_at,
        null::varchar as provider,
        null::varchar as financial_year,
        null::integer as fiscal_quarter,
        null::date as period_start,
        null::date as period_end,
        null::varchar as period_kind,
        null::date as submitted_on,
        null::varchar as measure,
        null::varchar as basis,
        null::varchar as cell,
        null::double as value,
        null::double as typed_value,
        null::double as numerator,
        null::double as denominator,
        null::boolean as is_not_available,
        null::varchar as note,
        null::varchar as breakdown,
        null::varchar as category,
        null::varchar as category_label,
        null::boolean as is_not_known,
        null::varchar as area,
        null::varchar as area_label,
        null::varchar as comparator_source,
        null::varchar as plan,
        null::varchar as plan_item,
        null::varchar as item_theme,
        null::varchar as item_owner,
        null::varchar as status
    where false
    {%- for relation in tables %}

    union all by name

    select * from {{ relation }}
    {%- endfor %}
{%- endmacro %}


{#- A date's financial year, as 2022/23, and its quarter of that year, 1 (April-June) to 4. -#}
{% macro financial_year_of(date_column) -%}
    (
        cast(year({{ date_column }}) - case when month({{ date_column }}) < 4 then 1 else 0 end
            as varchar)
        || '/'
        || lpad(cast((year({{ date_column }}) + case when month({{ date_column }}) < 4 then 0
            else 1 end) % 100 as varchar), 2, '0')
    )
{%- endmacro %}

{% macro fiscal_quarter_of(date_column) -%}
    cast(((month({{ date_column }}) + 8) % 12) // 3 + 1 as integer)
{%- endmacro %}
