"""The partnership's sections: one per provider of the measure catalogue, and the MARAC
benchmark beside the MARAC's.
"""

from __future__ import annotations

from typing import Any

from orchestration.lib.periods import FinancialQuarter, parse_financial_year
from orchestration.sections import (
    DECIMAL,
    RAG_FILLS,
    VOLUME,
    PackContext,
    Row,
    Section,
    Sheet,
    SheetColumn,
)
from orchestration.sections.formatting import (
    day_long,
    format_figure,
    format_whole_percent,
    rag_letter,
)
from orchestration.sources.partner_returns import CATALOGUE
from orchestration.sources.partner_returns.catalogue import Provider

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


def derive_partner(rows: list[Row], ctx: PackContext) -> list[Row]:
    """Adds what each row prints: its figures in its unit, its target, its RAG letter."""
    derived = []
    for row in rows:
        unit = row["unit"]
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


def partner_section(provider: Provider, order: int) -> Section:
    """A provider's section, built from the catalogue like its source and its dbt models."""
    return Section(
        key=f"partner_{provider.key}",
        order=order,
        title=provider.section,
        table=f"rpt_partner_{provider.key}",
        order_by="sort_order, measure",
        source=provider.source_key,
        template="partner_returns/partner.html.j2",
        derive=derive_partner,
        extras=partner_extras,
        sheet=Sheet(
            name=provider.section[:31],
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
                SheetColumn("Note", "note", width=60),
                SheetColumn("Latest quarter", "latest_quarter_label", width=14),
                SheetColumn("Submitted on", "submitted_on", "yyyy-mm-dd", width=12),
                SheetColumn("Return", "source_file", width=34),
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
