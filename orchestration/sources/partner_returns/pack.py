"""The partnership's sections: one per provider of the measure catalogue, and the MARAC
benchmark beside the MARAC's.
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass
from functools import partial
from typing import Any

from orchestration.lib.periods import FinancialQuarter, parse_financial_year
from orchestration.sections import (
    DECIMAL,
    PERCENT_ONE_PLACE,
    RAG_FILLS,
    VOLUME,
    PackContext,
    Period,
    Row,
    Section,
    Sheet,
    SheetColumn,
    rows_period,
)
from orchestration.sections.charts import sparkline
from orchestration.sections.formatting import (
    Factor,
    day_long,
    format_figure,
    format_whole_percent,
    good_direction,
    movement,
    rag_letter,
)
from orchestration.sources.partner_returns import CATALOGUE
from orchestration.sources.partner_returns.catalogue import Provider
from orchestration.sources.partner_returns.pack_shapes import (
    FIGURE,
    SHAPE_WORDS,
    CatalogueLabels,
    catalogue_labels,
    derive_shapes,
    shape_queries,
    shapes_extras,
)

# --- Partnership: the providers' returns ------------------------------------------------------


def _quarter_columns(rows: list[Row]) -> list[dict[str, Any]]:
    """The quarters of the year a provider's table shows: those with any figure, and the
    latest (as the board's papers print them: Q1 to Q4 of 2022/23 for the MARAC)."""
    if not rows:
        return []
    latest = int(rows[0]["latest_quarter"])
    short = FinancialQuarter(
        parse_financial_year(str(rows[0]["financial_year"])), latest
    ).short_year
    return [
        {"quarter": q, "field": f"q{q}_value", "label": f"Q{q} {short}"}
        for q in range(1, latest + 1)
        if q == latest or any(row[f"q{q}_value"] is not None for row in rows)
    ]


# How many quarters a measure's trend shows, up to its latest (rpt_partner_measures'
# recent_values holds as many).
TREND_QUARTERS = 8


def _quarters_up_to(latest: FinancialQuarter, count: int) -> list[FinancialQuarter]:
    """`count` quarters ending with `latest`, oldest first."""
    quarters = [latest]
    while len(quarters) < count:
        quarters.append(quarters[-1].previous())
    return quarters[::-1]


def _short(quarter: FinancialQuarter) -> str:
    """ "Q4 22/23", as the table's columns head a quarter."""
    return f"Q{quarter.quarter} {quarter.short_year}"


def partner_factors(row: Row, year_before: str) -> list[Factor]:
    """The indicators the mart judged the RAG from (`kpi_partner_measures`'), in words with
    their figures: the quarter against its target, the year to date against the year's target
    pro rata, and the change on the same quarter a year before. A target the measure does not
    have is left out; a comparison without a figure is said to be neutral."""
    unit = row["unit"]
    factors = []
    if row["target_quarter"] is not None:
        met = row["quarter_target_indicator"] == "positive"
        figure = format_figure(row["value"], unit)
        target = format_figure(row["target_quarter"], unit)
        text = (
            f"No figure this quarter against its target of {target}"
            if row["value"] is None
            else f"{'Met' if met else 'Missed'} the quarter's target: {figure} against {target}"
        )
        factors.append(Factor(text, row["quarter_target_indicator"]))
    if row["target_year"] is not None:
        on_track = row["year_target_indicator"] == "positive"
        share = row["target_year"] * int(row["latest_quarter"]) / 4
        text = (
            "No year to date to set against the year's target"
            if row["ytd_value"] is None
            else f"{'On track for' if on_track else 'Behind'} the year's target: "
            f"{format_figure(row['ytd_value'], unit)} so far against "
            f"{format_figure(share, unit)} by this quarter "
            f"({format_figure(row['target_year'], unit)} in the year)"
        )
        factors.append(Factor(text, row["year_target_indicator"]))
    earlier = row["value_year_earlier"]
    if earlier is None or row["value"] is None:
        text = f"No comparison with {year_before} (no figure for it)"
        if row["value"] is None and earlier is not None:
            text = "No comparison with a year before (no figure this quarter)"
    else:
        move = movement(row["value"] - earlier)
        text = (
            f"{move.capitalize()} on {year_before}: {format_figure(row['value'], unit)} from "
            f"{format_figure(earlier, unit)}"
        )
    factors.append(Factor(text, row["year_on_year_indicator"]))
    return factors


def no_rag_reason(row: Row, year_before: str) -> str:
    """Why a measure has no RAG, in a few words from its own row: the mart rates nothing that
    is neither better higher nor lower, nor a measure with no target and no figure a year
    before."""
    if row["direction"] == "neutral":
        reason = "Not rated: neither way is better"
        earlier = row["value_year_earlier"]
        if earlier is not None and row["value"] is not None:
            unit = row["unit"]
            reason += (
                f" ({format_figure(row['value'], unit)} against {format_figure(earlier, unit)} "
                f"in {year_before})"
            )
        return reason
    return f"Not rated: no target, and no figure for {year_before} to compare with"


def derive_partner(rows: list[Row], ctx: PackContext) -> list[Row]:
    """Adds what each row prints: its figures in its unit, its target, its RAG letter with the
    indicators it was judged from (or why it has none), its good direction, the same quarter a
    year before, and its last eight quarters as a sparkline."""
    derived = []
    for row in rows:
        unit = row["unit"]
        latest = FinancialQuarter(
            parse_financial_year(str(row["financial_year"])), int(row["latest_quarter"])
        )
        trend_quarters = _quarters_up_to(latest, TREND_QUARTERS)
        year_before = _short(trend_quarters[-5])
        values = list(row["recent_values"] or [None] * TREND_QUARTERS)
        trend_text = ", ".join(
            f"{_short(q)} {'no figure' if v is None else format_figure(v, unit)}"
            for q, v in zip(trend_quarters, values, strict=True)
        )
        targets = []
        if row["target_quarter"] is not None:
            targets.append(
                (
                    f"{format_figure(row['target_quarter'], unit)} a quarter",
                    format_whole_percent(row["pct_of_quarter_target"]),
                )
            )
        if row["target_year"] is not None:
            targets.append(
                (
                    f"{format_figure(row['target_year'], unit)} in {row['financial_year']}",
                    f"{format_whole_percent(row['ytd_pct_of_year_target'])} of the year's",
                )
            )
        factors = partner_factors(row, year_before) if row["rag"] else []
        reason = None if row["rag"] else no_rag_reason(row, year_before)
        # The workbook keeps the figures as numbers, percentages to the place the pack prints.
        places = 1 if unit == "percent" else 0
        derived.append(
            {
                **row,
                "shown": {
                    field: format_figure(row[field], unit)
                    for field in ("q1_value", "q2_value", "q3_value", "q4_value", "ytd_value")
                },
                "targets": targets,
                "target_text": "; ".join(text for text, _ in targets),
                "target_pct_text": "; ".join(pct for _, pct in targets),
                "rag_letter": rag_letter(row["rag"]),
                "factors": factors,
                "no_rag_reason": reason,
                "rated_from": reason or "; ".join(f"{f.text} ({f.assessment})" for f in factors),
                "good_direction": good_direction(row["direction"]).capitalize(),
                "year_before_label": year_before,
                "year_before_shown": format_figure(row["value_year_earlier"], unit),
                "value_year_earlier_rounded": (
                    round(row["value_year_earlier"], places)
                    if row["value_year_earlier"] is not None
                    else None
                ),
                "trend_text": trend_text,
                "trend_svg": sparkline(
                    f"{row['provider']}-{row['measure']}-trend",
                    f"{row['label']}, the last {TREND_QUARTERS} quarters: {trend_text}",
                    values,
                ),
                **{
                    f"{field}_rounded": round(row[field], places)
                    if row[field] is not None
                    else None
                    for field in ("q1_value", "q2_value", "q3_value", "q4_value", "ytd_value")
                },
            }
        )
    return derived


def partner_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """The quarter shown, when its return was submitted, and the notes under the table."""
    if not rows:
        return {"quarters": [], "shown_quarter": None, "earlier": [], "notes": []}
    first = rows[0]
    quarter = FinancialQuarter(
        parse_financial_year(str(first["financial_year"])), int(first["latest_quarter"])
    )
    quarters = _quarter_columns(rows)
    earlier = sorted(
        {
            (q["label"], first[f"q{q['quarter']}_submitted_on"])
            for q in quarters
            if q["quarter"] != quarter.quarter and first.get(f"q{q['quarter']}_submitted_on")
        }
    )
    return {
        "quarters": quarters,
        # The same quarter a year before the latest, as its column's heading says it.
        "year_before": first.get("year_before_label"),
        "shown_quarter": {
            "label": quarter.label,
            "months": quarter.months,
            "submitted_on": day_long(first["submitted_on"]),
            "file": first["source_file"],
        },
        "earlier": [{"label": label, "submitted_on": day_long(day)} for label, day in earlier],
        "notes": [
            {"measure": row["measure"], "label": row["label"], "note": row["note"]}
            for row in rows
            if row.get("note")
        ],
    }


def _split(rows: list[Row]) -> tuple[list[Row], list[Row]]:
    """The quarterly table's rows and the other shapes' rows (`shape` set)."""
    quarterly = [r for r in rows if r.get("shape") in (None, QUARTERLY)]
    return quarterly, [r for r in rows if r.get("shape") not in (None, QUARTERLY)]


def _with_figure_words(row: Row, figures: list[Row]) -> Row:
    """The quarterly row with what its shape rows say of the same measure and year: a quarter
    withheld reads "withheld" in its cell, and a target set as a range or on a baseline reads
    in words ("74-79% (baseline 64%)")."""
    same = [
        f
        for f in figures
        if f["measure"] == row["measure"]
        and f["financial_year"] == row["financial_year"]
        and f["is_quarterly"]
    ]
    shown = dict(row["shown"])
    withheld = []
    for figure in same:
        if figure["is_withheld"] and figure["quarter"] is not None:
            shown[f"q{int(figure['quarter'])}_value"] = "withheld"
            withheld.append(
                f"Q{int(figure['quarter'])} {figure['note'][0].lower()}{figure['note'][1:]}"
            )
    latest = next((f for f in same if f["quarter"] == row["latest_quarter"]), None)
    target_text = row["target_text"]
    if latest and latest["target_shown"] and row.get("target_quarter") is not None:
        target_text = latest["target_shown"]
    note = "; ".join([*withheld, *([row["note"]] if row.get("note") else [])]) or None
    targets = list(row["targets"])
    factors = list(row["factors"])
    if target_text != row["target_text"] and targets:
        targets[0] = (target_text, targets[0][1])
        # The rating's words name the target as the table does: "65.0% against 74-79%
        # (baseline 64%)", not its lower end alone.
        bare = format_figure(row["target_quarter"], row["unit"])
        factors = [
            Factor(
                f.text.replace(f"against {bare}", f"against {target_text}").replace(
                    f"target of {bare}", f"target of {target_text}"
                ),
                f.assessment,
            )
            for f in factors
        ]
    rated_from = row["no_rag_reason"] or "; ".join(f"{f.text} ({f.assessment})" for f in factors)
    return {
        **row,
        "shown": shown,
        "target_text": target_text,
        "note": note,
        "targets": targets,
        "factors": factors,
        "rated_from": rated_from,
    }


def derive_provider(
    rows: list[Row], ctx: PackContext, names: CatalogueLabels | None = None
) -> list[Row]:
    """The quarterly table's rows (`derive_partner`), then every other shape's rows.

    Args:
        names: the catalogue's labels, for what a published row names only by its key (a
            profile's measure and dimension, an action plan).
    """
    quarterly, others = _split(rows)
    # The union's own columns are not the quarterly table's.
    union_columns = ("shape", "shape_order")
    quarterly = [{k: v for k, v in r.items() if k not in union_columns} for r in quarterly]
    derived = derive_partner(quarterly, ctx)
    shapes = derive_shapes(others, quarterly, names)
    figures = [f for f in shapes if f["shape"] == FIGURE]
    if figures:
        derived = [_with_figure_words(row, figures) for row in derived]
    # The workbook's columns for the shape rows; the quarterly rows leave them empty.
    for row in shapes:
        row["shape_words"] = SHAPE_WORDS[row["shape"]]
        row["target_text"] = row.get("target_shown") or None
        row["breakdown_area_plan"] = (
            None
            if row["shape"] == FIGURE
            else row.get("breakdown_label") or row.get("area_label") or row.get("label")
        )
        row["category_item_status"] = (
            row.get("category_label") or row.get("item_label") or row.get("status_shown")
        )
        row["status_words"] = "Withheld" if row.get("is_withheld") else row.get("status_shown")
    return [*derived, *shapes]


def provider_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    quarterly = [r for r in rows if "shape" not in r]
    others = [r for r in rows if "shape" in r]
    shown = {(r["measure"], r["financial_year"], r["latest_quarter"]) for r in quarterly}
    return {
        **partner_extras(quarterly, ctx),
        **shapes_extras(others, shown),
        "quarterly_rows": quarterly,
    }


def provider_period(rows: list[Row], ctx: PackContext) -> Period | None:
    """The quarterly table's quarter; without one, the latest of the other figures."""
    quarterly = [r for r in rows if "shape" not in r]
    if quarterly:
        return rows_period(quarterly, ctx)
    return rows_period([r for r in rows if r.get("period_end")], ctx)


QUARTERLY = "quarterly"


@dataclass(frozen=True)
class PartnerSection(Section):
    """A provider's section: its quarterly table, and, once they are published, its figures of
    other shapes from the tables every provider shares (`pack_shapes`)."""

    provider: str = ""

    def query_for(self, tables: Set[str]) -> str:
        parts = shape_queries(self.provider, tables)
        if not parts:
            return self.query
        where = f" where {' and '.join(self.where)}" if self.where else ""
        quarterly = f"select '{QUARTERLY}' as shape, 0 as shape_order, * from {self.table}{where}"
        union = "\nunion all by name\n".join([quarterly, *parts])
        return f"select * from (\n{union}\n) order by shape_order, {self.order_by}"


# Excel refuses these in a sheet's name, and names longer than 31 characters.
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")


def sheet_name(heading: str) -> str:
    """A section heading as a workbook sheet's name: "Family Services: youth justice" ->
    "Family Services youth justice" (Excel refuses a colon), at most 31 characters."""
    return " ".join(_NOT_IN_SHEET_NAMES.sub(" ", heading).split())[:31].strip()


def partner_section(provider: Provider, order: int) -> Section:
    """A provider's section, built from the catalogue like its source: its own rows of the
    partner chain's pack table, with its figures beyond the quarter."""
    return PartnerSection(
        key=f"partner_{provider.key}",
        order=order,
        title=provider.section,
        table="rpt_partner_measures",
        where=(f"provider = '{provider.key}'",),
        order_by="sort_order, measure",
        source=provider.source_key,
        template="partner_returns/partner.html.j2",
        derive=partial(derive_provider, names=catalogue_labels(provider)),
        extras=provider_extras,
        period=provider_period,
        provider=provider.key,
        sheet=Sheet(
            name=sheet_name(provider.section),
            columns=[
                SheetColumn("Measure", "label", width=44),
                SheetColumn("Unit", "unit", width=9),
                SheetColumn("Q1", "q1_value_rounded", "#,##0.#", width=9),
                SheetColumn("Q2", "q2_value_rounded", "#,##0.#", width=9),
                SheetColumn("Q3", "q3_value_rounded", "#,##0.#", width=9),
                SheetColumn("Q4", "q4_value_rounded", "#,##0.#", width=9),
                SheetColumn("Year to date", "ytd_value_rounded", "#,##0.#", width=12),
                SheetColumn("Year to date from", "ytd_basis", width=16),
                SheetColumn("Target", "target_text", width=22),
                SheetColumn("% of target", "target_pct_text", width=18),
                SheetColumn("RAG", "rag_letter", width=8, fills=RAG_FILLS),
                SheetColumn("Rated from (or why not rated)", "rated_from", width=70),
                SheetColumn("Good direction", "good_direction", width=24),
                SheetColumn(
                    "Same quarter a year before", "value_year_earlier_rounded", "#,##0.#", width=14
                ),
                SheetColumn("Last 8 quarters", "trend_text", width=70),
                SheetColumn("Note", "note", width=60),
                SheetColumn("Latest quarter", "latest_quarter_label", width=14),
                SheetColumn("Submitted on", "submitted_on", "yyyy-mm-dd", width=12),
                SheetColumn("Return", "source_file", width=34),
                # The figures of other shapes: another period's, a profile's, a comparator's,
                # an action plan's (one row each; the quarterly rows leave these empty).
                SheetColumn("Figure kind", "shape_words", width=16),
                SheetColumn("Period", "period", width=24),
                SheetColumn("Profile, area or plan", "breakdown_area_plan", width=24),
                SheetColumn("Category, item or status", "category_item_status", width=30),
                SheetColumn("Figure", "figure", "#,##0.##", width=10),
                SheetColumn("Share", "share_pct", PERCENT_ONE_PLACE, width=9, divide_by=100),
                SheetColumn("Of", "total", "#,##0.##", width=9),
                SheetColumn("Borough's figure", "borough_value", "#,##0.##", width=10),
                SheetColumn("Difference", "difference", "+#,##0.##;-#,##0.##;0", width=10),
                SheetColumn("Status", "status_words", width=14),
                SheetColumn("Figure in words", "figure_shown", width=30),
                SheetColumn("Compared with", "difference_shown", width=36),
                SheetColumn("Published by", "comparator_source", width=26),
                SheetColumn("Theme", "theme", width=24),
                SheetColumn("Owner", "owner", width=18),
            ],
        ),
    )


def benchmark_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    return {"row": rows[0] if rows else None}


# The partnership's sections follow the MOPAC ones, in the catalogue's order.
FIRST_ORDER = 500
MARAC = "marac"

MARAC_BENCHMARK = Section(
    key="marac_benchmark",
    order=FIRST_ORDER + 10 * CATALOGUE.keys.index(MARAC) + 5,
    title="MARAC referrals against the SafeLives recommendation",
    table="rpt_marac_benchmark",
    where=("recency = 1",),
    source=CATALOGUE.provider(MARAC).source_key,
    template="partner_returns/marac_benchmark.html.j2",
    extras=benchmark_extras,
    sheet=Sheet(
        name="MARAC benchmark",
        columns=[
            SheetColumn("Financial year", "financial_year", width=12),
            SheetColumn("Referrals", "referrals", VOLUME, width=10),
            SheetColumn("Women aged 16+", "females_aged_16_plus", VOLUME, width=14),
            SheetColumn("Population estimate", "population_estimate", width=30),
            SheetColumn("Per 10,000", "referrals_per_10000_adult_females", DECIMAL, width=10),
            SheetColumn("Recommended", "benchmark", DECIMAL, width=12),
            SheetColumn("Source", "benchmark_source", width=70),
        ],
    ),
)

SECTIONS: tuple[Section, ...] = (
    *(
        partner_section(provider, FIRST_ORDER + 10 * index)
        for index, provider in enumerate(CATALOGUE)
    ),
    MARAC_BENCHMARK,
)
