-- One row per source row: are the month's repeat calls within its calls? A month the extract
-- gives no repeat count for (NULL) is not judged.
select
    source_file,
    source_row,
    repeat_asb_calls,
    asb_calls,
    coalesce(repeat_asb_calls <= asb_calls, true) as is_within_calls
from landed
