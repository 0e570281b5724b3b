-- One row per file, area and survey quarter: is it a quarter of its own, or does every one of
-- its measures equal the same measure in another quarter of the same file and area? (The
-- Lambeth copy of the London series repeats Dec-14's five figures as Sep-22's.) Only quarters
-- with three measures or more are judged: one or two whole percentages match another
-- quarter's by chance. Both quarters of a pair that match in full are named, since the file
-- cannot say which is the copy.
with

figures as (

    select
        source_file,
        source_row,
        area_name,
        lower(trim(area_name)) as area_key,
        lower(trim(measure_label)) as measure_key,
        period_start,
        period_text,
        percent
    from landed

),

quarters as (

    select
        source_file,
        area_key,
        period_start,
        min(source_row) as source_row,
        any_value(area_name) as area_name,
        any_value(period_text) as period_text,
        count(*) as measures
    from figures
    group by source_file, area_key, period_start

),

matches as (

    select
        this.source_file,
        this.area_key,
        this.period_start,
        other.period_start as other_start,
        count(*) as equal_measures
    from figures as this
    inner join figures as other
        on other.source_file = this.source_file
        and other.area_key = this.area_key
        and other.measure_key = this.measure_key
        and other.period_start <> this.period_start
        and other.percent = this.percent
    group by this.source_file, this.area_key, this.period_start, other.period_start

),

repeats as (

    select
        matches.source_file,
        matches.area_key,
        matches.period_start,
        string_agg(other.period_text, ', ' order by other.period_start) as equals_quarter
    from matches
    inner join quarters as this
        on this.source_file = matches.source_file
        and this.area_key = matches.area_key
        and this.period_start = matches.period_start
    inner join quarters as other
        on other.source_file = matches.source_file
        and other.area_key = matches.area_key
        and other.period_start = matches.other_start
    where this.measures >= 3 and matches.equal_measures = this.measures
    group by matches.source_file, matches.area_key, matches.period_start

)

select
    quarters.source_file,
    quarters.source_row,
    quarters.area_name,
    quarters.period_text as quarter,
    repeats.equals_quarter,
    repeats.source_file is null as is_distinct_quarter
from quarters
left join repeats
    on repeats.source_file = quarters.source_file
    and repeats.area_key = quarters.area_key
    and repeats.period_start = quarters.period_start
