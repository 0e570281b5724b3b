-- Whether a crime row counts towards a measure of the seed kpi_measures: the measure names a
-- category of the row's scheme, at the major or the minor level. One rule for every model
-- that sums crime into the board's measures.
{% macro crime_in_measure(measures='measures', crime='crime') -%}
    {{ measures }}.category_scheme = {{ crime }}.category_scheme
    and (
        (
            {{ measures }}.category_level = 'major'
            and {{ crime }}.major_category_key = {{ measures }}.category_key
        )
        or (
            {{ measures }}.category_level = 'minor'
            and {{ crime }}.minor_category_key = {{ measures }}.category_key
        )
    )
{%- endmacro %}
