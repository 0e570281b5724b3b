-- One row per figure of a provider's returns: does it carry a note from the validator (a
-- typed percentage recomputed, a figure far outside the provider's history, a figure given for
-- the year to date only)? A warning: the figure is published, with its note.
select
    source_file,
    source_row,
    cell,
    note,
    note is null as has_no_note
from landed
