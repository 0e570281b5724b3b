"""The sections from the Met's monthly crime dashboard: knife and gun crime, domestic abuse
and hate crime Table 1.
"""

from __future__ import annotations

from typing import Any

from orchestration.sections import (
    BOROUGH_MONTH,
    INTEGER,
    PERCENT,
    RAG_FILLS,
    RATE,
    VOLUME,
    PackContext,
    Row,
    Section,
    Sheet,
    SheetColumn,
)
from orchestration.sections.formatting import (
    crime_factors,
    rag_letter,
)
from orchestration.sources.met_crime_dashboard import SOURCE

# --- The Met's monthly crime dashboard: knife and gun crime, domestic abuse, hate crime ------


def derive_dashboard(rows: list[Row], ctx: PackContext) -> list[Row]:
    """Adds the RAG letter and the R12 and YTD factors in words, as on the overview."""
    return [
        {
            **row,
            "rag_letter": rag_letter(row["rag"]),
            "factors": crime_factors(
                row["r12_change_pct"], row["ytd_change_pct"], row["direction"]
            ),
        }
        for row in rows
    ]


def refreshed_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """The refresh dates of the files the rows' figures come from (the dashboard's releases)."""
    dates = sorted({row["refreshed_on"] for row in rows if row.get("refreshed_on")})
    return {"refreshed": [day.isoformat() for day in dates]}


KNIFE_GUN = Section(
    key="knife_gun",
    order=300,
    title="Knife and gun crime",
    table="rpt_knife_gun_crime",
    where=BOROUGH_MONTH,
    order_by="sort_order, measure",
    source=SOURCE.key,
    template="met_crime_dashboard/knife_gun.html.j2",
    derive=derive_dashboard,
    extras=refreshed_extras,
    sheet=Sheet(
        name="Knife and gun",
        columns=[
            SheetColumn("Measure", "measure_label", width=34),
            SheetColumn("RAG", "rag_letter", width=8, fills=RAG_FILLS),
            SheetColumn("Recent 12 months (to {month_long})", "r12_volume", VOLUME, width=18),
            SheetColumn("Previous 12 months", "r12_volume_prev", VOLUME),
            SheetColumn("R12 change vs. previous yr.", "r12_change_pct", PERCENT, divide_by=100),
            SheetColumn("Volume ({ytd_span})", "ytd_volume", VOLUME),
            SheetColumn("YTD change vs. previous yr.", "ytd_change_pct", PERCENT, divide_by=100),
            SheetColumn("Outcome rate, R12", "r12_outcome_rate_pct", PERCENT, divide_by=100),
            SheetColumn("Rate per 1,000 residents", "rate_per_1000", RATE),
            SheetColumn("London rank", "london_rank", INTEGER, width=10),
            SheetColumn("What it counts", "measure_note", width=60),
            SheetColumn("Refreshed", "refreshed_on", "yyyy-mm-dd", width=12),
        ],
    ),
)

DOMESTIC_ABUSE = Section(
    key="domestic_abuse",
    order=310,
    title="Domestic abuse",
    table="rpt_domestic_abuse",
    where=BOROUGH_MONTH,
    order_by="sort_order, measure",
    source=SOURCE.key,
    template="met_crime_dashboard/domestic_abuse.html.j2",
    derive=derive_dashboard,
    extras=refreshed_extras,
    sheet=Sheet(
        name="Domestic abuse",
        columns=[
            SheetColumn("Measure", "measure_label", width=34),
            SheetColumn("RAG", "rag_letter", width=8, fills=RAG_FILLS),
            SheetColumn("Recent 12 months (to {month_long})", "r12_volume", VOLUME, width=18),
            SheetColumn("Previous 12 months", "r12_volume_prev", VOLUME),
            SheetColumn("R12 change vs. previous yr.", "r12_change_pct", PERCENT, divide_by=100),
            SheetColumn("Positive outcomes, R12", "r12_positive_outcomes", VOLUME),
            SheetColumn("Outcome rate, R12", "r12_outcome_rate_pct", PERCENT, divide_by=100),
            SheetColumn(
                "Outcome rate a year before", "r12_outcome_rate_pct_prev", PERCENT, divide_by=100
            ),
            SheetColumn(
                "Outcome rate London rank (1 = highest)",
                "outcome_rate_london_rank",
                INTEGER,
                width=16,
            ),
            SheetColumn("Rate per 1,000 residents", "rate_per_1000", RATE),
            SheetColumn("London rank (1 = lowest rate)", "london_rank", INTEGER, width=16),
            SheetColumn("Refreshed", "refreshed_on", "yyyy-mm-dd", width=12),
        ],
        notes=("Domestic abuse incidents, and the share that become offences: the next sheet.",),
    ),
)


def hate_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """Table 1 as the July 2021 pack prints it: a line per category, a column per period
    (the month, January to the month before, then each full calendar year, latest first)."""
    periods: dict[str, str] = {}
    for row in rows:
        if row["period_label"] not in periods:
            start = row["period_start"]
            heading = f"{start:%Y %b}" if row["period_kind"] == "month" else row["period_label"]
            periods[row["period_label"]] = heading
    lines: dict[str, dict[str, Any]] = {}
    for row in rows:
        line = lines.setdefault(
            row["measure"],
            {"label": row["line_label"], "is_of_which": row["is_of_which"], "volumes": {}},
        )
        line["volumes"][row["period_label"]] = row["volume"]
    return {
        "periods": [{"label": label, "heading": heading} for label, heading in periods.items()],
        "lines": list(lines.values()),
        **refreshed_extras(rows, ctx),
    }


HATE_CRIME = Section(
    key="hate_crime",
    order=330,
    title="Hate crime",
    table="rpt_hate_crime",
    where=BOROUGH_MONTH,
    order_by="sort_order, period_order, period_start desc",
    source=SOURCE.key,
    template="met_crime_dashboard/hate_crime.html.j2",
    extras=hate_extras,
    sheet=Sheet(
        name="Hate crime",
        columns=[
            SheetColumn("Category", "line_label", width=24),
            SheetColumn("Period", "period_label", width=14),
            SheetColumn("From", "period_start", "yyyy-mm-dd", width=12),
            SheetColumn("To", "period_end", "yyyy-mm-dd", width=12),
            SheetColumn("Offences", "volume", VOLUME, width=10),
            SheetColumn("Refreshed", "refreshed_on", "yyyy-mm-dd", width=12),
        ],
        notes=(
            "Race and Religion includes Anti-Semitism and Islamophobia, listed separately for "
            "information.",
        ),
    ),
)


SECTIONS: tuple[Section, ...] = (
    KNIFE_GUN,
    DOMESTIC_ABUSE,
    HATE_CRIME,
)
