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
    day_long,
    exception_symbol,
    exception_words,
    factor,
    format_figure,
    format_whole_percent,
    month_compact,
    month_label,
    month_long,
    quarter_months,
    rag_letter,
    ytd_span,
)
from orchestration.sources.partner_returns.catalogue import Provider, load_catalogue
from orchestration.sources.partner_returns.quarters import FinancialQuarter

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

# RAG fills for the workbook; the HTML uses the same hues in its stylesheet. Every RAG cell
# shows its letter as well as its colour, so it reads in black and white.
RAG_FILLS = {"R": "B3261E", "A": "F2B705", "G": "1E7A34"}

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
                "rag_letter": rag_letter(row["rag"]),
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


def latest_up_to_month(table: str) -> tuple[str, str]:
    """The borough's latest reporting month in `table` up to the pack's month: for a feed that
    may end before the pack's month, whose section shows the last 12 months it has."""
    return (
        "borough_code = $borough_code",
        f"reporting_month = (select max(reporting_month) from {table} "
        "where borough_code = $borough_code and reporting_month <= $month)",
    )


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
            SheetColumn("RAG", "rag_letter", width=8, fills=RAG_FILLS),
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

# --- The Met's monthly crime dashboard: knife and gun crime, domestic abuse, hate crime ------

DASHBOARD = "met_crime_dashboard"


def derive_dashboard(rows: list[Row], ctx: PackContext) -> list[Row]:
    """Adds the RAG letter and the R12 and YTD factors in words, as on the overview."""
    return [
        {
            **row,
            "rag_letter": rag_letter(row["rag"]),
            "factors": crime_factors(
                row["r12_change_pct"], row["ytd_change_pct"], "decrease_is_positive"
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
    title="Knife and gun crime",
    table="rpt_knife_gun_crime",
    where=BOROUGH_MONTH,
    order_by="sort_order, measure",
    source=DASHBOARD,
    template="sections/knife_gun.html.j2",
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
    title="Domestic abuse",
    table="rpt_domestic_abuse",
    where=BOROUGH_MONTH,
    order_by="sort_order, measure",
    source=DASHBOARD,
    template="sections/domestic_abuse.html.j2",
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

# --- Domestic abuse incidents: the incidents extract beside the dashboard's offences ---------

DA_INCIDENTS_UNIT = "domestic_abuse"


def derive_da_incidents(rows: list[Row], ctx: PackContext) -> list[Row]:
    """The period in words and the change in the share of incidents that become offences."""
    derived = []
    for row in rows:
        now, before = row["offences_per_100_incidents"], row["offences_per_100_incidents_prev"]
        derived.append(
            {
                **row,
                "period": f"12 months to {month_long(row['reporting_month'])}",
                "share_change_points": None if now is None or before is None else now - before,
            }
        )
    return derived


DA_INCIDENTS = Section(
    key="da_incidents",
    title="Domestic abuse incidents",
    table="kpi_da_incidents_to_offences",
    where=latest_up_to_month("kpi_da_incidents_to_offences"),
    source=DA_INCIDENTS_UNIT,
    template="sections/da_incidents.html.j2",
    derive=derive_da_incidents,
    sheet=Sheet(
        name="Domestic abuse incidents",
        columns=[
            SheetColumn("Period", "period", width=26),
            SheetColumn("Domestic abuse incidents", "r12_da_incidents", VOLUME),
            SheetColumn("Incidents a year before", "r12_da_incidents_prev", VOLUME),
            SheetColumn("Change", "r12_change_pct", PERCENT, divide_by=100),
            SheetColumn("Incidents per 1,000 residents", "rate_per_1000", RATE),
            SheetColumn("London rank (1 = lowest rate)", "london_rank", INTEGER, width=16),
            SheetColumn("Domestic abuse offences, same 12 months", "r12_da_offences", VOLUME),
            SheetColumn(
                "Offences per 100 incidents", "offences_per_100_incidents", PERCENT, divide_by=100
            ),
            SheetColumn("A year before", "offences_per_100_incidents_prev", PERCENT, divide_by=100),
        ],
        notes=(
            "Incidents from the Met's monthly extract for the partnership; offences from the "
            "Met's crime dashboard. The Met flags the two separately, so the share is a ratio "
            "of two counts, not incidents followed through to offences.",
        ),
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
    title="Hate crime",
    table="rpt_hate_crime",
    where=BOROUGH_MONTH,
    order_by="sort_order, period_order, period_start desc",
    source=DASHBOARD,
    template="sections/hate_crime.html.j2",
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

# --- MOPAC: public confidence, victim satisfaction, offender management -------------------------
#
# Quarterly sections, each showing its source's latest quarter for the pack's borough (not the
# quarter of the reporting month: MOPAC's figures reach the board a quarter or more after the
# crime figures), and saying which quarter that is. A build as of a date shows the quarter that
# was latest then (docs/decisions.md).

POINTS = "+0;-0;0"
PERCENT_WHOLE = "0%"
PERCENT_ONE_PLACE = "0.0%"
MOPAC_PAS = "mopac_pas"
MOPAC_USS = "mopac_uss"
MOPAC_IOM = "mopac_iom"
# The risk matrix's categories, as the IOM data store names them, with the letter the pack
# prints inside each coloured cell (so it reads in black and white too).
RISK_CATEGORIES = (
    ("risk_red", "R", "Red"),
    ("risk_amber", "A", "Amber"),
    ("risk_green", "G", "Green"),
    ("risk_blue", "B", "Blue (in custody or on remand)"),
)


def quarter_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """The quarter the rows show, in the source's label and in months."""
    if not rows:
        return {"quarter": None}
    first = rows[0]
    return {
        "quarter": {
            "label": first["period_label"],
            "months": quarter_months(first["period_start"], first["period_end"]),
        }
    }


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


def derive_iom(rows: list[Row], ctx: PackContext) -> list[Row]:
    """Adds the months of each quarter and the risk matrix as letters and counts."""
    derived = []
    for row in rows:
        risk = [
            {"key": key[5:], "letter": letter, "words": words, "count": row.get(key)}
            for key, letter, words in RISK_CATEGORIES
            if row.get(key) is not None
        ]
        derived.append(
            {
                **row,
                "months": quarter_months(row["period_start"], row["period_end"]),
                "risk": risk,
                "risk_text": ", ".join(f"{r['letter']} {r['count']}" for r in risk) or None,
            }
        )
    return derived


def derive_iom_comparison(rows: list[Row], ctx: PackContext) -> list[Row]:
    """Adds the decimals a printed rate was given to (24 -> 0, 27.2 -> 1), to print it so."""
    return [
        {
            **row,
            "reported_rate_places": (
                0
                if row["reported_rate_pct"] is None
                or row["reported_rate_pct"] == round(row["reported_rate_pct"])
                else 1
            ),
        }
        for row in rows
    ]


def iom_comparison_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """The quarter, and whether any printed rate differs from the recomputed one."""
    extras = quarter_extras(rows, ctx)
    extras["any_printed_differs"] = any(row["reported_rate_differs"] for row in rows)
    return extras


PUBLIC_CONFIDENCE = Section(
    key="public_confidence",
    title="Public confidence",
    table="rpt_public_confidence",
    where=("borough_code = $borough_code", "is_latest"),
    order_by="sort_order, measure",
    source=MOPAC_PAS,
    template="sections/public_confidence.html.j2",
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

VICTIM_SATISFACTION = Section(
    key="victim_satisfaction",
    title="Victim satisfaction",
    table="rpt_victim_satisfaction",
    where=("borough_code = $borough_code",),
    order_by="sort_order, area",
    source=MOPAC_USS,
    template="sections/victim_satisfaction.html.j2",
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

IOM_TREND = Section(
    key="iom_trend",
    title="Offender management (IOM): the cohort by quarter",
    table="rpt_iom_trend",
    where=("borough_code = $borough_code",),
    order_by="period_start",
    source=MOPAC_IOM,
    template="sections/iom_trend.html.j2",
    derive=derive_iom,
    sheet=Sheet(
        name="IOM cohort",
        columns=[
            SheetColumn("Quarter", "period_label", width=12),
            SheetColumn("Months", "months", width=14),
            SheetColumn("Offenders in cohort", "offenders_in_cohort", VOLUME),
            SheetColumn("Offenders charged", "offenders_charged", VOLUME),
            SheetColumn("Charged during cohort", "offenders_charged_during_cohort", VOLUME),
            SheetColumn(
                "Share of cohort charged (not the MoJ proven reoffending rate)",
                "share_of_cohort_charged_pct",
                PERCENT_ONE_PLACE,
                width=18,
                divide_by=100,
            ),
            SheetColumn("Charged offences", "charged_offences", VOLUME),
            SheetColumn("Risk: Red", "risk_red", VOLUME, width=10),
            SheetColumn("Risk: Amber", "risk_amber", VOLUME, width=10),
            SheetColumn("Risk: Green", "risk_green", VOLUME, width=10),
            SheetColumn("Risk: Blue (custody)", "risk_blue", VOLUME, width=10),
            SheetColumn("Statutory", "statutory", VOLUME, width=10),
            SheetColumn("Non-statutory", "non_statutory", VOLUME, width=10),
            SheetColumn("Note", "note", width=60),
        ],
    ),
)

IOM_COMPARISON = Section(
    key="iom_comparison",
    title="Offender management (IOM): against London",
    table="rpt_iom_comparison",
    where=("borough_code = $borough_code",),
    order_by="sort_order, area",
    source=MOPAC_IOM,
    template="sections/iom_comparison.html.j2",
    derive=derive_iom_comparison,
    extras=iom_comparison_extras,
    sheet=Sheet(
        name="IOM against London",
        columns=[
            SheetColumn("Area", "area", width=16),
            SheetColumn("Quarter", "period_label", width=12),
            SheetColumn("Offenders in cohort", "offenders_in_cohort", VOLUME),
            SheetColumn("Offenders charged", "offenders_charged", VOLUME),
            SheetColumn("Charged during cohort", "offenders_charged_during_cohort", VOLUME),
            SheetColumn("Charged offences", "charged_offences", VOLUME),
            SheetColumn(
                "Share of cohort charged, from the counts",
                "share_of_cohort_charged_pct",
                PERCENT_ONE_PLACE,
                width=18,
                divide_by=100,
            ),
            SheetColumn(
                "Rate as printed by the return",
                "reported_rate_pct",
                PERCENT_ONE_PLACE,
                divide_by=100,
            ),
            SheetColumn("Note", "note", width=60),
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


# --- Partnership: the providers' returns ------------------------------------------------------


def _quarter_columns(rows: list[Row]) -> list[dict[str, Any]]:
    """The quarters of the year a provider's table shows: those with any figure, and the
    latest (as the board's papers print them: Q1 to Q4 of 2022/23 for the MARAC)."""
    if not rows:
        return []
    latest = int(rows[0]["latest_quarter"])
    year = str(rows[0]["financial_year"])
    short = f"{year[2:4]}/{year[5:7]}"
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
    quarter = FinancialQuarter(int(str(first["financial_year"])[:4]), int(first["latest_quarter"]))
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


def partner_section(provider: Provider) -> Section:
    """A provider's section, built from the catalogue like its source and its dbt models."""
    return Section(
        key=f"partner_{provider.key}",
        title=provider.section,
        table=f"rpt_partner_{provider.key}",
        order_by="sort_order, measure",
        source=provider.source_key,
        template="sections/partner.html.j2",
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


MARAC_BENCHMARK = Section(
    key="marac_benchmark",
    title="MARAC referrals against the SafeLives recommendation",
    table="rpt_marac_benchmark",
    where=("recency = 1",),
    source="partner_marac",
    template="sections/marac_benchmark.html.j2",
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


# --- ASB calls and repeat callers --------------------------------------------------------------


def derive_asb(rows: list[Row], ctx: PackContext) -> list[Row]:
    """The July 2021 pack's ASB line: the factors in words and the RAG letter."""
    derived = []
    for row in rows:
        factors = [
            factor(row["repeat_asb_calls_change_pct"], "repeat ASB calls", "decrease_is_positive"),
            factor(row["asb_calls_change_pct"], "total ASB calls", "decrease_is_positive"),
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
    title="Anti-social behaviour: calls and repeat calls",
    table="rpt_asb_calls",
    where=latest_up_to_month("rpt_asb_calls"),
    source="met_asb_calls",
    template="sections/asb_calls.html.j2",
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

PARTNER_SECTIONS: tuple[Section, ...] = tuple(
    section
    for provider in load_catalogue()
    for section in (
        (partner_section(provider), MARAC_BENCHMARK)
        if provider.source_key == MARAC_BENCHMARK.source
        else (partner_section(provider),)
    )
)

# The order here is the order of the pack and of the workbook's sheets.
SECTIONS: tuple[Section, ...] = (
    OVERVIEW,
    EXCEPTIONS,
    TREND,
    RATES,
    WARDS,
    WARD_TRENDS,
    KNIFE_GUN,
    DOMESTIC_ABUSE,
    DA_INCIDENTS,
    HATE_CRIME,
    PUBLIC_CONFIDENCE,
    VICTIM_SATISFACTION,
    IOM_TREND,
    IOM_COMPARISON,
    *PARTNER_SECTIONS,
    ASB_CALLS,
    GLOSSARY,
    SOURCES,
)
