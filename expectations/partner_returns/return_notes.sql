-- One row per figure of a provider's returns: does it carry a note from the validator (a
-- typed percentage recomputed, a figure far outside the provider's history)? A warning: the
-- figure is published, with its note.
select
    source_file,
    source_row,
    cell,
    note,
    note is null as has_no_note
from landed
