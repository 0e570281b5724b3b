"""What a pack section is: a published table, a template and, optionally, a workbook sheet.

Each source declares the sections that show its tables in its own folder
(`orchestration/sources/<key>/pack.py`, a `SECTIONS` tuple), and the pack finds them there
(`orchestration/publish/pack/`). A section names the reporting table it reads (a dbt model in
`dbt_project/models/reporting/<unit>/`, filtered to the pack's borough and month), a Jinja
template beside it, and a `Sheet` saying which columns go to the workbook with which number
formats. The SQL that shapes a section lives in its dbt model, where it is tested; `derive` and
`extras` exist for the few things SQL should not do (plain-words factors, charts). Each section
names the unit it shows, so the pack can say which release it is and mark it stale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, Literal

from orchestration.lib.boroughs import Borough
from orchestration.lib.periods import add_months, parse_financial_year, rolling_window
from orchestration.sections.formatting import (
    month_compact,
    month_label,
    month_long,
    quarter_months,
    ytd_span,
)

Row = dict[str, Any]

PERCENT = "0%"
RATE = "0.00"
VOLUME = "#,##0"
DECIMAL = "#,##0.0"
MONTH = "mmm-yy"
TIMESTAMP = "yyyy-mm-dd hh:mm"
INTEGER = "0"
POINTS = "+0;-0;0"
PERCENT_WHOLE = "0%"
PERCENT_ONE_PLACE = "0.0%"

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
            # The rolling 12 months to the pack's month: a new source's section shows them.
            "r12_from": rolling_window(month)[0],
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
            "r12_span": f"{month_compact(rolling_window(month)[0])} - {month_compact(month)}",
            "trend_span": f"{month_label(add_months(month, -23))} to {month_label(month)}",
            "ward_trend_span": (
                f"{month_label(add_months(month, -WARD_TREND_MONTHS + 1))} to {month_label(month)}"
            ),
            "m2_label": month_label(add_months(month, -2)),
            "m1_label": month_label(add_months(month, -1)),
            "m0_label": month_label(month),
        }


@dataclass(frozen=True)
class Period:
    """The months a section's figures cover, as its header says them.

    Attributes:
        end: the first day of the last month the figures cover.
        start: the first day of the first month, when the section shows one span (a quarter, a
            trend); None when it shows figures up to `end` (a month, its year to date).
    """

    end: dt.date
    start: dt.date | None = None

    @property
    def label(self) -> str:
        """'Figures to January 2024', or 'Figures for January to March 2023'."""
        if self.start is None or self.start >= self.end:
            return f"Figures to {month_long(self.end)}"
        first = f"{self.start:%B}" if self.start.year == self.end.year else month_long(self.start)
        return f"Figures for {first} to {month_long(self.end)}"


def _first_of(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.replace(day=1) if isinstance(value, dt.date) else None


def rows_period(rows: list[Row], ctx: PackContext) -> Period | None:
    """The period a section's rows cover, read from the rows themselves.

    The latest `reporting_month` (the crime, ward, dashboard and monthly feeds' sections), else
    the latest quarter's `period_start` to `period_end` (MOPAC's and the partners'), else the
    span of `month` (a trend), else the `financial_year` (a yearly benchmark). None for rows
    with none of these (the glossary, the sources).
    """
    if not rows:
        return None
    months = [m for m in (_first_of(r.get("reporting_month")) for r in rows) if m]
    if months:
        return Period(end=max(months))
    ends: list[tuple[dt.date, dt.date | None]] = []
    for row in rows:
        last = _first_of(row.get("period_end"))
        if last:
            ends.append((last, _first_of(row.get("period_start"))))
    if ends:
        end = max(e for e, _ in ends)
        starts = [s for e, s in ends if e == end and s]
        return Period(end=end, start=min(starts) if starts else None)
    trend = [m for m in (_first_of(r.get("month")) for r in rows) if m]
    if trend:
        return Period(end=max(trend), start=min(trend))
    years = [r.get("financial_year") for r in rows if r.get("financial_year")]
    if years:
        first = max(parse_financial_year(str(y)) for y in years)
        return Period(end=dt.date(first + 1, 3, 1), start=dt.date(first, 4, 1))
    return None


# A section's theme on page one, when it names none, by its place in the pack (`order`).
THEMES_BY_ORDER = (
    (200, "Recorded crime"),
    (300, "Wards"),
    (400, "Knife crime, domestic abuse and hate crime"),
    (500, "Confidence, satisfaction and offender management"),
    (700, "Partnership"),
    (800, "Anti-social behaviour"),
)


def theme_for_order(order: int) -> str:
    """The theme of a section at `order` in the pack ('' past the themed sections)."""
    return next((theme for below, theme in THEMES_BY_ORDER if order < below), "")


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


def by_measure(rows: list[Row]) -> list[tuple[str, list[Row]]]:
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
        order: where the section stands in the pack and the workbook, lowest first (the
            crime overview is 100, the glossary 900).
        table: the published table the section reads.
        where: conditions on it, each using `PackContext.params` names (`$borough_code`).
        order_by: the rows' order.
        source: the publication unit (a source key) whose release the section shows, or None
            for sections about the pack itself.
        template: the section's Jinja template: `<package>/<file>` beside the source's
            `pack.py` (`met_recorded_crime/overview.html.j2`), or `sections/<file>` among the
            pack's own templates.
        sheet: the workbook sheet, or None for an HTML-only section.
        derive: adds computed fields to each row (used by the template and the sheet).
        extras: extra template variables built from the rows (charts, footnotes).
        region: "body" sections follow the overview; "footer" ones close the pack.
        required: an empty result is an error rather than an empty section.
        theme: the heading page one counts the section's ratings under; by default the one
            its `order` falls in (`THEMES_BY_ORDER`).
        period: the months its rows cover, for the header and the age badge (`rows_period`).
    """

    key: str
    title: str
    order: int
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
    theme: str = ""
    period: Callable[[list[Row], PackContext], Period | None] = field(default=rows_period)

    @property
    def theme_name(self) -> str:
        return self.theme or theme_for_order(self.order)

    @property
    def rates_rows(self) -> bool:
        """Its rows carry a RAG rating the section shows (its sheet has a RAG column); page one
        counts only these, not the RAG of rows a section shows otherwise (the peer rates)."""
        return self.sheet is not None and any(
            column.field in ("rag", "rag_letter") for column in self.sheet.columns
        )

    @property
    def query(self) -> str:
        """The one-line query: the table, filtered to the pack's borough and month."""
        where = f" where {' and '.join(self.where)}" if self.where else ""
        return f"select * from {self.table}{where} order by {self.order_by}"

    def query_for(self, tables: AbstractSet[str]) -> str:
        """The query, given the tables the published copy holds: a section that also reads
        tables a source may not have published yet (the partnership's profiles) reads those
        it finds."""
        return self.query


BOROUGH_MONTH = ("borough_code = $borough_code", "reporting_month = $month")


def latest_up_to_month(table: str) -> tuple[str, str]:
    """The borough's latest reporting month in `table` up to the pack's month: for a feed that
    may end before the pack's month, whose section shows the last 12 months it has."""
    return (
        "borough_code = $borough_code",
        f"reporting_month = (select max(reporting_month) from {table} "
        "where borough_code = $borough_code and reporting_month <= $month)",
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
