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
    dashboard_factors,
    good_direction,
    rag_letter,
)
from orchestration.sources.met_crime_dashboard import SOURCE

# --- The Met's monthly crime dashboard: knife and gun crime, domestic abuse, hate crime ------


def derive_dashboard(rows: list[Row], ctx: PackContext) -> list[Row]:
    """Adds the RAG letter, the indicators it was judged from in words (the R12 and YTD changes
    in offences and, where the measure has an outcome rate, its change), and the good direction
    of the offences and of the outcome rate, read from the seed's directions the mart used."""
    derived = []
    for row in rows:
        has_outcome_rate = row["r12_outcome_rate_pct"] is not None
        now, before = row["r12_outcome_rate_pct"], row["r12_outcome_rate_pct_prev"]
        factors = dashboard_factors(
            row["r12_change_pct"],
            row["ytd_change_pct"],
            row["direction"],
            None if now is None or before is None else now - before,
            row["outcome_direction"],
            has_outcome_rate,
        )
        directions = [f"offences: {good_direction(row['direction'])}"]
        if has_outcome_rate:
            directions.append(f"outcome rate: {good_direction(row['outcome_direction'])}")
        derived.append(
            {
                **row,
                "rag_letter": rag_letter(row["rag"]),
                "factors": factors,
                "factors_text": "; ".join(f"{f.text} ({f.assessment})" for f in factors),
                "good_direction": "; ".join(directions).capitalize(),
            }
        )
    return derived


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
            SheetColumn("Rated from", "factors_text", width=70),
            SheetColumn("Good direction", "good_direction", width=40),
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
            SheetColumn("Rated from", "factors_text", width=70),
            SheetColumn("Good direction", "good_direction", width=40),
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


# How many full calendar years Table 1 prints (rpt_hate_crime keeps as many).
HATE_FULL_YEARS = 4


def _hate_heading(row: Row) -> str:
    """A period's column heading as Table 1 prints it: "2021 May", "2021 (Jan-Apr)", "2020 Full
    Year"."""
    start = row["period_start"]
    if row["period_kind"] == "month":
        return f"{start:%Y %b}"
    if row["period_kind"] == "ytd_before":
        end = row["period_end"]
        months = f"{start:%b}" if start.month == end.month else f"{start:%b}-{end:%b}"
        return f"{start:%Y} ({months})"
    return f"{start:%Y} Full Year"


def hate_coverage_note(rows: list[Row], ctx: PackContext) -> str | None:
    """Why Table 1 has fewer columns than the paper's six, in words: January has no months
    before it in the year, and a year the data does not cover in full is not shown."""
    if not rows:
        return None
    month = ctx.reporting_month
    parts = []
    if month.month == 1:
        parts.append(
            f"{month:%B %Y} is the first month of its year, so there is no January "
            "to the month before"
        )
    years = sorted(
        {row["period_start"].year for row in rows if row["period_kind"] == "calendar_year"}
    )
    if len(years) < HATE_FULL_YEARS:
        starts = [row["data_from"] for row in rows if row.get("data_from") is not None]
        shown = ", ".join(str(y) for y in reversed(years)) if years else "none"
        start = f" starts in {min(starts):%B %Y}" if starts else " does not reach further back"
        parts.append(
            f"the dashboard data{start}, so it covers {len(years)} of the paper's "
            f"{HATE_FULL_YEARS} full calendar years ({shown})"
        )
    if not parts:
        return None
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def hate_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """Table 1 as the July 2021 pack prints it: a line per category, a column per period
    (the month, January to the month before, then up to four full calendar years, latest
    first), and why any of the paper's columns is missing."""
    periods: dict[str, str] = {}
    for row in rows:
        if row["period_label"] not in periods:
            periods[row["period_label"]] = _hate_heading(row)
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
        "coverage_note": hate_coverage_note(rows, ctx),
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
