"""The pack's sections: each one is a query, a template and, optionally, a sheet.

A board section is added by appending a `Section` to `SECTIONS`: SQL against the published
marts (named parameters from `PackContext.params`), a Jinja template in `templates/sections/`,
and a `Sheet` saying which columns go to the workbook with which number formats. `derive` and
`extras` exist for the few things SQL should not do (plain-words factors, charts); most
sections need neither.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, Literal

from orchestration.publish.pack.charts import RateBar, TrendPoint, rates_chart, trend_chart
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

# RAG fills for the workbook; the HTML uses the same hues in its stylesheet.
RAG_FILLS = {"red": "B3261E", "amber": "F2B705", "green": "1E7A34"}

OGL_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0."
)


@dataclass(frozen=True)
class PackContext:
    """What every section may use: the borough, the month, and labels derived from them."""

    borough: str
    reporting_month: dt.date
    generated_at: dt.datetime

    @property
    def exception_months(self) -> list[dt.date]:
        """M-2, M-1, M: the three months whose exceptions the overview shows."""
        return [add_months(self.reporting_month, k) for k in (-2, -1, 0)]

    @property
    def params(self) -> dict[str, Any]:
        """The named parameters a section's SQL may use (`$borough`, `$month`, ...)."""
        month = self.reporting_month
        return {
            "borough": self.borough,
            "month": month,
            "month_m1": add_months(month, -1),
            "month_m2": add_months(month, -2),
            "trend_from": add_months(month, -23),
            "trend_prev_from": add_months(month, -35),
        }

    @property
    def labels(self) -> dict[str, str]:
        """Header words, also usable as `{placeholders}` in sheet column headers."""
        month = self.reporting_month
        return {
            "borough": self.borough,
            "month_long": month_long(month),
            "month_label": month_label(month),
            "ytd_span": ytd_span(month),
            "ytd_months": str(month.month),
            "r12_span": f"{month_compact(add_months(month, -11))} - {month_compact(month)}",
            "trend_span": f"{month_label(add_months(month, -23))} to {month_label(month)}",
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
    """One part of the pack: a query, a template, and optionally a workbook sheet.

    Attributes:
        key: the HTML anchor and the chart id prefix.
        title: the heading, also listed in the contents.
        sql: a query on the published marts using `PackContext.params` names.
        template: a file under `templates/`.
        sheet: the workbook sheet, or None for an HTML-only section.
        derive: adds computed fields to each row (used by the template and the sheet).
        extras: extra template variables built from the rows (charts, footnotes).
        region: "body" sections follow the overview; "footer" ones close the pack.
        required: an empty result is an error rather than an empty section.
    """

    key: str
    title: str
    sql: str
    template: str
    sheet: Sheet | None = None
    derive: Callable[[list[Row], PackContext], list[Row]] = field(default=_unchanged)
    extras: Callable[[list[Row], PackContext], dict[str, Any]] = field(default=_no_extras)
    region: Literal["body", "footer"] = "body"
    required: bool = False


# --- Overview ---------------------------------------------------------------------------------

OVERVIEW_SQL = """
with overview as (
    select * from marts.kpi_crime_overview
    where borough_name = $borough and reporting_month = $month
),

measures as (
    select * from marts.dim_kpi_measure
),

exceptions as (
    select
        measure,
        max(flag) filter (where month = $month_m2) as exception_m2,
        max(flag) filter (where month = $month_m1) as exception_m1,
        max(flag) filter (where month = $month) as exception_m0
    from marts.kpi_crime_exceptions
    where borough_name = $borough and reporting_month = $month
    group by measure
),

final as (
    select
        overview.measure,
        measures.measure_label,
        measures.denominator,
        measures.direction,
        measures.sort_order,
        overview.borough_code,
        overview.borough_name,
        overview.rag,
        overview.ytd_volume,
        overview.ytd_volume_prev,
        overview.ytd_change_pct,
        overview.r12_volume,
        overview.r12_volume_prev,
        overview.r12_change_pct,
        overview.rate_per_1000,
        overview.london_rank,
        overview.london_rank_of,
        exceptions.exception_m2,
        exceptions.exception_m1,
        exceptions.exception_m0
    from overview
    inner join measures on measures.measure = overview.measure
    left join exceptions on exceptions.measure = overview.measure
)

select * from final order by sort_order, measure
"""


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


OVERVIEW = Section(
    key="overview",
    title="Overview dashboard",
    sql=OVERVIEW_SQL,
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

EXCEPTIONS_SQL = """
with exceptions as (
    select * from marts.kpi_crime_exceptions
    where borough_name = $borough and reporting_month = $month
),

measures as (
    select * from marts.dim_kpi_measure
),

final as (
    select
        exceptions.measure,
        measures.measure_label,
        measures.sort_order,
        exceptions.month,
        exceptions.volume,
        exceptions.expected_mean,
        exceptions.expected_sd,
        exceptions.expected_mean - 2 * exceptions.expected_sd as expected_low,
        exceptions.expected_mean + 2 * exceptions.expected_sd as expected_high,
        exceptions.flag
    from exceptions
    inner join measures on measures.measure = exceptions.measure
)

select * from final order by sort_order, measure, month
"""


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
    sql=EXCEPTIONS_SQL,
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
            SheetColumn("Usual range from (mean - 2 SD)", "expected_low", DECIMAL, width=18),
            SheetColumn("Usual range to (mean + 2 SD)", "expected_high", DECIMAL, width=18),
            SheetColumn("Flag", "flag", width=12),
        ],
    ),
)

# --- Monthly trend ----------------------------------------------------------------------------

TREND_SQL = """
with monthly as (
    select measure, month, volume
    from marts.fct_crime_measure_monthly
    where borough_name = $borough and month between $trend_prev_from and $month
),

measures as (
    select * from marts.dim_kpi_measure
),

final as (
    select
        monthly.measure,
        measures.measure_label,
        measures.sort_order,
        monthly.month,
        monthly.volume,
        year_before.volume as volume_year_before
    from monthly
    inner join measures on measures.measure = monthly.measure
    left join monthly as year_before
        on year_before.measure = monthly.measure
        and year_before.month = cast(monthly.month - interval 12 month as date)
    where monthly.month >= $trend_from
)

select * from final order by sort_order, measure, month
"""


def trend_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """One two-line chart per measure: the last 24 months against the year before."""
    labels = ctx.labels
    charts = []
    for measure, group in _by_measure(rows):
        label = group[0]["measure_label"]
        title = (
            f"{label} in {ctx.borough}, monthly volume {labels['trend_span']}, "
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
    sql=TREND_SQL,
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

RATES_SQL = """
with overview as (
    select * from marts.kpi_crime_overview
    where reporting_month = $month and london_rank is not null
),

measures as (
    select * from marts.dim_kpi_measure
),

final as (
    select
        overview.measure,
        measures.measure_label,
        measures.denominator,
        measures.sort_order,
        overview.london_rank,
        overview.london_rank_of,
        overview.borough_name,
        overview.rate_per_1000,
        overview.r12_volume,
        overview.borough_name = $borough as is_selected
    from overview
    inner join measures on measures.measure = overview.measure
)

select * from final order by sort_order, measure, london_rank, borough_name
"""


def derive_rates(rows: list[Row], ctx: PackContext) -> list[Row]:
    """Marks the chosen borough in words for the workbook."""
    return [{**row, "selected": "Yes" if row["is_selected"] else None} for row in rows]


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
    sql=RATES_SQL,
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

# --- Glossary and sources ---------------------------------------------------------------------

GLOSSARY = Section(
    key="glossary",
    title="Glossary",
    # Words come from dbt, generated from the same variables as the KPI SQL, so the glossary
    # cannot drift from the figures; the renderer adds no definitions of its own.
    sql="select term, definition from marts.kpi_glossary order by sort_order, term",
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
    sql="""
        select * from marts.meta_source_releases
        order by source_name, release_month desc, source_file
    """,
    template="sections/sources.html.j2",
    region="footer",
    sheet=Sheet(
        name="Sources",
        columns=[
            SheetColumn("Source", "source_name", width=36),
            SheetColumn("Release month", "release_month", MONTH, width=12),
            SheetColumn("First month", "first_month", MONTH, width=12),
            SheetColumn("Last month", "last_month", MONTH, width=12),
            SheetColumn("Rows", "row_count", VOLUME, width=10),
            SheetColumn("File", "source_file", width=40),
            SheetColumn("SHA-256", "sha256", width=66),
            SheetColumn("Loaded at (UTC)", "loaded_at", TIMESTAMP, width=17),
            SheetColumn("Licence", "licence", width=30),
        ],
        notes=(OGL_ATTRIBUTION,),
    ),
)

# The order here is the order of the pack and of the workbook's sheets. Later board sections
# (domestic abuse, hate crime, ASB) are added the same way.
SECTIONS: tuple[Section, ...] = (OVERVIEW, EXCEPTIONS, TREND, RATES, GLOSSARY, SOURCES)
