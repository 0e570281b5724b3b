-- One row per landed figure for a whole financial year (a baseline, '2020/21'): is it
-- London's? The board measures every area against the pan-London baseline (April 2023
-- report, 4.3.15), so a year figure for another area would be sent and never used.
select
    landed.source_file,
    landed.source_row,
    landed.quarter_text,
    landed.area_name,
    coalesce(names.area_type = 'london', false) as is_london_baseline
from landed
left join area_names as names
    on names.name_key = lower(trim(landed.area_name))
where date_diff('month', landed.period_start, landed.period_end) > 2
