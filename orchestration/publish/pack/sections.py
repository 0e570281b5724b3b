"""The pack's sections: each one is a published table, a template and, optionally, a sheet.

A board section is added by appending a `Section` to `SECTIONS`: the reporting table it reads
(a dbt model in `dbt_project/models/reporting/`, filtered to the pack's borough and month), a
Jinja template in `templates/sections/`, and a `Sheet` saying which columns go to the workbook
with which number formats. The SQL that shapes a section lives in its dbt model, where it is
tested; `derive` and `extras` exist for the few things SQL should not do (plain-words
factors, charts). Each section names the source it shows, so the pack can say which release
it is and mark it stale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, Literal

from orchestration.lib.boroughs import Borough
from orchestration.publish.pack.charts import (
    RateBar,
    TrendPoint,
    WardPoint,
    rates_chart,
    trend_chart,
    ward_chart,
)
from orchestration.publish.pack.formatting import (
    add_months,
    borough_slug,
    crime_factors,
    exception_symbol,
    exception_words,
    month_compact,
    month_label,
    month_long,
    ytd_span,
)

Row = dict[str, Any]

# Excel number formats the issue asks for: whole-percent changes, two-place rates, volumes
# with thousands separators.
PERCENT = "0%"
RATE = "0.00"
VOLUME = "#,##0"
DECIMAL = "#,##0.0"
MONTH = "mmm-yy"
TIMESTAMP = "yyyy-mm-dd hh:mm"
INTEGER = "0"

# How many months the ward trends show.
WARD_TREND_MONTHS = 36

# RAG fills for the workbook; the HTML uses the same hues in its stylesheet.
RAG_FILLS = {"red": "B3261E", "amber": "F2B705", "green": "1E7A34"}

OGL_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0."
)


@dataclass(frozen=True)
class PackContext:
    """What every section may use: the borough, the month, and labels derived from them.

    Attributes:
        publication: source key -> its row of `meta_publication` (release, stale, reason).
        as_of: the date the pack's releases were published by, when it was built as of one.
    """

    borough: Borough
    reporting_month: dt.date
    generated_at: dt.datetime
    publication: Mapping[str, Row] = field(default_factory=dict)
    as_of: dt.date | None = None

    @property
    def params(self) -> dict[str, Any]:
        """The named parameters a section's SQL may use (`$borough`, `$month`, ...)."""
        month = self.reporting_month
        return {
            "borough_code": self.borough.code,
            "month": month,
            "trend_from": add_months(month, -23),
            # Three years: far enough back to show the wards across the May 2022 change.
            "ward_trend_from": add_months(month, -WARD_TREND_MONTHS + 1),
        }

    @property
    def labels(self) -> dict[str, str]:
        """Header words, also usable as `{placeholders}` in sheet column headers."""
        month = self.reporting_month
        return {
            "borough": self.borough.name,
            "month_long": month_long(month),
            "month_label": month_label(month),
            "ytd_span": ytd_span(month),
            "ytd_months": str(month.month),
            "r12_span": f"{month_compact(add_months(month, -11))} - {month_compact(month)}",
            "trend_span": f"{month_label(add_months(month, -23))} to {month_label(month)}",
            "ward_trend_span": (
                f"{month_label(add_months(month, -WARD_TREND_MONTHS + 1))} to {month_label(month)}"
            ),
            "m2_label": month_label(add_months(month, -2)),
            "m1_label": month_label(add_months(month, -1)),
            "m0_label": month_label(month),
        }


@dataclass(frozen=True)
class SheetColumn:
    """One workbook column: where its values come from and how Excel should show them.

    Attributes:
        header: may hold `{placeholders}` from `PackContext.labels`.
        field: the row key.
        number_format: an Excel number format, or None for text.
        width: column width in characters.
        divide_by: divides numbers; 100 turns the marts' percent points into the fractions
            Excel's "0%" expects (dividing, not multiplying by 0.01, rounds only once).
        fills: value -> RGB fill, e.g. the RAG colours.
    """

    header: str
    field: str
    number_format: str | None = None
    width: float = 14.0
    divide_by: float = 1.0
    fills: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Sheet:
    """A section's workbook sheet: a header row (frozen) and one row per query row."""

    name: str
    columns: Sequence[SheetColumn]
    notes: Sequence[str] = ()


def _by_measure(rows: list[Row]) -> list[tuple[str, list[Row]]]:
    """Groups rows (already ordered by sort_order, measure) into one list per measure."""
    return [(key, list(group)) for key, group in groupby(rows, key=lambda r: r["measure"])]


def _unchanged(rows: list[Row], ctx: PackContext) -> list[Row]:
    return rows


def _no_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Section:
    """One part of the pack: a published table, a template, and optionally a workbook sheet.

    Attributes:
        key: the HTML anchor and the chart id prefix.
        title: the heading, also listed in the contents.
        table: the published table the section reads.
        where: conditions on it, each using `PackContext.params` names (`$borough_code`).
        order_by: the rows' order.
        source: the publication unit (a source key) whose release the section shows, or None
            for sections about the pack itself.
        template: a file under `templates/`.
        sheet: the workbook sheet, or None for an HTML-only section.
        derive: adds computed fields to each row (used by the template and the sheet).
        extras: extra template variables built from the rows (charts, footnotes).
        region: "body" sections follow the overview; "footer" ones close the pack.
        required: an empty result is an error rather than an empty section.
    """

    key: str
    title: str
    table: str
    template: str
    where: tuple[str, ...] = ()
    order_by: str = "1"
    source: str | None = None
    sheet: Sheet | None = None
    derive: Callable[[list[Row], PackContext], list[Row]] = field(default=_unchanged)
    extras: Callable[[list[Row], PackContext], dict[str, Any]] = field(default=_no_extras)
    region: Literal["body", "footer"] = "body"
    required: bool = False

    @property
    def query(self) -> str:
        """The one-line query: the table, filtered to the pack's borough and month."""
        where = f" where {' and '.join(self.where)}" if self.where else ""
        return f"select * from {self.table}{where} order by {self.order_by}"


# --- Overview ---------------------------------------------------------------------------------


def derive_overview(rows: list[Row], ctx: PackContext) -> list[Row]:
    """Adds the plain-words factors and the three months' exception symbols to each row."""
    labels = ctx.labels
    month_labels = [labels["m2_label"], labels["m1_label"], labels["m0_label"]]
    derived = []
    for row in rows:
        factors = crime_factors(row["r12_change_pct"], row["ytd_change_pct"], row["direction"])
        flags = [row["exception_m2"], row["exception_m1"], row["exception_m0"]]
        derived.append(
            {
                **row,
                "factors": factors,
                "factors_text": "; ".join(f.text for f in factors),
                "exceptions": [
                    {
                        "label": label,
                        "flag": flag or "missing",
                        "symbol": exception_symbol(flag),
                        "words": exception_words(flag),
                    }
                    for label, flag in zip(month_labels, flags, strict=True)
                ],
            }
        )
    return derived


def overview_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """The peer-comparison footnote, worded from each measure's denominator."""
    other = [
        f"per 1,000 {row['denominator']} for {row['measure_label']}"
        for row in rows
        if row["denominator"] != "population"
    ]
    of = sorted({row["london_rank_of"] for row in rows if row["london_rank_of"] is not None})
    return {
        "rank_note_exceptions": other,
        "rank_of": of[0] if len(of) == 1 else None,
    }


BOROUGH_MONTH = ("borough_code = $borough_code", "reporting_month = $month")
CRIME = "met_recorded_crime"

OVERVIEW = Section(
    key="overview",
    title="Overview dashboard",
    table="rpt_crime_overview",
    where=BOROUGH_MONTH,
    order_by="sort_order, measure",
    source=CRIME,
    template="sections/overview.html.j2",
    derive=derive_overview,
    extras=overview_extras,
    required=True,
    sheet=Sheet(
        name="Overview",
        columns=[
            SheetColumn("Measure", "measure_label", width=34),
            SheetColumn("RAG", "rag", width=8, fills=RAG_FILLS),
            SheetColumn("Positive / negative factors", "factors_text", width=70),
            SheetColumn("Volume ({ytd_span})", "ytd_volume", VOLUME),
            SheetColumn("Volume a year before", "ytd_volume_prev", VOLUME),
            SheetColumn("YTD change vs. previous yr.", "ytd_change_pct", PERCENT, divide_by=100),
            SheetColumn("Recent 12 months (to {month_long})", "r12_volume", VOLUME, width=18),
            SheetColumn("Previous 12 months", "r12_volume_prev", VOLUME),
            SheetColumn("R12 change vs. previous yr.", "r12_change_pct", PERCENT, divide_by=100),
            SheetColumn("Rate per 1,000", "rate_per_1000", RATE),
            SheetColumn("Rate denominator", "denominator", width=14),
            SheetColumn("London rank", "london_rank", INTEGER, width=10),
            SheetColumn("Ranked of", "london_rank_of", INTEGER, width=10),
            SheetColumn("Exception {m2_label}", "exception_m2", width=12),
            SheetColumn("Exception {m1_label}", "exception_m1", width=12),
            SheetColumn("Exception {m0_label}", "exception_m0", width=12),
        ],
    ),
)

# --- Exceptions -------------------------------------------------------------------------------


def derive_exceptions(rows: list[Row], ctx: PackContext) -> list[Row]:
    """Adds the month header, the symbol and its words, as in the overview."""
    return [
        {
            **row,
            "month_label": month_label(row["month"]),
            "symbol": exception_symbol(row["flag"]),
            "words": exception_words(row["flag"]),
        }
        for row in rows
    ]


def exceptions_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """The months grouped by measure: one row group (a card on a phone) per measure."""
    return {
        "groups": [
            {"measure": measure, "label": group[0]["measure_label"], "rows": group}
            for measure, group in _by_measure(rows)
        ]
    }


EXCEPTIONS = Section(
    key="exceptions",
    title="Monthly exceptions",
    table="rpt_crime_exceptions",
    where=BOROUGH_MONTH,
    order_by="sort_order, measure, month",
    source=CRIME,
    template="sections/exceptions.html.j2",
    derive=derive_exceptions,
    extras=exceptions_extras,
    sheet=Sheet(
        name="Exceptions",
        columns=[
            SheetColumn("Measure", "measure_label", width=34),
            SheetColumn("Month", "month", MONTH, width=10),
            SheetColumn("Volume", "volume", VOLUME, width=10),
            SheetColumn("Expected (mean of prior 24 months)", "expected_mean", DECIMAL, width=18),
            SheetColumn("Standard deviation", "expected_sd", DECIMAL),
            SheetColumn("Usual range from", "usual_range_low", DECIMAL, width=18),
            SheetColumn("Usual range to", "usual_range_high", DECIMAL, width=18),
            SheetColumn("Flag", "flag", width=12),
        ],
    ),
)

# --- Monthly trend ----------------------------------------------------------------------------


def trend_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """One two-line chart per measure: the last 24 months against the year before."""
    labels = ctx.labels
    charts = []
    for measure, group in _by_measure(rows):
        label = group[0]["measure_label"]
        title = (
            f"{label} in {ctx.borough.name}, monthly volume {labels['trend_span']}, "
            "against the same months a year before"
        )
        points = [TrendPoint(r["month"], r["volume"], r["volume_year_before"]) for r in group]
        charts.append(
            {
                "measure": measure,
                "label": label,
                "svg": trend_chart(f"trend-{borough_slug(measure)}", title, points),
            }
        )
    return {"charts": charts}


TREND = Section(
    key="trend",
    title="Monthly trend",
    table="rpt_crime_trend",
    where=("borough_code = $borough_code", "month between $trend_from and $month"),
    order_by="sort_order, measure, month",
    source=CRIME,
    template="sections/trend.html.j2",
    extras=trend_extras,
    sheet=Sheet(
        name="Monthly trend",
        columns=[
            SheetColumn("Measure", "measure_label", width=34),
            SheetColumn("Month", "month", MONTH, width=10),
            SheetColumn("Volume", "volume", VOLUME, width=10),
            SheetColumn("Same month a year before", "volume_year_before", VOLUME, width=16),
        ],
    ),
)

# --- Rates and London rank --------------------------------------------------------------------


def derive_rates(rows: list[Row], ctx: PackContext) -> list[Row]:
    """Marks the chosen borough, in words for the workbook."""
    return [
        {
            **row,
            "is_selected": row["borough_code"] == ctx.borough.code,
            "selected": "Yes" if row["borough_code"] == ctx.borough.code else None,
        }
        for row in rows
    ]


def rates_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """One sorted bar chart per measure, with the chosen borough's row for the caption."""
    charts = []
    for measure, group in _by_measure(rows):
        label = group[0]["measure_label"]
        denominator = group[0]["denominator"]
        selected = next((r for r in group if r["is_selected"]), None)
        title = (
            f"{label}: rate per 1,000 {denominator} in the 12 months to "
            f"{ctx.labels['month_long']}, London boroughs from lowest to highest"
        )
        bars = [
            RateBar(r["borough_name"], r["rate_per_1000"] or 0.0, bool(r["is_selected"]))
            for r in group
        ]
        charts.append(
            {
                "measure": measure,
                "label": label,
                "denominator": denominator,
                "selected": selected,
                "svg": rates_chart(f"rates-{borough_slug(measure)}", title, bars),
            }
        )
    return {"charts": charts}


RATES = Section(
    key="rates",
    title="Peer comparison: rates per 1,000",
    table="rpt_crime_overview",
    where=("reporting_month = $month", "london_rank is not null"),
    order_by="sort_order, measure, london_rank, borough_name",
    source=CRIME,
    template="sections/rates.html.j2",
    derive=derive_rates,
    extras=rates_extras,
    sheet=Sheet(
        name="Rates",
        columns=[
            SheetColumn("Measure", "measure_label", width=34),
            SheetColumn("London rank", "london_rank", INTEGER, width=10),
            SheetColumn("Ranked of", "london_rank_of", INTEGER, width=10),
            SheetColumn("Borough", "borough_name", width=24),
            SheetColumn("Rate per 1,000 (12 months to {month_long})", "rate_per_1000", RATE),
            SheetColumn("Rate denominator", "denominator", width=14),
            SheetColumn("Volume, recent 12 months", "r12_volume", VOLUME),
            SheetColumn("{borough}", "selected", width=10),
        ],
    ),
)

# --- Wards ------------------------------------------------------------------------------------

WARD_CRIME = "met_ward_crime"


def wards_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """The ward table: one row per ward (lowest all-measure rank first is not meaningful, so
    by name), one cell per measure, in the pack's measure order."""
    measures: dict[str, str] = {}
    wards: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: (r["sort_order"], r["measure"])):
        measures.setdefault(row["measure"], row["measure_label"])
        ward = wards.setdefault(
            row["ward_code"],
            {"ward_code": row["ward_code"], "ward_name": row["ward_name"], "cells": {}},
        )
        ward["cells"][row["measure"]] = row
    return {
        "measures": list(measures.items()),
        "wards": sorted(wards.values(), key=lambda ward: ward["ward_name"]),
        "any_apportioned": any(row["is_apportioned"] for row in rows),
    }


WARDS = Section(
    key="wards",
    title="Wards",
    table="rpt_ward_overview",
    where=BOROUGH_MONTH,
    order_by="ward_name, sort_order, measure",
    source=WARD_CRIME,
    template="sections/wards.html.j2",
    extras=wards_extras,
    sheet=Sheet(
        name="Wards",
        columns=[
            SheetColumn("Ward", "ward_name", width=28),
            SheetColumn("Ward code", "ward_code", width=12),
            SheetColumn("Measure", "measure_label", width=34),
            SheetColumn("Recent 12 months (to {month_long})", "r12_volume", DECIMAL, width=18),
            SheetColumn("Previous 12 months", "r12_volume_prev", DECIMAL),
            SheetColumn("R12 change vs. previous yr.", "r12_change_pct", PERCENT, divide_by=100),
            SheetColumn("Rank in borough (1 = lowest)", "borough_rank", INTEGER, width=12),
            SheetColumn("Exception {m0_label}", "exception_flag", width=12),
            SheetColumn("Months apportioned from old wards", "months_apportioned", INTEGER),
        ],
        notes=(
            "Volumes before a borough's 2022 wards were published are apportioned from its old "
            "wards (fct_ward_crosswalk), so they can be fractional.",
        ),
    ),
)


def ward_trends_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """One small chart per ward, every ward on the same scale."""
    top = max((float(row["volume"]) for row in rows), default=0.0)
    charts = []
    for code, group in groupby(rows, key=lambda row: row["ward_code"]):
        ward_rows = list(group)
        name = ward_rows[0]["ward_name"]
        points = [
            WardPoint(row["month"], float(row["volume"]), bool(row["is_apportioned"]))
            for row in ward_rows
        ]
        title = f"All recorded crime in {name}, monthly, {ctx.labels['ward_trend_span']}"
        charts.append(
            {
                "ward_code": code,
                "ward_name": name,
                "apportioned": any(point.apportioned for point in points),
                "svg": ward_chart(f"ward-{code}", title, points, top),
            }
        )
    return {"charts": charts}


WARD_TRENDS = Section(
    key="ward_trends",
    title="Ward trends",
    table="rpt_ward_trend",
    where=("borough_code = $borough_code", "month between $ward_trend_from and $month"),
    order_by="ward_name, ward_code, month",
    source=WARD_CRIME,
    template="sections/ward_trends.html.j2",
    extras=ward_trends_extras,
    sheet=Sheet(
        name="Ward trends",
        columns=[
            SheetColumn("Ward", "ward_name", width=28),
            SheetColumn("Ward code", "ward_code", width=12),
            SheetColumn("Month", "month", MONTH, width=10),
            SheetColumn("All recorded crime", "volume", DECIMAL, width=14),
            SheetColumn("Apportioned from old wards", "is_apportioned", width=14),
        ],
    ),
)

# --- Glossary and sources ---------------------------------------------------------------------

GLOSSARY = Section(
    key="glossary",
    title="Glossary",
    # Words come from dbt, generated from the same variables as the KPI SQL, so the glossary
    # cannot drift from the figures; the renderer adds no definitions of its own.
    table="kpi_glossary",
    order_by="sort_order, term",
    template="sections/glossary.html.j2",
    sheet=Sheet(
        name="Glossary",
        columns=[
            SheetColumn("Term", "term", width=28),
            SheetColumn("Definition", "definition", width=110),
        ],
    ),
)

SOURCES = Section(
    key="sources",
    title="Data sources",
    # Written by the publish step: the files each source's published tables come from.
    table="meta_source_files",
    order_by="source, released_on desc, file",
    template="sections/sources.html.j2",
    region="footer",
    sheet=Sheet(
        name="Sources",
        columns=[
            SheetColumn("Source", "title", width=36),
            SheetColumn("Release", "release", width=12),
            SheetColumn("First period", "first_period", MONTH, width=12),
            SheetColumn("Last period", "last_period", MONTH, width=12),
            SheetColumn("Rows", "rows", VOLUME, width=10),
            SheetColumn("File", "file", width=40),
            SheetColumn("SHA-256", "sha256", width=66),
            SheetColumn("Loaded at (UTC)", "loaded_at", TIMESTAMP, width=17),
            SheetColumn("Licence", "licence", width=30),
        ],
        notes=(OGL_ATTRIBUTION,),
    ),
)

# The order here is the order of the pack and of the workbook's sheets. Later board sections
# (domestic abuse, hate crime, ASB) are added the same way.
SECTIONS: tuple[Section, ...] = (
    OVERVIEW,
    EXCEPTIONS,
    TREND,
    RATES,
    WARDS,
    WARD_TRENDS,
    GLOSSARY,
    SOURCES,
)
