"""The appendix "Reconciliation with the papers": each figure the board's earlier papers printed
for the pack's month beside the one computed from the published marts.

The rows come from `rpt_reconciliation` (the seed `printed_figures` joined to the marts). Each
distinct reason is printed once, as a numbered note the rows point to, so a definition the
earlier paper used (its sanction detection rate against the dashboard's positive outcome rate)
is said once, in the board's words, however many figures it touches.
"""

from __future__ import annotations

from typing import Any

from orchestration.sections import (
    DECIMAL,
    PackContext,
    Row,
    Section,
    Sheet,
    SheetColumn,
)
from orchestration.sections.formatting import (
    NOT_AVAILABLE,
    format_count,
    round_half_away,
)
from orchestration.sources.reconciliation import COMBINED_UNITS

# Differences in these units are in percentage points.
_POINTS_UNITS = ("percent",)


def format_computed(value: float | None, unit: str) -> str:
    """The computed figure in the printed figure's unit: a count with separators (2,711), a
    percent to one place (17.8%), a rank (20), a rate per 1,000 to one place (12.0)."""
    if value is None:
        return NOT_AVAILABLE
    if unit == "percent":
        return f"{round_half_away(value, 1)}%"
    if unit == "rate per 1,000":
        return f"{round_half_away(value, 1)}"
    return format_count(int(round_half_away(value, 0)))


def format_difference(value: float | None, unit: str) -> str:
    """Computed minus printed with its sign: "+15", "-0.6 points"; "none" when they agree."""
    if value is None:
        return NOT_AVAILABLE
    places = 1 if unit in _POINTS_UNITS or unit == "rate per 1,000" else 0
    rounded = round_half_away(value, places)
    if rounded == 0:
        return "none"
    text = f"{rounded:+,}"
    return f"{text} points" if unit in _POINTS_UNITS else text


def derive_reconciliation(rows: list[Row], ctx: PackContext) -> list[Row]:
    """The figures in words, and each row's note number (one note per distinct reason)."""
    notes: dict[str, int] = {}
    derived = []
    for row in rows:
        reason = row.get("reason")
        if reason and reason not in notes:
            notes[reason] = len(notes) + 1
        derived.append(
            {
                **row,
                "computed_text": format_computed(row["computed_value"], row["unit"]),
                "difference_text": format_difference(row["difference"], row["unit"]),
                "note": notes.get(reason) if reason else None,
            }
        )
    return derived


def reconciliation_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """The notes in order, the papers the rows come from, and the reason kinds present."""
    notes: dict[int, Row] = {}
    for row in rows:
        if row["note"] is not None and row["note"] not in notes:
            notes[row["note"]] = {
                "number": row["note"],
                "kind": row["reason_kind"],
                "reason": row["reason"],
            }
    papers = list(dict.fromkeys(row["paper"] for row in rows))
    return {"notes": list(notes.values()), "papers": papers}


RECONCILIATION = Section(
    key="reconciliation",
    title="Reconciliation with the papers",
    order=890,
    table="rpt_reconciliation",
    where=("borough_code = $borough_code", "pack_month = $month"),
    order_by="sort_order",
    source=COMBINED_UNITS[0].key,
    template="reconciliation/reconciliation.html.j2",
    derive=derive_reconciliation,
    extras=reconciliation_extras,
    sheet=Sheet(
        name="Reconciliation",
        columns=[
            SheetColumn("Paper", "paper", width=30),
            SheetColumn("Section", "section", width=34),
            SheetColumn("Figure", "label", width=40),
            SheetColumn("Area", "area", width=16),
            SheetColumn("Printed", "printed_as", width=12),
            SheetColumn("Computed", "computed_value", DECIMAL),
            SheetColumn("Difference (computed - printed)", "difference", DECIMAL),
            SheetColumn("Reason", "reason", width=90),
        ],
        notes=(
            "Printed: the figure as printed in the Barnet SCP board papers of July 2021 and April "
            "2023. Computed: the same measure, area and period from the published tables; the "
            "difference is in the figure's unit (percentage points for a percentage).",
        ),
    ),
)

SECTIONS: tuple[Section, ...] = (RECONCILIATION,)
