{#- The incremental ward models (docs/decisions.md, "A new ward release costs what is new").

    Each keeps a one-row record of what it was last built from in a table beside it,
    `<model>__state`, written by its post-hook in the same transaction as its rows:
    - `fingerprint`: the checksums of the model's SQL and of every model and seed upstream of
      it, so a changed rule, seed or model rebuilds it whole;
    - int_ward_crime__latest_release: `files`, each raw file it read (`name@loaded_at`, after
      the as_of filter);
    - int_ward_measures__on_2022_wards, built on it: `consumed`, the latest `built_at` of
      int_ward_crime__latest_release it was built from, and each borough's first 2022-ward
      month and crosswalk fingerprint, `boroughs`.
    A plan (the dict the macros below return) says whether the model is rebuilt whole
    (`full`) and why, and otherwise what it recomputes. The plan is made twice, when the
    model's SQL is compiled and when its strategy (`ward_keys`, at the end) deletes what it
    recomputes; nothing the plan reads changes in between. -#}

{% macro ward_state_relation() -%}
    "{{ this.schema }}"."{{ this.identifier }}__state"
{%- endmacro %}

{% macro ward_fingerprint() -%}
    {#- The model's checksum and its upstream models' and seeds', sorted: five levels up reach
        the raw table from every ward model. -#}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set found = [] -%}
    {%- set level = [model.unique_id] -%}
    {%- for _ in range(6) -%}
        {%- set following = [] -%}
        {%- for unique_id in level -%}
            {%- set node = graph.nodes.get(unique_id) -%}
            {%- if node is not none and unique_id not in found -%}
                {%- do found.append(unique_id) -%}
                {%- for parent in node.depends_on.nodes -%}
                    {%- do following.append(parent) -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set level = following -%}
    {%- endfor -%}
    {%- set sums = [] -%}
    {%- for unique_id in found | sort -%}
        {%- do sums.append(unique_id ~ '=' ~ graph.nodes[unique_id].checksum.checksum) -%}
    {%- endfor -%}
    {{ return(local_md5(sums | join(','))) }}
{%- endmacro %}

{% macro ward_state() -%}
    {#- The model's record as a dict of its columns, or none. -#}
    {%- set relation = adapter.get_relation(
        database=this.database, schema=this.schema, identifier=this.identifier ~ '__state'
    ) -%}
    {%- if relation is none -%}{{ return(none) }}{%- endif -%}
    {%- set table = run_query('select * from ' ~ ward_state_relation()) -%}
    {%- if table.rows | length != 1 -%}{{ return(none) }}{%- endif -%}
    {%- set row = {} -%}
    {%- for name in table.column_names -%}
        {%- do row.update({name: table.rows[0][name]}) -%}
    {%- endfor -%}
    {{ return(row) }}
{%- endmacro %}

{% macro ward_files_sql() -%}
    {#- Each raw ward file the build reads (the as_of filter applied), as `name@loaded_at`. -#}
    select distinct source_file || '@' || cast(loaded_at as varchar) as file, source_file
    from {{ source('met_ward_crime', 'ward_crime') }}
    where {{ released_by_as_of('released_on') }}
{%- endmacro %}

{% macro ward_built_at() -%}
    {#- When the row was computed: the start of the build's transaction, later than any row
        an earlier build wrote. -#}
    cast(current_timestamp as timestamp)
{%- endmacro %}

{% macro ward_plan_common() -%}
    {#- Full when the table is built from nothing or its record is missing or from other code;
        otherwise none (the model decides). -#}
    {%- if not execute -%}{{ return({'full': true, 'why': 'parsing'}) }}{%- endif -%}
    {%- if not is_incremental() -%}
        {{ return({'full': true, 'why': 'built from nothing (no table yet, or --full-refresh)'}) }}
    {%- endif -%}
    {%- set state = ward_state() -%}
    {%- if state is none -%}
        {{ return({'full': true, 'why': 'no record of what the table was built from'}) }}
    {%- endif -%}
    {%- if state['fingerprint'] != ward_fingerprint() -%}
        {{ return({'full': true, 'why': 'its SQL, or a model or seed upstream, changed'}) }}
    {%- endif -%}
    {{ return({'full': false, 'state': state}) }}
{%- endmacro %}

{% macro ward_grid_plan() -%}
    {#- int_ward_crime__latest_release: full unless the raw files read now are the ones read
        last time plus new ones; then the new files' names. -#}
    {%- set plan = ward_plan_common() -%}
    {%- if plan['full'] -%}{{ return(plan) }}{%- endif -%}
    {%- set listed = run_query(
        'with current_files as (' ~ ward_files_sql() ~ '), '
        ~ 'recorded as (select unnest(files) as file from ' ~ ward_state_relation() ~ ') '
        ~ 'select null as source_file, count(*) as gone from recorded '
        ~ 'where file not in (select file from current_files) '
        ~ 'union all select source_file, null from current_files '
        ~ 'where file not in (select file from recorded) order by source_file nulls first'
    ) -%}
    {%- set gone = listed.rows[0]['gone'] -%}
    {%- set new_files = [] -%}
    {%- for row in listed.rows[1:] -%}{%- do new_files.append(row['source_file']) -%}{%- endfor -%}
    {%- if gone > 0 -%}
        {{ return({'full': true, 'why': gone ~ ' file(s) it was built from are no longer read '
            ~ '(removed, replaced, or after the as_of date)'}) }}
    {%- endif -%}
    {%- set months = {'first_month': 'null', 'last_month': 'null', 'keys': 0} -%}
    {%- if new_files -%}
        {%- set row = run_query(
            'select min(month) as first_month, max(month) as last_month, count(*) as keys from ('
            ~ ward_grid_keys(new_files) ~ ')'
        ).rows[0] -%}
        {%- do months.update({
            'first_month': "date '" ~ row['first_month'] ~ "'",
            'last_month': "date '" ~ row['last_month'] ~ "'",
            'keys': row['keys'],
        }) -%}
    {%- endif -%}
    {%- do months.update({'full': false, 'new_files': new_files}) -%}
    {{ return(months) }}
{%- endmacro %}

{% macro ward_quoted(names) -%}
    {%- set quoted = [] -%}
    {%- for name in names -%}
        {%- do quoted.append("'" ~ (name | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {{ quoted | join(', ') if quoted else "null" }}
{%- endmacro %}

{% macro ward_follow_plan(latest) -%}
    {#- A model built on int_ward_crime__latest_release (`latest`): full when that table was
        rebuilt whole since this one last read it; otherwise its rows built since. -#}
    {%- set plan = ward_plan_common() -%}
    {%- if plan['full'] -%}{{ return(plan) }}{%- endif -%}
    {%- set consumed = plan['state']['consumed'] -%}
    {%- if consumed is none -%}
        {{ return({'full': true, 'why': 'no record of what it read'}) }}
    {%- endif -%}
    {%- set since = "cast('" ~ consumed ~ "' as timestamp)" -%}
    {%- set upstream = run_query(
        'select min(built_at) > ' ~ since ~ ' as rebuilt, count(*) filter (where built_at > '
        ~ since ~ ') as changed, min(month) filter (where built_at > ' ~ since ~ ') as first_month, '
        ~ 'max(month) filter (where built_at > ' ~ since ~ ') as last_month from ' ~ latest
    ).rows[0] -%}
    {%- if upstream['rebuilt'] -%}
        {{ return({'full': true, 'why': 'int_ward_crime__latest_release was rebuilt whole'}) }}
    {%- endif -%}
    {{ return({
        'full': false, 'since': since, 'changed': upstream['changed'],
        'first_month': ("date '" ~ upstream['first_month'] ~ "'")
            if upstream['first_month'] is not none else 'null',
        'last_month': ("date '" ~ upstream['last_month'] ~ "'")
            if upstream['last_month'] is not none else 'null',
        'state': plan['state'],
    }) }}
{%- endmacro %}

{% macro ward_log_plan(plan, work) -%}
    {%- if execute -%}
        {%- if plan['full'] -%}
            {{ log(this.identifier ~ ': full rebuild: ' ~ plan['why'], info=True) }}
        {%- else -%}
            {{ log(this.identifier ~ ': incremental: ' ~ work, info=True) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro ward_grid_keys(new_files) -%}
    {#- The borough, ward generation and month keys the new files carry. -#}
    select distinct borough_code, is_ward_2022, month
    from {{ ref('stg_met__ward_crime') }}
    where source_file in ({{ ward_quoted(new_files) }})
{%- endmacro %}

{% macro ward_grid_log(plan) -%}
    {#- int_ward_crime__latest_release: says in dbt's log what it recomputes, and why. -#}
    {{ ward_log_plan(plan, ((plan.get('new_files') or []) | length) ~ ' new file(s) ('
        ~ ((plan.get('new_files') or []) | join(', ') or 'none') ~ '), ' ~ plan.get('keys')
        ~ ' borough x ward generation x month key(s) recomputed'
        ~ (', ' ~ plan.get('first_month') ~ ' to ' ~ plan.get('last_month')
           if plan.get('keys') else '')) }}
{%- endmacro %}

{% macro ward_grid_delete() -%}
    {#- int_ward_crime__latest_release: deletes what it recomputes. -#}
    {%- set plan = ward_grid_plan() -%}
    {{ ward_delete_keys(
        plan,
        ward_grid_keys(plan['new_files']) if plan.get('new_files') else '',
        ['borough_code', 'is_ward_2022', 'month'],
    ) }}
{%- endmacro %}

{% macro ward_delete_keys(plan, keys_sql, columns) -%}
    {#- A ward model's delete: every row when the plan rebuilds the model whole, else the rows of
        the keys `keys_sql` selects (its `columns`); nothing when there is none. -#}
    {%- if execute and is_incremental() -%}
        {%- if plan['full'] -%}
            delete from {{ this }}
        {%- elif keys_sql -%}
            delete from {{ this }} as target
            using ({{ keys_sql }}) as changed
            where
            {%- for column in columns %}
                {{ 'and ' if not loop.first }}target.{{ column }} is not distinct from changed.{{ column }}
            {%- endfor %}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro ward_grid_record() -%}
    {#- Post-hook of int_ward_crime__latest_release: the files it now holds the grid of. -#}
    create or replace table {{ ward_state_relation() }} as
    select
        '{{ ward_fingerprint() }}' as fingerprint,
        (select list(file order by file) from ({{ ward_files_sql() }})) as files,
        {{ ward_built_at() }} as built_at
{%- endmacro %}

{% macro ward_follow_record(latest, extra='') -%}
    {#- Post-hook of a model built on int_ward_crime__latest_release: what it has read. -#}
    create or replace table {{ ward_state_relation() }} as
    select
        '{{ ward_fingerprint() }}' as fingerprint,
        (select max(built_at) from {{ latest }}) as consumed,
        {{ ward_built_at() }} as built_at
    {{- (', ' ~ extra) if extra }}
{%- endmacro %}

{% macro ward_first_observed_sql() -%}
    {#- Each borough's first month on the 2022 wards (the Met's current categories). -#}
    select
        borough_code,
        min(month) as first_month
    from {{ ref('int_ward_crime__latest_release') }}
    where is_ward_2022 and category_scheme = 'mps_2019'
    group by borough_code
{%- endmacro %}

{% macro ward_on_2022_boroughs_sql() -%}
    {#- Each borough's first 2022-ward month and crosswalk fingerprint, as sorted strings. -#}
    select list(signature order by signature)
    from (
        select
            coalesce(observed.borough_code, fitted.borough_code, '') || '|'
            || coalesce(cast(observed.first_month as varchar), '') || '|'
            || coalesce(fitted.fingerprint, '') as signature
        from ({{ ward_first_observed_sql() }}) as observed
        full join (
            select borough_code, min(overlap_fingerprint) as fingerprint
            from {{ ref('int_ward_crosswalk') }}
            group by borough_code
        ) as fitted
            on observed.borough_code = fitted.borough_code
    )
{%- endmacro %}

{% macro ward_on_2022_plan() -%}
    {#- int_ward_measures__on_2022_wards: as ward_follow_plan, and the boroughs whose first
        2022-ward month or crosswalk changed (recomputed whole). -#}
    {%- set plan = ward_follow_plan(ref('int_ward_crime__latest_release')) -%}
    {%- if plan['full'] -%}{{ return(plan) }}{%- endif -%}
    {%- if plan['state'].get('boroughs') is none -%}
        {{ return({'full': true, 'why': 'no record of the boroughs it apportioned'}) }}
    {%- endif -%}
    {%- set moved = run_query(
        'with now_ as (select unnest((' ~ ward_on_2022_boroughs_sql() ~ ')) as signature), '
        ~ 'before as (select unnest(boroughs) as signature from ' ~ ward_state_relation() ~ '), '
        ~ 'moved as ((select signature from now_ except select signature from before) '
        ~ 'union (select signature from before except select signature from now_)) '
        ~ "select distinct split_part(signature, '|', 1) as borough_code from moved order by 1"
    ) -%}
    {%- set boroughs = [] -%}
    {%- for row in moved.rows -%}{%- do boroughs.append(row['borough_code']) -%}{%- endfor -%}
    {%- do plan.update({'boroughs': boroughs}) -%}
    {{ return(plan) }}
{%- endmacro %}

{% macro ward_on_2022_keys(plan) -%}
    {#- The borough and month keys to recompute. -#}
    select distinct borough_code, month
    from {{ ref('int_ward_crime__latest_release') }}
    where
        built_at > {{ plan['since'] }}
    {%- if plan['boroughs'] %}
        or borough_code in ({{ ward_quoted(plan['boroughs']) }})
    {%- endif %}
{%- endmacro %}

{% macro ward_on_2022_log(plan) -%}
    {#- int_ward_measures__on_2022_wards: says in dbt's log what it recomputes, and why. -#}
    {{ ward_log_plan(plan, (plan.get('changed') or 0) ~ ' row(s) of int_ward_crime__latest_release'
        ~ ' recomputed since ' ~ plan.get('since') ~ ', months ' ~ plan.get('first_month') ~ ' to '
        ~ plan.get('last_month') ~ '; boroughs recomputed whole: '
        ~ ((plan.get('boroughs') or []) | join(', ') or 'none')) }}
{%- endmacro %}

{% macro ward_on_2022_delete() -%}
    {#- int_ward_measures__on_2022_wards: deletes what it recomputes. -#}
    {%- set plan = ward_on_2022_plan() -%}
    {{ ward_delete_keys(
        plan,
        ward_on_2022_keys(plan) if not plan['full'] and (plan['changed'] or plan['boroughs']) else '',
        ['borough_code', 'month'],
    ) }}
{%- endmacro %}

{% macro ward_grid_changed(plan) -%}
    {#- int_ward_crime__latest_release's first step when it recomputes some keys: the keys, held
        once for the steps that read the staging rows of them. -#}
    {%- if not plan['full'] %}
changed as materialized (

    {{ ward_grid_keys(plan['new_files']) }}

),
    {%- endif -%}
{%- endmacro %}

{% macro ward_grid_where(plan) -%}
    {#- int_ward_crime__latest_release reads the staging rows of the keys it recomputes (the
        new files' months first, which DuckDB filters as it scans; the keys are the step
        `ward_grid_changed` makes). -#}
    {%- if not plan['full'] -%}
        {%- set staged = ref('stg_met__ward_crime').identifier -%}
        where
            month between {{ plan['first_month'] }} and {{ plan['last_month'] }}
            and exists (
                select 1
                from changed
                where
                    changed.borough_code is not distinct from {{ staged }}.borough_code
                    and changed.is_ward_2022 = {{ staged }}.is_ward_2022
                    and changed.month = {{ staged }}.month
            )
    {%- endif -%}
{%- endmacro %}

{% macro ward_on_2022_where(plan) -%}
    {#- int_ward_measures__on_2022_wards reads the measures of the borough and month keys it
        recomputes (their months first, when no borough is recomputed whole). -#}
    {%- if not plan['full'] -%}
        {%- set measures = ref('int_ward_measures__monthly').identifier -%}
        where
            exists (
                select 1
                from ({{ ward_on_2022_keys(plan) }}) as changed
                where
                    changed.borough_code is not distinct from {{ measures }}.borough_code
                    and changed.month = {{ measures }}.month
            )
        {%- if not plan['boroughs'] %}
            and month between {{ plan['first_month'] }} and {{ plan['last_month'] }}
        {%- endif %}
    {%- endif -%}
{%- endmacro %}

{% macro get_incremental_ward_keys_sql(arg_dict) -%}
    {#- The incremental ward models' strategy (`incremental_strategy='ward_keys'`): delete the
        rows the plan recomputes (every row when it rebuilds the model whole), then insert the
        new ones, in the model's transaction. dbt stages the new rows before this runs; a delete
        before the staging (a pre-hook) made DuckDB run out of memory staging a national ward
        release under the warehouse's 1 GB cap, and the same statements in this order do not. -#}
    {%- if model.name == 'int_ward_crime__latest_release' -%}
        {%- set delete = ward_grid_delete() -%}
    {%- elif model.name == 'int_ward_measures__on_2022_wards' -%}
        {%- set delete = ward_on_2022_delete() -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "incremental_strategy 'ward_keys' is for the incremental ward models, not " ~ model.name
        ) }}
    {%- endif -%}
    {%- if delete | trim %}{{ delete }};{% endif %}
    {{ get_incremental_append_sql(arg_dict) }}
{%- endmacro %}
