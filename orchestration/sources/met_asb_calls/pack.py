"""The anti-social behaviour section: calls and repeat calls."""

from __future__ import annotations

from orchestration.sections import (
    PERCENT,
    RAG_FILLS,
    VOLUME,
    PackContext,
    Row,
    Section,
    Sheet,
    SheetColumn,
    latest_up_to_month,
)
from orchestration.sections.formatting import (
    factor,
    month_long,
    rag_letter,
)
from orchestration.sources.met_asb_calls import SOURCE

# --- ASB calls and repeat callers --------------------------------------------------------------


def derive_asb(rows: list[Row], ctx: PackContext) -> list[Row]:
    """The July 2021 pack's ASB line: the factors in words and the RAG letter."""
    derived = []
    for row in rows:
        factors = [
            factor(
                row["repeat_asb_calls_change_pct"],
                "repeat ASB calls",
                row["repeat_asb_calls_direction"],
            ),
            factor(row["asb_calls_change_pct"], "total ASB calls", row["asb_calls_direction"]),
        ]
        derived.append(
            {
                **row,
                "factors": factors,
                "factors_text": "; ".join(f.text for f in factors),
                "rag_letter": rag_letter(row["rag"]),
                "period": f"12 months to {month_long(row['reporting_month'])}",
            }
        )
    return derived


ASB_CALLS = Section(
    key="asb_calls",
    order=700,
    title="Anti-social behaviour: calls and repeat calls",
    table="rpt_asb_calls",
    where=latest_up_to_month("rpt_asb_calls"),
    source=SOURCE.key,
    template="met_asb_calls/asb_calls.html.j2",
    derive=derive_asb,
    sheet=Sheet(
        name="ASB calls",
        columns=[
            SheetColumn("Period", "period", width=26),
            SheetColumn("RAG", "rag_letter", width=8, fills=RAG_FILLS),
            SheetColumn("Positive / negative factors", "factors_text", width=60),
            SheetColumn("Repeat ASB calls", "r12_repeat_asb_calls", VOLUME),
            SheetColumn("Repeat calls a year before", "r12_repeat_asb_calls_prev", VOLUME),
            SheetColumn("Change", "repeat_asb_calls_change_pct", PERCENT, divide_by=100),
            SheetColumn("Total ASB calls", "r12_asb_calls", VOLUME),
            SheetColumn("Total calls a year before", "r12_asb_calls_prev", VOLUME),
            SheetColumn("Change ", "asb_calls_change_pct", PERCENT, divide_by=100),
        ],
    ),
)


SECTIONS: tuple[Section, ...] = (ASB_CALLS,)
