-- What the publish step reads from the working warehouse (attached as {catalog}) and the
-- previous published copy. Statements for orchestration/publish/marts.py
-- (orchestration.lib.sql).

-- name: has_build_results
select count(*) from information_schema.tables
where
    table_catalog = ?
    and table_schema = 'audit'
    and table_name = 'dbt_results';

-- name: build_failures
-- What failed in the latest dbt build, by the unit it holds back ($1: the statuses that mean a
-- node did not do its job).
select
    unit,
    resource_type,
    name,
    status,
    message
from {catalog}.audit.dbt_results
where list_contains($1, status)
order by unit, name;

-- name: has_ledger
select count(*) from information_schema.tables
where
    table_catalog = ?
    and table_schema = 'audit'
    and table_name = 'landing_files';

-- name: source_states
-- Per source the ledger knows: how many file versions it has seen, and how many of the files
-- in its folder now are accepted. A source it does not know has never landed a file.
select
    source,
    count(*) as versions_seen,
    count(*) filter (where status = 'accepted') as files_accepted
from {catalog}.audit.landing_files
group by source;

-- name: source_files
-- The accepted files a source's figures come from: those in its raw table released by the
-- as-of date ($2, or every file when it is null), with what the ledger knows of them.
with

files as (
    select distinct
        source_file,
        source_sha256
    from {catalog}.{table}
    where $2 is null or released_on <= $2
)

select
    ledger.source_file,
    ledger.source_sha256,
    ledger.release,
    ledger.released_on,
    ledger.first_period,
    ledger.last_period,
    ledger.row_count,
    ledger.checked_at
from files
inner join {catalog}.audit.landing_files as ledger
    on
    ledger.source = $1
    and ledger.source_file = files.source_file
    and ledger.source_sha256 = files.source_sha256
order by ledger.released_on, ledger.source_file;

-- name: superseded_files
-- The files none of whose periods they supply any more: each period comes from the latest
-- release that holds it (then the file landed last, then the last by name), and a file
-- replaced in every one of its periods is superseded by the files that now supply them.
with

versions as (
    select distinct
        source_file,
        released_on,
        loaded_at,
        cast({period} as date) as period
    from {catalog}.{table}
    where $1 is null or released_on <= $1
),

owners as (
    select
        period,
        source_file as owner
    from versions
    qualify row_number() over (
            partition by period
            order by released_on desc, loaded_at desc, source_file desc
        ) = 1
)

select
    versions.source_file,
    string_agg(distinct owners.owner, ', ' order by owners.owner) as superseded_by
from versions
inner join owners on versions.period = owners.period
group by versions.source_file
having bool_and(owners.owner != versions.source_file);

-- name: refused_files
select
    source_file,
    source_sha256,
    release,
    released_on,
    check_name,
    location,
    rule
from {catalog}.audit.landing_files
where source = ? and status = 'refused'
order by source_file;

-- name: old_tables
select table_name from information_schema.tables
where table_catalog = 'old' and table_type = 'BASE TABLE';

-- name: table_columns
-- A table's columns in their order ($1 the catalog, $2 the schema, $3 the table).
select column_name from information_schema.columns
where table_catalog = ? and table_schema = ? and table_name = ?
order by ordinal_position;
