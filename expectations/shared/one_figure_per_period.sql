-- One row per release, period, area and measure of the landed rows: do the files of that
-- release give it one figure? Two files of one release that disagree cannot both be right, so
-- both are refused. `period`, `area` and `values` (comma-separated) are the source's columns.
{%- set period = period | default('month') %}
{%- set area = area | default('borough_name') %}
{%- set values = values | default('value') %}
with

figures as (
    {% for value in values.split(",") %}
    select
        source_file,
        release,
        {{ period }},
        lower(trim({{ area }})) as area_key,
        '{{ value }}' as measure,
        cast({{ value }} as varchar) as figure
    from landed
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    string_agg(distinct source_file, ', ' order by source_file) as source_files,
    release,
    {{ period }},
    area_key as {{ area }},
    measure,
    count(distinct figure) <= 1 as is_one_figure
from figures
group by release, {{ period }}, area_key, measure
order by release, {{ period }}, area_key, measure
