"""The public confidence section, from MOPAC's Public Attitude Survey."""

from __future__ import annotations

from orchestration.sections import (
    INTEGER,
    PERCENT_WHOLE,
    POINTS,
    Section,
    Sheet,
    SheetColumn,
    quarter_extras,
)
from orchestration.sources.mopac_pas import SOURCE

PUBLIC_CONFIDENCE = Section(
    key="public_confidence",
    order=400,
    title="Public confidence",
    table="rpt_public_confidence",
    where=("borough_code = $borough_code", "is_latest"),
    order_by="sort_order, measure",
    source=SOURCE.key,
    template="mopac_pas/public_confidence.html.j2",
    extras=quarter_extras,
    sheet=Sheet(
        name="Public confidence",
        columns=[
            SheetColumn("Measure (MOPAC Public Attitude Survey)", "measure_label", width=50),
            SheetColumn("Survey quarter", "period_label", width=10),
            SheetColumn("{borough}", "percent", PERCENT_WHOLE, divide_by=100),
            SheetColumn("London", "london_percent", PERCENT_WHOLE, divide_by=100),
            SheetColumn("Difference from London", "difference_from_london", POINTS),
            SheetColumn("London rank (1 = highest)", "london_rank", INTEGER, width=10),
            SheetColumn("Ranked of", "london_rank_of", INTEGER, width=10),
            SheetColumn("Change on previous quarter", "change_on_previous_quarter", POINTS),
            SheetColumn("Change on a year earlier", "change_on_year_earlier", POINTS),
            SheetColumn("Source file", "source_file", width=40),
        ],
    ),
)


SECTIONS: tuple[Section, ...] = (PUBLIC_CONFIDENCE,)
