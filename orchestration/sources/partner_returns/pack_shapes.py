"""The partnership's figures beyond one count a quarter, as each provider's section shows them.

The papers print more than quarterly counts: a profile that sums to a total (the IOM cohort by
ethnicity), a figure at a date or for a year (youth justice caseload at 30 June 2021,
first-time entrants in 2019), the same measure for England and Wales beside the borough's,
an action plan's items with a status each, a target set against a baseline, and a figure the
provider cannot yet release. They are published in five tables shared by every provider
(`kpi_partner_measures`, `kpi_partner_breakdowns`, `kpi_partner_comparators`,
`kpi_action_plan_items`, `kpi_action_plan_status`); a provider's section reads its rows of
each and renders each shape one way, whatever the provider. A provider new to the catalogue
needs no code here: its rows carry their own labels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from typing import Any

from orchestration.lib.periods import FinancialQuarter, financial_year_label
from orchestration.sections import Row
from orchestration.sections.charts import PRIMARY
from orchestration.sections.formatting import (
    NOT_AVAILABLE,
    day_long,
    format_share,
    month_long,
    round_half_away,
)

# The shapes, in the order a section shows them, and the table each is read from.
FIGURE, BREAKDOWN, COMPARATOR, PLAN_ITEM, PLAN_STATUS = (
    "figure",
    "breakdown",
    "comparator",
    "plan_item",
    "plan_status",
)
SHAPE_TABLES: dict[str, str] = {
    FIGURE: "kpi_partner_measures",
    BREAKDOWN: "kpi_partner_breakdowns",
    COMPARATOR: "kpi_partner_comparators",
    PLAN_ITEM: "kpi_action_plan_items",
    PLAN_STATUS: "kpi_action_plan_status",
}
# The workbook's words for each shape ("Figure kind").
SHAPE_WORDS: dict[str, str] = {
    FIGURE: "Figure",
    BREAKDOWN: "Profile",
    COMPARATOR: "Comparator",
    PLAN_ITEM: "Action plan item",
    PLAN_STATUS: "Action plan items by status",
}
# `kpi_partner_measures` is published before the other four exist (today's quarterly measures):
# the shapes are read once the breakdowns table is there, which is published with them.
SHAPES_MARKER = SHAPE_TABLES[BREAKDOWN]

# An action plan item's status, in the order the papers count them, and in words.
PLAN_STATUSES: dict[str, str] = {
    "complete": "Complete",
    "on_target": "On target",
    "at_risk": "At risk",
    "off_target": "Off target",
    "not_started": "Not started",
}
WITHHELD = "withheld"
WITHHELD_REASON = "the provider cannot release it yet"
# The quarter's own measures are in the provider's quarterly table; these are not.
QUARTERLY_KINDS = ("quarter", "year_to_date")

BAR_WIDTH = 120
BAR_HEIGHT = 12


def shape_queries(provider: str, tables: Set[str]) -> list[str]:
    """One select per shape the published copy holds, each with the shape's name and place.

    The figures are those the quarterly table does not show: another period's, a withheld one,
    or one with a target set as a range or against a baseline (whose words the table needs).
    Like the quarterly table, every period published is read, not those up to the pack's
    month (a pack as of a date is built from what was published by then); the section keeps
    the latest profile and plan status itself.
    """
    if SHAPES_MARKER not in tables:
        return []
    where = {
        FIGURE: (
            "(period_kind not in ('quarter', 'year_to_date') or status = 'withheld' "
            "or target_high is not null or baseline is not null)"
        ),
    }
    return [
        f"select '{shape}' as shape, {10 * (index + 1)} as shape_order, * from {table} "
        f"where provider = '{provider}'" + (f" and {where[shape]}" if shape in where else "")
        for index, (shape, table) in enumerate(SHAPE_TABLES.items())
        if table in tables
    ]


# --- Words ------------------------------------------------------------------------------------


def decimal_places(value: float | None) -> int:
    """How many decimals a figure has, up to two: 90 -> 0, 37.8 -> 1, 0.21 -> 2."""
    if value is None:
        return 0
    exponent = round_half_away(value, 2).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def figure_text(value: float | None, unit: str | None, places: int | None = None) -> str:
    """A figure as the paper prints it: up to two decimals, as many as it has (90, 1.06,
    0.09%, 37.8%), or `places` of them (a series printed alike: 0.21, then 0.10),
    thousands separated, a percentage with its sign, an amount in pounds."""
    if value is None:
        return NOT_AVAILABLE
    shown = decimal_places(value) if places is None else places
    number = round_half_away(value, shown)
    text = f"{number:,f}"
    if unit == "percent":
        return f"{text}%"
    if unit == "currency":
        return f"£{text}"
    return text


def period_label(kind: str | None, start: dt.date | None, end: dt.date | None) -> str:
    """The period a figure is for, as the papers say it: "at 30 June 2021", "2019", "2019/20",
    "12 months to March 2023", "Q4 2022/23 (January to March 2023)"."""
    if start is None or end is None:
        return NOT_AVAILABLE
    if kind == "snapshot":
        return f"at {day_long(end)}"
    if kind == "calendar_year":
        return str(start.year) if start.year == end.year else f"{start.year} to {end.year}"
    if kind == "financial_year":
        return financial_year_label(FinancialQuarter.containing(start).start_year)
    if kind == "rolling_12_months":
        return f"12 months to {month_long(end)}"
    if kind == "programme_phase":
        return f"{start.year} to {end.year}"
    if kind == "quarter":
        quarter = FinancialQuarter.containing(start)
        return f"Q{quarter.quarter} {quarter.financial_year} ({quarter.months})"
    if kind == "year_to_date":
        quarter = FinancialQuarter.containing(start)
        return f"{quarter.financial_year} to {month_long(end)}"
    return f"{day_long(start)} to {day_long(end)}"


def target_words(
    target: float | None, high: float | None, baseline: float | None, unit: str | None
) -> str:
    """A target in words: "30", "74-79% (baseline 64%)", "25% (baseline 10%)"; "" without."""
    if target is None:
        return ""
    if high is not None and high != target:
        bare = figure_text(target, None if unit == "percent" else unit)
        words = f"{bare}-{figure_text(high, unit)}"
    else:
        words = figure_text(target, unit)
    if baseline is not None:
        words += f" (baseline {figure_text(baseline, unit)})"
    return words


def withheld_words(reason: str | None) -> str:
    """Why a figure is withheld, beside the "withheld" its cell shows (never 0 or a blank)."""
    why = " ".join(str(reason or "").split()) or WITHHELD_REASON
    return f"Withheld: {why}"


def difference_words(difference: float | None, unit: str | None, area: str) -> str:
    """The borough's figure against a comparator's: "5.8 points lower than England and Wales"
    ("points" for percentages), "the same as London"."""
    if difference is None:
        return NOT_AVAILABLE
    size = round_half_away(abs(difference), 2)
    if size == 0:
        return f"the same as {area}"
    amount = figure_text(float(size), None)
    if unit == "percent":
        amount += " point" if size == 1 else " points"
    elif unit == "currency":
        amount = f"£{amount}"
    return f"{amount} {'higher' if difference > 0 else 'lower'} than {area}"


def key_words(key: str | None) -> str:
    """A key in words, where the published row has no label: "age_band" -> "Age band"."""
    text = str(key or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def share_bar(share: float | None) -> str:
    """A category's share as a bar, inline SVG hidden from screen readers: the row it is in
    gives the figure and the share in words. Drawn, not a background, so it prints."""
    width = 0.0 if share is None else max(0.0, min(100.0, share)) * BAR_WIDTH / 100
    return (
        f'<svg class="share-bar" aria-hidden="true" focusable="false" width="{BAR_WIDTH}" '
        f'height="{BAR_HEIGHT}" viewBox="0 0 {BAR_WIDTH} {BAR_HEIGHT}">'
        f'<rect x="0" y="0" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" fill="none" '
        f'stroke="{PRIMARY}" stroke-width="1"/>'
        f'<rect x="0" y="0" width="{round(width, 2)}" height="{BAR_HEIGHT}" fill="{PRIMARY}"/>'
        "</svg>"
    )


# --- Rows -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueLabels:
    """The words the catalogue declares for what a published row names only by its key: a
    measure (a profile's, whose measure has no row of its own), a breakdown (its dimension),
    an action plan. A row's own label comes first; a key without either is put in words."""

    measures: Mapping[str, str] = field(default_factory=dict)
    breakdowns: Mapping[tuple[str, str], str] = field(default_factory=dict)
    plans: Mapping[str, str] = field(default_factory=dict)


def catalogue_labels(provider: Any) -> CatalogueLabels:
    """A catalogue provider's labels, read defensively: a catalogue without breakdowns or
    plans declared (or without the fields for them) gives none."""
    measures = tuple(getattr(provider, "measures", ()) or ())
    plans = tuple(getattr(provider, "plans", ()) or ())
    return CatalogueLabels(
        measures={m.key: m.label for m in measures},
        breakdowns={
            (m.key, b.key): b.label
            for m in measures
            for b in getattr(m, "breakdowns", ()) or ()
            if getattr(b, "label", None)
        },
        plans={p.key: p.label for p in plans if getattr(p, "label", None)},
    )


def _labels(rows: list[Row], catalogue_labels: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """measure -> (label, unit), from the published rows that carry them, else the catalogue."""
    found: dict[str, tuple[str, str]] = {
        key: (label, "count") for key, label in catalogue_labels.items()
    }
    for row in rows:
        if row.get("measure") and row.get("label"):
            found[row["measure"]] = (row["label"], row.get("unit") or "count")
    return found


def _figure(row: Row, places: int | None = None) -> Row:
    unit = row.get("unit") or "count"
    withheld = row.get("status") == WITHHELD
    target = row.get("target_quarter")
    if target is None:
        target = row.get("target_year")
    shown = WITHHELD if withheld else figure_text(row.get("value"), unit, places)
    return {
        "shape": FIGURE,
        "measure": row["measure"],
        "label": row.get("label") or key_words(row["measure"]),
        "unit": unit,
        "period_kind": row.get("period_kind"),
        "period_start": row.get("period_start"),
        "period_end": row.get("period_end"),
        "financial_year": row.get("financial_year"),
        "quarter": row.get("quarter"),
        "period": period_label(row.get("period_kind"), row.get("period_start"), row["period_end"]),
        "figure": None if withheld else row.get("value"),
        "figure_shown": shown,
        "status": WITHHELD if withheld else None,
        "is_withheld": withheld,
        "target_shown": target_words(target, row.get("target_high"), row.get("baseline"), unit),
        # A withheld figure's note is why: the figure's own cell says "withheld" in words.
        "note": withheld_words(row.get("note")) if withheld else row.get("note"),
        "target_note": row.get("target_note"),
        "is_quarterly": row.get("period_kind") in QUARTERLY_KINDS,
        "sort_order": row.get("sort_order"),
    }


def _breakdowns(
    rows: list[Row], labels: Mapping[str, tuple[str, str]], names: CatalogueLabels
) -> list[Row]:
    """Each measure's latest profile per dimension, its categories largest first and the
    "not known" category last."""
    latest: dict[tuple[str, str], dt.date] = {}
    for row in rows:
        key = (row["measure"], row["breakdown"])
        latest[key] = max(latest.get(key, row["period_end"]), row["period_end"])
    kept = [r for r in rows if r["period_end"] == latest[(r["measure"], r["breakdown"])]]
    kept.sort(
        key=lambda r: (
            r["measure"],
            r["breakdown"],
            bool(r.get("is_not_known")),
            -(r.get("value") or 0),
            str(r.get("category_label") or r.get("category")),
        )
    )
    out = []
    for row in kept:
        label, unit = labels.get(row["measure"], (key_words(row["measure"]), "count"))
        share = row.get("share_pct")
        category = row.get("category_label") or key_words(row.get("category"))
        out.append(
            {
                "shape": BREAKDOWN,
                "measure": row["measure"],
                "label": label,
                "unit": unit,
                "breakdown": row["breakdown"],
                "breakdown_label": row.get("breakdown_label")
                or names.breakdowns.get((row["measure"], row["breakdown"]))
                or key_words(row["breakdown"]),
                "category": row.get("category"),
                "category_label": category,
                "is_not_known": bool(row.get("is_not_known")),
                "period_kind": row.get("period_kind"),
                "period_start": row.get("period_start"),
                "period_end": row.get("period_end"),
                "period": period_label(
                    row.get("period_kind"), row.get("period_start"), row["period_end"]
                ),
                "figure": row.get("value"),
                "figure_shown": figure_text(row.get("value"), unit),
                "total": row.get("total"),
                "total_shown": figure_text(row.get("total"), unit),
                "share_pct": share,
                "share_shown": format_share(share),
                "bar_svg": share_bar(share),
            }
        )
    return out


def _comparators(rows: list[Row], labels: Mapping[str, tuple[str, str]]) -> list[Row]:
    out = []
    for row in rows:
        label, unit = labels.get(row["measure"], (key_words(row["measure"]), "count"))
        unit = row.get("unit") or unit
        area = row.get("area_label") or key_words(row.get("area"))
        out.append(
            {
                "shape": COMPARATOR,
                "measure": row["measure"],
                "label": row.get("label") or label,
                "unit": unit,
                "area": row.get("area"),
                "area_label": area,
                "comparator_source": row.get("comparator_source"),
                "period_kind": row.get("period_kind"),
                "period_start": row.get("period_start"),
                "period_end": row.get("period_end"),
                "period": period_label(
                    row.get("period_kind"), row.get("period_start"), row["period_end"]
                ),
                "figure": row.get("value"),
                "figure_shown": figure_text(row.get("value"), unit),
                "borough_value": row.get("borough_value"),
                "borough_shown": figure_text(row.get("borough_value"), unit),
                "difference": row.get("difference"),
                "difference_shown": difference_words(row.get("difference"), unit, area),
            }
        )
    out.sort(key=lambda r: (r["measure"], r["period_start"] or dt.date.min, r["area_label"]))
    return out


def _plans(items: list[Row], counts: list[Row], names: CatalogueLabels) -> list[Row]:
    """Each plan's latest status: its counts by status (all five, 0 where none, in the
    papers' order) and its items."""
    latest: dict[str, dt.date] = {}
    for row in [*items, *counts]:
        latest[row["plan"]] = max(latest.get(row["plan"], row["as_at"]), row["as_at"])
    order = list(PLAN_STATUSES)

    def rank(status: str | None) -> int:
        return order.index(status) if status in order else len(order)

    out = []
    for row in sorted(
        (r for r in counts if r["as_at"] == latest[r["plan"]]),
        key=lambda r: (r["plan"], rank(r["status"])),
    ):
        out.append(
            {
                "shape": PLAN_STATUS,
                "plan": row["plan"],
                "label": _plan_label(row, names),
                "as_at": row["as_at"],
                "period": f"as at {day_long(row['as_at'])}",
                "status": row["status"],
                "status_shown": PLAN_STATUSES.get(row["status"], key_words(row["status"])),
                "figure": row.get("items"),
                "figure_shown": figure_text(row.get("items"), "count"),
            }
        )
    for row in sorted(
        (r for r in items if r["as_at"] == latest[r["plan"]]),
        key=lambda r: (r["plan"], rank(r["status"]), str(r.get("theme") or r.get("item"))),
    ):
        out.append(
            {
                "shape": PLAN_ITEM,
                "plan": row["plan"],
                "label": _plan_label(row, names),
                "as_at": row["as_at"],
                "period": f"as at {day_long(row['as_at'])}",
                "item": row.get("item"),
                "item_label": (
                    row.get("item_label") or row.get("theme") or key_words(row.get("item"))
                ),
                "theme": row.get("theme"),
                "owner": row.get("owner"),
                "status": row["status"],
                "status_shown": PLAN_STATUSES.get(row["status"], key_words(row["status"])),
            }
        )
    return out


def _plan_label(row: Row, names: CatalogueLabels) -> str:
    return str(row.get("plan_label") or names.plans.get(row["plan"]) or key_words(row["plan"]))


def derive_shapes(
    rows: list[Row], known: list[Row], names: CatalogueLabels | None = None
) -> list[Row]:
    """The shape rows (`shape` set) as the section prints them and the workbook holds them.

    Args:
        rows: the section's rows of the five shape tables.
        known: rows that name measures' labels and units (the quarterly table's).
        names: the catalogue's labels, for what a row names only by its key.
    """
    by_shape: dict[str, list[Row]] = {shape: [] for shape in SHAPE_TABLES}
    for row in rows:
        by_shape[row["shape"]].append(row)
    names = names or CatalogueLabels()
    labels = _labels([*known, *by_shape[FIGURE], *by_shape[COMPARATOR]], names.measures)
    # A measure's figures are printed to the same decimals: custody rates 0.21, then 0.10.
    places: dict[str, int] = {}
    for row in by_shape[FIGURE]:
        places[row["measure"]] = max(places.get(row["measure"], 0), decimal_places(row["value"]))
    figures = sorted(
        (_figure(r, places[r["measure"]]) for r in by_shape[FIGURE]),
        key=lambda r: (
            r["sort_order"] if r["sort_order"] is not None else 1 << 30,
            r["measure"],
            r["period_start"] or dt.date.min,
        ),
    )
    return [
        *figures,
        *_breakdowns(by_shape[BREAKDOWN], labels, names),
        *_comparators(by_shape[COMPARATOR], labels),
        *_plans(by_shape[PLAN_ITEM], by_shape[PLAN_STATUS], names),
    ]


def shapes_extras(rows: list[Row], quarterly_shown: Set[tuple[str, Any, Any]]) -> dict[str, Any]:
    """The template's groups: the figures the quarterly table does not show, each profile with
    its categories, the comparators, and each action plan with its counts and items.

    Args:
        rows: `derive_shapes`' rows.
        quarterly_shown: (measure, financial_year, quarter) of each figure the quarterly table
            already shows; a quarterly figure among them is not repeated below it.
    """
    figures = [
        r
        for r in rows
        if r["shape"] == FIGURE
        and not (
            r["is_quarterly"]
            and not r["is_withheld"]
            and (r["measure"], r["financial_year"], r["quarter"]) in quarterly_shown
        )
    ]
    profiles: list[dict[str, Any]] = []
    for row in (r for r in rows if r["shape"] == BREAKDOWN):
        if not profiles or (profiles[-1]["measure"], profiles[-1]["breakdown"]) != (
            row["measure"],
            row["breakdown"],
        ):
            profiles.append(
                {
                    "measure": row["measure"],
                    "breakdown": row["breakdown"],
                    "title": f"{row['label']} by {row['breakdown_label'].lower()}, "
                    f"{row['period']} (of {row['total_shown']})",
                    "categories": [],
                }
            )
        profiles[-1]["categories"].append(row)
    plans: list[dict[str, Any]] = []
    for row in (r for r in rows if r["shape"] in (PLAN_STATUS, PLAN_ITEM)):
        plan = next((p for p in plans if p["plan"] == row["plan"]), None)
        if plan is None:
            plan = {"plan": row["plan"], "label": row["label"], "period": row["period"]}
            plan.update(counts=[], items=[])
            plans.append(plan)
        plan["counts" if row["shape"] == PLAN_STATUS else "items"].append(row)
    for plan in plans:
        total = sum(c["figure"] or 0 for c in plan["counts"]) or len(plan["items"])
        plan["summary"] = (
            f"{figure_text(total, 'count')} item{'' if total == 1 else 's'} {plan['period']}: "
            + ", ".join(f"{c['figure_shown']} {c['status_shown'].lower()}" for c in plan["counts"])
        )
    return {
        "other_figures": figures,
        "profiles": profiles,
        "comparators": [r for r in rows if r["shape"] == COMPARATOR],
        "plans": plans,
    }
