"""The victim satisfaction section, from MOPAC's User Satisfaction Survey returns."""

from __future__ import annotations

from typing import Any

from orchestration.sections import (
    PERCENT_WHOLE,
    POINTS,
    PackContext,
    Row,
    Section,
    Sheet,
    SheetColumn,
    quarter_extras,
)
from orchestration.sources.mopac_uss import SOURCE


def victim_satisfaction_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """The quarter, and the BCU and baseline the rows are read against."""
    extras = quarter_extras(rows, ctx)
    bcu = next((row for row in rows if row["area_type"] == "bcu"), None)
    baseline = next((row for row in rows if row["baseline_label"]), None)
    extras["bcu"] = bcu["area"] if bcu else None
    extras["baseline"] = (
        {"label": baseline["baseline_label"], "percent": baseline["baseline_percent"]}
        if baseline
        else None
    )
    return extras


VICTIM_SATISFACTION = Section(
    key="victim_satisfaction",
    order=410,
    title="Victim satisfaction",
    table="rpt_victim_satisfaction",
    where=("borough_code = $borough_code",),
    order_by="sort_order, area",
    source=SOURCE.key,
    template="mopac_uss/victim_satisfaction.html.j2",
    extras=victim_satisfaction_extras,
    sheet=Sheet(
        name="Victim satisfaction",
        columns=[
            SheetColumn("Area", "area", width=20),
            SheetColumn("Quarter", "period_label", width=12),
            SheetColumn(
                "Victims satisfied (overall service)", "percent", PERCENT_WHOLE, divide_by=100
            ),
            SheetColumn("Change on previous quarter", "change_on_previous_quarter", POINTS),
            SheetColumn("Baseline", "baseline_label", width=10),
            SheetColumn("Baseline (London)", "baseline_percent", PERCENT_WHOLE, divide_by=100),
            SheetColumn("Change against the baseline", "change_on_baseline", POINTS),
        ],
    ),
)


SECTIONS: tuple[Section, ...] = (VICTIM_SATISFACTION,)
