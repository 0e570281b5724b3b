-- The ledger of every file version a landing folder has held, and what became of it.
-- Statements for orchestration/landing/load.py (orchestration.lib.sql).

-- name: create
create schema if not exists audit;
create table if not exists audit.landing_files (
    source varchar not null,
    source_file varchar not null,
    source_sha256 varchar not null,
    release varchar,
    released_on date,
    first_period date,
    last_period date,
    row_count bigint,
    status varchar not null,
    check_name varchar,
    location varchar,
    rule varchar,
    first_seen_at timestamp not null,
    checked_at timestamp not null
);

-- name: withdraw_refusals
-- A refusal stands while that version of its file is in the folder ($3: each file in the
-- folder now, as `name:sha256`): taken away, or replaced by another version, it is withdrawn.
update audit.landing_files
set status = 'withdrawn', checked_at = $1
where
    source = $2 and status = 'refused'
    and not list_contains($3, source_file || ':' || source_sha256);

-- name: mark_removed
update audit.landing_files
set status = 'removed', checked_at = $1
where source = $2 and source_file = $3 and status = 'accepted';

-- name: supersede
-- Older versions of a file that a new version replaces.
update audit.landing_files
set status = 'superseded', checked_at = $1
where
    source = $2 and source_file = $3 and status in ('accepted', 'refused')
    and source_sha256 <> $4;

-- name: has_history
-- Whether any version of any file of the source has ever landed.
select count(*) > 0 from audit.landing_files
where source = ?;

-- name: first_seen
select min(first_seen_at) from audit.landing_files
where source = ? and source_file = ? and source_sha256 = ?;

-- name: forget_version
delete from audit.landing_files
where source = ? and source_file = ? and source_sha256 = ?;

-- name: record
insert into audit.landing_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: accepted_files
-- The files whose rows are in {table}, with their release and the periods the ledger holds.
with

files as (
    select distinct
        source_file,
        source_sha256,
        release,
        released_on
    from {table}
)

select
    files.source_file,
    files.source_sha256,
    any_value(files.release) as release,
    any_value(files.released_on) as released_on,
    min(ledger.first_period) as first_period,
    max(ledger.last_period) as last_period,
    max(ledger.row_count) as row_count
from files
left join audit.landing_files as ledger
    on
    ledger.source = ?
    and ledger.source_file = files.source_file
    and ledger.source_sha256 = files.source_sha256
group by files.source_file, files.source_sha256
order by released_on, files.source_file;

-- name: create_raw_table
-- A source's raw table: the lineage columns, then the columns its declaration names.
create schema if not exists raw;
create table if not exists {table} ({column_types});

-- name: insert_rows
-- A parsed file's rows (the registered frame `incoming`) with their lineage columns.
insert into {table} by name
select
    cast($source_file as varchar) as source_file,
    cast($source_sha256 as varchar) as source_sha256,
    cast(source_row as integer) as source_row,
    cast($release as varchar) as release,
    cast($released_on as date) as released_on,
    cast($loaded_at as timestamp) as loaded_at,
    {columns}
from incoming;

-- name: raw_columns
-- A table's columns as declared: name, type and whether it may be NULL (the temp table of the
-- declaration is in catalog `temp`, the raw tables in the warehouse's).
select
    column_name,
    data_type,
    is_nullable
from information_schema.columns
where table_schema = ? and table_name = ? and (table_catalog = 'temp') = ?
order by ordinal_position;
