-- The Met dashboard file's contract in SQL: every field as text in, typed and checked here.
-- Statements for orchestration/sources/met_crime_dashboard/parser.py (orchestration.lib.sql).
-- {source} is the file's rows as text, one column per field of the Datastore's header (named
-- as in the raw table) and `source_row` (the data record's number, the header being row 1).

-- name: csv_source
-- The CSV read by DuckDB itself: every field text, strict about widths and quotes.
select
    cast(ordinality + 1 as integer) as source_row,
    *
from read_csv(
        {file},
        header = true,
        columns = {columns},
        delim = ',',
        quote = '"',
        escape = '"',
        strict_mode = true,
        auto_detect = false
    ) with ordinality;

-- name: typed
-- One pass: the fields typed, NULL where a value breaks its rule (the checks below name it),
-- and a hash of the row's key for the duplicate check.
select
    source_row,
    cast($layout as varchar) as source_layout,
    {month} as month,
    area_type,
    borough_snt,
    area_name,
    area_code,
    crime_type,
    crime_subtype,
    measure,
    financial_year,
    fy_fyindex,
    -- Whole numbers of at most 18 digits fit a BIGINT; a regular expression is the cheap test.
    case
        when regexp_full_match(count, ' *[0-9]{{1,18}} *') then cast(count as bigint)
    end as measure_count,
    {refresh_date} as refresh_date,
    hash(
        month_year, area_type, borough_snt, area_name, area_code,
        lower(trim(crime_subtype)), lower(trim(measure))
    ) as row_key
from {source};

-- name: summary
-- The file's periods and refresh date, and the first row whose dates or count break a rule.
select
    count(*) as data_rows,
    min(source_row) filter (
        where
        month is null
        or measure_count is null
        or refresh_date is null
        or day(month) <> 1
        or refresh_date <= last_day(month)
    ) as first_bad_row,
    min(month) as first_month,
    max(month) as last_month,
    max(refresh_date) as refresh_date
from parsed;

-- name: labels
-- The few distinct area types, measures and subtypes, judged in Python, with the first row of
-- each: far cheaper than judging every row's text.
select
    area_type,
    measure,
    crime_subtype,
    min(source_row) as first_row
from parsed
group by area_type, measure, crime_subtype;

-- name: row_checks
-- Which rule each field of one row breaks (true = broken), in the header's order.
select
    month is null as month_unreadable,
    day(month) <> 1 as month_not_first_day,
    area_type is null or trim(area_type) not in ('Borough', 'Safer Neighbourhood Teams')
        as area_type_unknown,
    coalesce(trim(crime_subtype), '') = '' as subtype_empty,
    measure is null
    or lower(trim(measure)) not in ('offences', 'positive outcomes', 'sanction detections')
        as measure_unknown,
    measure_count is null as count_not_whole,
    refresh_date is null as refresh_unreadable,
    refresh_date <= last_day(month) as refresh_before_month_end
from parsed
where source_row = $row;

-- name: raw_row
select * from {source}
where source_row = $row;

-- name: last_period_row
select min(source_row) from parsed
where month = $month;

-- name: duplicate
-- The first row whose key (month, area, subtype and measure, case aside) an earlier row has.
with

suspects as (

    select row_key from parsed
    group by row_key
    having count(*) > 1

),

keyed as (

    select
        parsed.source_row,
        parsed.month,
        parsed.area_type,
        parsed.borough_snt,
        parsed.area_name,
        parsed.area_code,
        lower(trim(parsed.crime_subtype)) as subtype_key,
        lower(trim(parsed.measure)) as measure_key,
        parsed.crime_subtype,
        parsed.measure
    from parsed
    inner join suspects on suspects.row_key = parsed.row_key

),

ordered as (

    select
        *,
        min(source_row) over (
            partition by
                month, area_type, borough_snt, area_name, area_code, subtype_key,
                measure_key
        ) as first_row
    from keyed

)

select
    source_row,
    first_row,
    strftime(month, '%Y-%m') as month,
    area_name,
    borough_snt,
    crime_subtype,
    measure
from ordered
where source_row > first_row
order by source_row
limit 1;

-- name: peek
-- The release from the dates alone: the file's months and its latest refresh date.
select
    min({month}) as first_month,
    max({month}) as last_month,
    max({refresh_date}) as refresh_date,
    count(*) filter (where {month} is null or {refresh_date} is null) as unreadable
from {source};
