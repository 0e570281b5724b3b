{#- Schemas are the layer names (staging, intermediate, marts, reference), not
    '<target>_<layer>': analysts and the published copy refer to marts.<table>. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
