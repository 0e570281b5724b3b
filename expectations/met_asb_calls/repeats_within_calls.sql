-- One row per source row: are the month's repeat calls within its calls?
select
    source_file,
    source_row,
    repeat_asb_calls,
    asb_calls,
    repeat_asb_calls <= asb_calls as is_within_calls
from landed
