"""The validator of a partner return: one function, used by `make validate`, the landing gate
and the tests, so a provider sees before sending exactly what the pipeline would refuse.

`validate_return(path)` reads a return (the template's workbook, or its Return sheet saved as
CSV) and reports every problem with its sheet and cell:

    Return!C9 repeat_referrals = 35 exceeds referrals = 30 (rule repeat_referrals <= referrals)

Blocking (the return is refused): a workbook not made from the template (its sheet, header or
keys), a provider or quarter that does not match the catalogue, the folder or the file name, a
missing "submitted on" date or one before the quarter ended, a missing required figure, a count
that is negative or not whole, a percentage outside 0-100%, text where a figure belongs, a
broken rule of the catalogue (on the quarter and on the year to date), a year to date that is
not the sum of the year's quarters, anything that looks like personal data (never repeated in
the message), text in a cell the template has no place for (a return holds figures; notes go in
the catalogue's text cells), a text cell longer than the catalogue allows, and, when `today` is
given, a quarter not yet ended or a "submitted on" in the future (the landing gate applies those
two itself, to the same cells).

Not blocking, reported: a percentage typed by the provider that disagrees with its numerator
and denominator beyond rounding (the recomputed one is published, with a note), a quarter's
figure far outside the provider's own history. A figure the provider does not have is typed
"n/a"; a required figure left blank is missing (a return that gives only a year types n/a for
the quarter).

`history` is the provider's other returns (`load_history`: the other files of its landing
folder that pass on their own); the year-to-date and history rules need it and are skipped
without it.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from openpyxl.utils import get_column_letter

from orchestration.landing.contract import POINTS, ContractError, percentage_scale_finding
from orchestration.lib.periods import (
    QUARTER_IN_NAME,
    FinancialQuarter,
    NotAQuarter,
)
from orchestration.sources.partner_returns.catalogue import (
    PLAN_STATUSES,
    WITHHELD,
    Catalogue,
    CatalogueError,
    Measure,
    Period,
    Provider,
    Rule,
    TextCell,
    load_catalogue,
)
from orchestration.sources.partner_returns.personal_data import (
    FREE,
    Finding,
    Looked,
    find_personal_data,
    first_names,
    is_date,
)
from orchestration.sources.partner_returns.reading import Grid, cell_name, read_grid
from orchestration.sources.partner_returns.template import (
    AS_AT_SENT,
    F_AREA,
    F_KEYS,
    F_PERIOD,
    F_SHARE,
    F_STATUS,
    F_VALUE,
    FIGURES_HEADING_ROW,
    FIGURES_HEADINGS,
    FIGURES_SHEET,
    FIRST_MEASURE_ROW,
    HEADER_KEYS,
    HEADING_ROW,
    HEADINGS,
    KEY_COL,
    PROVIDER_ROW,
    QUARTER_COL,
    QUARTER_ROW,
    RETURN_SHEET,
    SUBMITTED_ROW,
    VALUE_COLUMNS,
    FigureRow,
    every_edition_cells,
    figure_row_number,
    figure_rows,
)

Basis = Literal["quarter", "year_to_date", "period"]
State = Literal["value", "not_available", "blank", "invalid", "withheld", "status"]
ACCEPTED_SUFFIXES = (".xlsx", ".csv")
NOT_AVAILABLE_WORDS = ("n/a", "na", "not available")
YEAR_RULE = "year = sum of quarters"
# A quarter's count is "far outside" the provider's history when it is more than OUTLIER_FACTOR
# times, or less than 1 / OUTLIER_FACTOR of, the median of up to HISTORY_QUARTERS earlier
# quarters (at least MIN_HISTORY of them), and differs from it by more than OUTLIER_MIN_GAP.
OUTLIER_FACTOR = 3.0
HISTORY_QUARTERS = 8
MIN_HISTORY = 4
OUTLIER_MIN_GAP = 10
# Counts of this size are an identifier typed in the wrong place, never a quarter's figure;
# such a number is not repeated in a message.
LARGEST_SHOWN = 10**7
# The personal-data finding for one cell, in the singular.
ONE_OF = {
    "people's names": "a person's name",
    "dates of birth": "a date of birth",
    "NHS numbers": "an NHS number",
    "phone numbers": "a phone number",
    "email addresses": "an email address",
    "postcodes": "a postcode",
    "long identifying numbers": "a long identifying number",
}
# Excel's formula errors, as a saved workbook (or its CSV) holds them, and what each means.
FORMULA_ERRORS = {
    "#REF!": "a reference to a cell that was deleted",
    "#DIV/0!": "a division by zero",
    "#VALUE!": "a formula given text where it needs a number",
    "#NAME?": "a formula naming a function or range Excel does not know",
    "#N/A": "a lookup that found nothing",
    "#NUM!": "a number a formula cannot compute",
    "#NULL!": "two ranges that do not meet",
    "#SPILL!": "a result with no room to spill into",
    "#CALC!": "a calculation Excel could not finish",
}
_KEYLIKE = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_QUARTERISH = re.compile(r"^[0-9Qq /-]{1,12}$")
_COUNT_TEXT = re.compile(r"^\d{1,3}(?:,\d{3})+$|^\d+(?:\.0+)?$")
_NUMBER_TEXT = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a return, at a place the provider can find.

    Attributes:
        where: `Return!C9`, a range `Return!G6:G9`, a sheet, or `file`.
        message: what is wrong and the rule, never personal data.
        blocking: the return is refused; otherwise it is reported and accepted.
    """

    where: str
    message: str
    blocking: bool = True
    measure: str | None = None

    def __str__(self) -> str:
        return (
            f"{self.where} {self.message}" if "!" in self.where else f"{self.where}: {self.message}"
        )


@dataclass
class Figure:
    """One figure cell of a return as read, and the value published for it.

    Attributes:
        typed: as the provider typed it (percentages in percentage points).
        value: what is published: the typed figure, or a percentage recomputed from its
            numerator and denominator; None when not available.
        note: why the published figure is not the typed one, or what the provider should know.
    """

    measure: str
    basis: Basis
    row: int
    column: int
    state: State
    typed: float | None = None
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    note: str | None = None
    # A Figures sheet row's place and keys (None on the Return sheet, whose figures are the
    # quarter's totals), its status (withheld; a plan item's) and a category's shares.
    sheet: str = RETURN_SHEET
    period: Period | None = None
    spec: FigureRow | None = None
    status: str | None = None
    total: float | None = None
    share: float | None = None
    typed_share: float | None = None

    @property
    def cell(self) -> str:
        return cell_name(self.sheet, self.row, self.column)


@dataclass
class ReturnReport:
    """What the validator found in one return."""

    path: Path
    provider: Provider | None = None
    quarter: FinancialQuarter | None = None
    submitted_on: dt.date | None = None
    figures: list[Figure] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.blocking]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.blocking]

    def figure(self, measure: str, basis: Basis = "quarter") -> Figure | None:
        return next((f for f in self.figures if f.measure == measure and f.basis == basis), None)

    def value(self, measure: str, basis: Basis = "quarter") -> float | None:
        found = self.figure(measure, basis)
        return found.value if found else None


def fmt(value: float | None) -> str:
    """A figure as a message shows it: 35, 17.5, 1,251."""
    if value is None:
        return "n/a"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def fmt_percent(value: float) -> str:
    return f"{value:.1f}%"


def typed_decimals(percent_points: float) -> int:
    """How many decimal places a typed percentage shows (17 -> 0, 17.8 -> 1), at most 3."""
    text = f"{round(percent_points, 6):.6f}".rstrip("0").rstrip(".")
    return min(len(text.split(".")[1]) if "." in text else 0, 3)


def agrees_within_rounding(typed: float, recomputed: float) -> bool:
    """True when the typed percentage is the recomputed one rounded to the places it shows
    (either way at a half): 24% for 24.14%, 17.8% for 17.82%, but not 17% for 17.82%."""
    return abs(typed - recomputed) <= 0.5 * 10 ** (-typed_decimals(typed)) + 1e-9


class _Check:
    """The state of one validation: the grid, what has been read, what is wrong."""

    def __init__(self, report: ReturnReport, grid: Grid) -> None:
        self.report = report
        self.grid = grid
        self.cells = grid.sheets.get(RETURN_SHEET, {})
        self.unsaved = grid.unsaved_formulas.get(RETURN_SHEET, set())
        # Cells whose content was read as part of the return (not added by the provider).
        self.read_cells: set[tuple[str, int, int]] = set()

    def problem(
        self, row: int | None, column: int | None, message: str, *, blocking: bool = True,
        measure: str | None = None, where: str | None = None,
    ) -> None:  # fmt: skip
        place = where or (cell_name(RETURN_SHEET, row, column) if row and column else RETURN_SHEET)
        self.report.problems.append(Problem(place, message, blocking, measure))

    def at(self, row: int, column: int) -> Any:
        return self.cells.get((row, column))


def _shown(value: Any) -> str:
    """A short value a message may repeat: a key-like word that is not a first name, never
    free text."""
    text = str(value).strip()
    named = any(part in first_names() for part in text.split("_"))
    return repr(text) if _KEYLIKE.match(text) and not named else "a text that is not shown here"


def _header(check: _Check, catalogue: Catalogue, expected_provider: str | None) -> bool:
    """Reads provider, quarter and submitted on; False when the sheet is not the template's."""
    report = check.report
    for row, key in HEADER_KEYS.items():
        if str(check.at(row, KEY_COL) or "").strip() != key:
            check.problem(
                row,
                KEY_COL,
                f"expected the key {key!r} here: the workbook was not made from a return "
                "template (or its rows were moved); fill in a new template (make template)",
            )
            return False
    if str(check.at(HEADING_ROW, KEY_COL) or "").strip() != HEADINGS[KEY_COL]:
        check.problem(
            HEADING_ROW,
            KEY_COL,
            f"expected the heading {HEADINGS[KEY_COL]!r} here: the workbook was not made from a "
            "return template (or its rows were moved)",
        )
        return False
    check.read_cells |= {(RETURN_SHEET, row, KEY_COL) for row in (*HEADER_KEYS, HEADING_ROW)}

    raw_provider = check.at(PROVIDER_ROW, QUARTER_COL)
    check.read_cells.add((RETURN_SHEET, PROVIDER_ROW, QUARTER_COL))
    if raw_provider is None:
        check.problem(PROVIDER_ROW, QUARTER_COL, "the provider is missing")
    else:
        try:
            report.provider = catalogue.provider(str(raw_provider))
        except CatalogueError:
            check.problem(
                PROVIDER_ROW,
                QUARTER_COL,
                f"provider {_shown(raw_provider)} is not in the catalogue (it has "
                f"{', '.join(catalogue.keys)})",
            )
    if report.provider and expected_provider and report.provider.key != expected_provider:
        check.problem(
            PROVIDER_ROW,
            QUARTER_COL,
            f"provider {report.provider.key!r} does not match the folder "
            f"providers/{expected_provider}/: a {report.provider.key} return belongs in "
            f"providers/{report.provider.key}/",
        )

    raw_quarter = check.at(QUARTER_ROW, QUARTER_COL)
    check.read_cells.add((RETURN_SHEET, QUARTER_ROW, QUARTER_COL))
    if raw_quarter is None:
        check.problem(QUARTER_ROW, QUARTER_COL, "the quarter is missing (YYYY-YY-Qn)")
    else:
        try:
            report.quarter = FinancialQuarter.parse(str(raw_quarter))
        except NotAQuarter as exc:
            # Repeated only when it is quarter-like (digits, Q, dashes): never free text.
            message = (
                str(exc)
                if _QUARTERISH.match(str(raw_quarter))
                else ("expected YYYY-YY-Qn, for example 2022-23-Q4, found a text not shown here")
            )
            check.problem(QUARTER_ROW, QUARTER_COL, f"the quarter: {message}")
    name_match = QUARTER_IN_NAME.search(report.path.name)
    if report.quarter and name_match:
        try:
            named = FinancialQuarter.parse("-".join(name_match.groups()[:2]) + "-Q"
                                           + name_match.group(3))  # fmt: skip
        except NotAQuarter:
            named = None
        if named and named != report.quarter:
            check.problem(
                QUARTER_ROW,
                QUARTER_COL,
                f"the quarter {report.quarter.key} does not match the file name "
                f"{report.path.name} ({named.key}): which quarter is this return for?",
            )

    raw_date = check.at(SUBMITTED_ROW, QUARTER_COL)
    check.read_cells.add((RETURN_SHEET, SUBMITTED_ROW, QUARTER_COL))
    report.submitted_on = _date(raw_date)
    if raw_date is None:
        check.problem(
            SUBMITTED_ROW,
            QUARTER_COL,
            "submitted_on is missing: the day the return is sent, YYYY-MM-DD",
        )
    elif report.submitted_on is None:
        check.problem(
            SUBMITTED_ROW,
            QUARTER_COL,
            "submitted_on is not a date: the day the return is sent, YYYY-MM-DD",
        )
    elif report.quarter and report.submitted_on <= report.quarter.period_end:
        check.problem(
            SUBMITTED_ROW,
            QUARTER_COL,
            f"submitted_on {report.submitted_on:%Y-%m-%d} is not after the quarter ended "
            f"({report.quarter.period_end:%Y-%m-%d}): a return is sent once its quarter is over",
        )
    return True


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        if match := _ISO_DATE.match(value):
            year, month, day = (int(g) for g in match.groups())
        elif match := _UK_DATE.match(value):
            day, month, year = (int(g) for g in match.groups())
        else:
            return None
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and _NUMBER_TEXT.match(value.replace("£", "", 1).strip()):
        return float(value.replace("£", "", 1).replace(",", "").strip())
    return None


def _read_figure(check: _Check, measure: Measure, row: int, column: int) -> Figure:
    """One figure cell: a value, n/a, blank, or invalid (with its problem reported)."""
    basis: Basis = "quarter" if VALUE_COLUMNS[column] == "quarter" else "year_to_date"
    raw = check.at(row, column)
    figure = Figure(measure.key, basis, row, column, "blank")
    if raw is None and (row, column) in check.unsaved:
        figure.state = "invalid"
        return figure
    if raw is None:
        return figure
    if isinstance(raw, str) and raw.strip().lower() in NOT_AVAILABLE_WORDS:
        check.read_cells.add((RETURN_SHEET, row, column))
        figure.state = "not_available"
        return figure
    label = measure.key if basis == "quarter" else f"{measure.key} year to date"
    if isinstance(raw, str) and raw.strip().upper() in FORMULA_ERRORS:
        error = raw.strip().upper()
        check.read_cells.add((RETURN_SHEET, row, column))
        figure.state = "invalid"
        check.problem(
            row,
            column,
            f"{label}: the cell shows the formula error {error} ({FORMULA_ERRORS[error]}): "
            "correct the formula, or type the figure, and save the return again",
            measure=measure.key,
        )
        return figure
    is_text = isinstance(raw, str)
    if measure.unit == "percent" and is_text and raw.rstrip().endswith("%"):
        number = _number(raw.rstrip()[:-1])
        points = number
    else:
        number = _number(raw)
        # A percentage in a workbook (or a bare number in a CSV) is the fraction Excel stores.
        points = number * 100 if measure.unit == "percent" and number is not None else number
    words = {
        "count": "a whole number of 0 or more, or n/a",
        "percent": "a percentage from 0% to 100%, or n/a",
        "currency": "an amount in pounds of 0 or more, or n/a",
        "rate": "a number of 0 or more, or n/a",
    }[measure.unit]
    figure.state = "invalid"
    if number is None:
        what = "a date" if isinstance(raw, dt.date) else "text (not shown here)"
        check.problem(row, column, f"{label}: expected {words}, found {what}", measure=measure.key)
        return figure
    if abs(number) >= LARGEST_SHOWN:
        check.problem(
            row,
            column,
            f"{label}: expected {words}, found a number too large for a quarter's figure (not "
            "shown here)",
            measure=measure.key,
        )
        return figure
    check.read_cells.add((RETURN_SHEET, row, column))
    assert points is not None
    if measure.unit == "count" and (number < 0 or not float(number).is_integer()):
        check.problem(
            row, column, f"{label} = {fmt(number)}: a count is {words}", measure=measure.key
        )
        return figure
    if measure.unit == "percent" and not 0 <= points <= 100:
        check.problem(
            row, column, f"{label} = {fmt(points)}%: expected {words}", measure=measure.key
        )
        return figure
    if measure.unit in ("currency", "rate") and number < 0:
        check.problem(
            row, column, f"{label} = {fmt(number)}: expected {words}", measure=measure.key
        )
        return figure
    figure.state = "value"
    figure.typed = points
    figure.value = points
    return figure


def _measures(check: _Check, provider: Provider, quarter: FinancialQuarter | None) -> None:
    """Finds each measure's row by its key and reads its two figures."""
    report = check.report
    asked = (
        provider.measures_for(quarter)
        if quarter
        else tuple(m for m in provider.measures if m.is_quarterly)
    )
    asked_keys = {m.key: m for m in asked}
    seen: dict[str, int] = {}
    last_row = max((r for r, _ in check.cells), default=0)
    for row in range(FIRST_MEASURE_ROW, last_row + 1):
        raw_key = check.at(row, KEY_COL)
        if raw_key is None:
            for column in VALUE_COLUMNS:
                if _number(check.at(row, column)) is not None:
                    check.problem(
                        row,
                        column,
                        "a figure on a row without a key: the return is read by its keys, so "
                        "this figure would be lost; use the template's rows",
                    )
                    check.read_cells.add((RETURN_SHEET, row, column))
            continue
        key = str(raw_key).strip()
        check.read_cells.add((RETURN_SHEET, row, KEY_COL))
        if key in seen:
            check.problem(row, KEY_COL, f"the key {key!r} appears again (first on row {seen[key]})")
            continue
        if provider.text_cell(key) is not None:
            # A text cell (notes, job title): its text is looked at with the personal data.
            seen[key] = row
            continue
        if key not in asked_keys:
            known = {m.key for m in provider.measures}
            if key in known and quarter:
                check.problem(
                    row,
                    KEY_COL,
                    f"{key!r} is not asked for in {quarter.label} (see its from/until in the "
                    "catalogue): fill in the template for this quarter",
                )
            else:
                check.problem(
                    row,
                    KEY_COL,
                    f"the key {_shown(key)} is not a measure of {provider.title}: the workbook "
                    f"was not made from this provider's template (its keys: "
                    f"{', '.join(asked_keys)})",
                )
            continue
        seen[key] = row
        measure = asked_keys[key]
        for column in VALUE_COLUMNS:
            report.figures.append(_read_figure(check, measure, row, column))
    for key, measure in asked_keys.items():
        if key not in seen:
            check.problem(
                None,
                None,
                f"the row for {key} ({measure.label}) is missing: the workbook was not made from "
                "this quarter's template; fill in a new one (make template)",
                measure=key,
            )
        elif measure.required:
            figure = report.figure(key, "quarter")
            if figure and figure.state == "blank":
                check.problem(
                    figure.row,
                    figure.column,
                    f"{key} is missing: enter the quarter's figure ({measure.label}), or n/a "
                    "if it is not available",
                    measure=key,
                )


def _unsaved_formulas(check: _Check) -> None:
    """A formula whose value was never saved reads as an empty cell: named, never taken for a
    missing figure."""
    for sheet, cells in sorted(check.grid.unsaved_formulas.items()):
        for row, column in sorted(cells):
            check.problem(
                None,
                None,
                "holds a formula whose value was never saved (the workbook was written by a "
                "tool that does not calculate): open it in Excel and save it, so each formula's "
                "figure is saved with it",
                where=cell_name(sheet, row, column),
            )


def _percentage_scale(check: _Check) -> None:
    """The return's typed percentages are on one scale, points from 0 to 100 (a workbook's
    percentage cell stores the fraction, read as points): a return whose non-zero percentages
    are mostly at most 1% was typed as fractions into percentage cells (0.67 for 67%)."""
    report = check.report
    if report.provider is None:
        return
    typed = [
        (f.cell, f.typed)
        for f in report.figures
        if f.state == "value"
        and f.sheet == RETURN_SHEET
        and f.typed is not None
        and report.provider.measure(f.measure).unit == "percent"
    ]
    found = percentage_scale_finding(typed, POINTS)
    if found is None:
        return
    cell, _value, off, given = found
    figure = next(f for f in report.figures if f.cell == cell)
    share = (
        "it is the return's only one"
        if given == 1
        else (f"{'all' if off == given else off} of the return's {given} non-zero percentages are")
    )
    check.problem(
        figure.row,
        figure.column,
        f"{figure.measure} = {fmt(figure.typed)}%, at most 1% ({share}"
        f"{' at most 1%' if given > 1 else ''}): a fraction typed into a percentage cell? "
        "Type 67% (or 67 in the template's percentage cell) for 67%, not 0.67 "
        "(rule: one percentage scale per return, 0 to 100%)",
        measure=figure.measure,
    )


def _values(report: ReturnReport, basis: Basis) -> dict[str, Figure]:
    return {f.measure: f for f in report.figures if f.basis == basis and f.state == "value"}


def _within(check: _Check, rule: Rule, basis: Basis) -> None:
    values = _values(check.report, basis)
    if not all(m in values for m in rule.measures):
        return
    left = sum(values[m].value or 0 for m in rule.parts)
    total = values[rule.total].value or 0
    if left <= total:
        return
    first = values[rule.parts[0]]
    names = " + ".join(rule.parts)
    added = " + ".join(fmt(values[m].value) for m in rule.parts)
    shown = fmt(left) if len(rule.parts) == 1 else f"{fmt(left)} ({added})"
    period = "" if basis == "quarter" else " in the year to date"
    check.problem(
        first.row,
        first.column,
        f"{names} = {shown} exceeds {rule.total} = {fmt(total)}{period} (rule {rule.text})",
        measure=rule.parts[0],
    )


def _ratio(check: _Check, rule: Rule, basis: Basis) -> None:
    """Publishes the percent recomputed from its counts; a typed one that disagrees is noted."""
    report = check.report
    result = report.figure(rule.result, basis)
    values = _values(report, basis)
    numerator, denominator = values.get(rule.numerator), values.get(rule.denominator)
    if result is None or result.state == "invalid":
        return
    if numerator is None or denominator is None:
        if result.state == "value":
            result.note = (
                f"As returned: {rule.numerator} or {rule.denominator} is not available to "
                "recompute it."
            )
        return
    num, den = numerator.value or 0.0, denominator.value or 0.0
    result.numerator, result.denominator = num, den
    if den == 0:
        result.value = None
        result.note = f"Not computed: {rule.denominator} is 0."
        if result.state != "value":
            result.state = "not_available"
        return
    recomputed = num * 100.0 / den
    typed = result.typed if result.state == "value" else None
    result.state = "value"
    result.value = recomputed
    if typed is not None and not agrees_within_rounding(typed, recomputed):
        period = "" if basis == "quarter" else " year to date"
        result.note = (
            f"{'Quarter' if basis == 'quarter' else 'Year to date'}: the return gives "
            f"{fmt(typed)}%; {fmt(num)} / {fmt(den)} = {fmt_percent(recomputed)}, which is shown."
        )
        check.problem(
            result.row,
            result.column,
            f"{rule.result}{period} is typed as {fmt(typed)}%, but {rule.numerator} / "
            f"{rule.denominator} = {fmt(num)} / {fmt(den)} = {fmt_percent(recomputed)}; "
            f"{fmt_percent(recomputed)} is published (rule {rule.text})",
            blocking=False,
            measure=rule.result,
        )


def _year_to_date(check: _Check, history: Sequence[ReturnReport]) -> None:
    """Counts: the year to date is at least the quarter, is the quarter in Q1, and is the sum
    of the year's quarters when the other quarters' returns are in."""
    report = check.report
    if report.provider is None or report.quarter is None:
        return
    quarter = report.quarter
    quarters = _values(report, "quarter")
    earlier = latest_by_quarter(history)
    for ytd in _values(report, "year_to_date").values():
        measure = report.provider.measure(ytd.measure)
        if measure.unit != "count":
            continue
        this = quarters.get(ytd.measure)
        label = f"{ytd.measure} year to date = {fmt(ytd.value)}"
        if this is not None and (ytd.value or 0) < (this.value or 0):
            check.problem(
                ytd.row,
                ytd.column,
                f"{label} is less than the quarter's {fmt(this.value)} (rule {YEAR_RULE})",
                measure=ytd.measure,
            )
            continue
        if quarter.quarter == 1:
            if this is not None and ytd.value != this.value:
                check.problem(
                    ytd.row,
                    ytd.column,
                    f"{label} differs from the quarter's {fmt(this.value)}: in Q1 the year to "
                    f"date is the quarter (rule {YEAR_RULE})",
                    measure=ytd.measure,
                )
            continue
        if this is None:
            continue
        parts: list[tuple[FinancialQuarter, float]] = []
        for q in quarter.earlier_in_year():
            other = earlier.get(q)
            value = other.value(ytd.measure) if other else None
            if value is None:
                break
            parts.append((q, value))
        else:
            parts.append((quarter, this.value or 0.0))
            total = sum(v for _, v in parts)
            if total != ytd.value:
                added = " + ".join(f"Q{q.quarter} {fmt(v)}" for q, v in parts)
                check.problem(
                    ytd.row,
                    ytd.column,
                    f"{label}, but the quarters of {quarter.financial_year} add up to "
                    f"{fmt(total)} ({added}) (rule {YEAR_RULE})",
                    measure=ytd.measure,
                )


def _against_history(check: _Check, history: Sequence[ReturnReport]) -> None:
    """A quarter's count far outside the provider's own earlier quarters: reported, not refused."""
    report = check.report
    if report.provider is None or report.quarter is None:
        return
    earlier = latest_by_quarter(history)
    previous = [q for q in sorted(earlier, reverse=True) if q < report.quarter][:HISTORY_QUARTERS]
    for figure in _values(report, "quarter").values():
        if report.provider.measure(figure.measure).unit != "count":
            continue
        past = [v for q in previous if (v := earlier[q].value(figure.measure)) is not None]
        if len(past) < MIN_HISTORY:
            continue
        median = statistics.median(past)
        value = figure.value or 0.0
        far = value > OUTLIER_FACTOR * median or value * OUTLIER_FACTOR < median
        if far and abs(value - median) > OUTLIER_MIN_GAP:
            message = (
                f"{figure.measure} = {fmt(value)} is far outside this provider's last "
                f"{len(past)} quarters (median {fmt(median)}); please check the figure"
            )
            figure.note = "Far outside the provider's earlier quarters: checked with them?"
            check.problem(
                figure.row, figure.column, message, blocking=False, measure=figure.measure
            )


def _range(sheet: str, cells: Sequence[tuple[int, int]]) -> str:
    """`Return!G6:G9` for one column's run, else the first cell and how many more."""
    rows = [r for r, _ in cells]
    columns = {c for _, c in cells}
    first = cell_name(sheet, *cells[0])
    if len(cells) == 1:
        return first
    if len(columns) == 1 and rows == list(range(rows[0], rows[0] + len(rows))):
        return f"{first}:{get_column_letter(cells[-1][1])}{cells[-1][0]}"
    return f"{first} and {len(cells) - 1} more cells"


def _text_cells(check: _Check) -> dict[tuple[int, int], TextCell]:
    """The return's text cells by the place of their text: found by their key in column B
    (the first row of each), the text beside it in column C. A return made from an earlier
    template has none, and is read as before."""
    provider = check.report.provider
    found: dict[tuple[int, int], TextCell] = {}
    if provider is None:
        return found
    keys: set[str] = set()
    for (row, column), value in sorted(check.cells.items()):
        if column != KEY_COL or row < FIRST_MEASURE_ROW:
            continue
        text = provider.text_cell(str(value).strip())
        if text is not None and text.key not in keys:
            keys.add(text.key)
            found[(row, QUARTER_COL)] = text
    return found


def _is_text(value: Any) -> bool:
    """Text, not a figure or a date typed as text (a CSV's cells are all text)."""
    if not isinstance(value, str):
        return False
    return (
        _number(value.strip().rstrip("%")) is None and _date(value) is None and not is_date(value)
    )


def _where_notes_go(provider: Provider, texts: dict[tuple[int, int], TextCell]) -> str:
    """Where the provider's note belongs, for a message refusing text elsewhere."""
    for (row, column), text in texts.items():
        if text.holds == "note":
            place = cell_name(RETURN_SHEET, row, column)
            return f"a return holds figures, and notes go in {place} ({text.key})"
    note = next((t for t in provider.text_cells if t.holds == "note"), None)
    if note is not None:
        return (
            f"a return holds figures, and notes go in the {note.key} cell of a new template "
            "(make template)"
        )
    return "a return holds figures only"


def _personal_data(check: _Check) -> None:
    """Every cell the template did not write and the return did not read is looked at, and the
    text cells (a note, a job title) with them: anything that looks like personal data is
    refused without being repeated, a text cell longer than the catalogue allows is refused,
    and, in a return read as its provider's template for its quarter, any other text is refused
    (a return holds figures)."""
    report, grid = check.report, check.grid
    provider, quarter = report.provider, report.quarter
    written: dict[tuple[str, int, int], set[str]] = {}
    if provider is not None:
        written = every_edition_cells(
            provider, quarter or FinancialQuarter.containing(dt.date.today())
        )
    texts = _text_cells(check)
    looked = []
    for sheet, cells in grid.sheets.items():
        for (row, column), value in cells.items():
            place = (sheet, row, column)
            if place in check.read_cells or str(value).strip() in written.get(place, ()):
                continue
            text = texts.get((row, column)) if sheet == RETURN_SHEET else None
            looked.append(Looked(sheet, row, column, value, text.holds if text else FREE))
    for (row, column), text in texts.items():
        value = check.at(row, column)
        if isinstance(value, str) and len(value) > text.max_length:
            check.problem(
                row,
                column,
                f"({text.key}) is {len(value):,} characters long, more than the "
                f"{text.max_length:,} it may hold: shorten it and send the return again (the "
                "text is not repeated here)",
            )
    findings: list[Finding] = find_personal_data(looked, quarter.period_end if quarter else None)
    reported: set[tuple[str, int, int]] = set()
    singles: dict[tuple[str, int, int], tuple[list[str], set[tuple[int, int]]]] = {}
    for finding in findings:
        reported |= {(finding.sheet, *place) for place in (*finding.cells, *finding.labels)}
        if len(finding.cells) > 1:
            check.problem(
                None,
                None,
                f"{len(finding.cells)} cells look like {finding.kind}: a return carries "
                "aggregate figures only, so it is refused (UK GDPR); remove them and send the "
                "return again (their contents are not repeated here)",
                where=_range(finding.sheet, finding.cells),
            )
            continue
        kinds, labels = singles.setdefault((finding.sheet, *finding.cells[0]), ([], set()))
        kinds.append(ONE_OF[finding.kind])
        labels |= set(finding.labels)
    for (sheet, row, column), (kinds, labels) in sorted(singles.items()):
        what = " and ".join(kinds)
        if labels:
            what += " (labelled in " + ", ".join(cell_name(sheet, *p) for p in sorted(labels)) + ")"
        text = texts.get((row, column)) if sheet == RETURN_SHEET else None
        if text is None:
            message = (
                f"a cell looks like {what}: a return carries aggregate figures only, so it is "
                "refused (UK GDPR); remove it and send the return again (its contents are not "
                "repeated here)"
            )
        else:
            rule = (
                "a note is about the figures, never about a person"
                if text.holds == "note"
                else "it takes a job title or team, never a name"
            )
            message = (
                f"({text.key}) looks like it holds {what}: {rule}, so the return is refused "
                "(UK GDPR); write it again without it and send the return again (its contents "
                "are not repeated here)"
            )
        check.problem(None, None, message, where=cell_name(sheet, row, column))
    if provider is None or quarter is None:
        # Not read as a template's return: its cells have no places to compare against.
        return
    places = (
        set(written)
        | check.read_cells
        | {(f.sheet, f.row, f.column) for f in report.figures}
        | {(RETURN_SHEET, row, column) for row, column in texts}
    )
    for cell in looked:
        place = (cell.sheet, cell.row, cell.column)
        if place in places or place in reported or not _is_text(cell.value):
            continue
        check.problem(
            None,
            None,
            "text in a cell the template has no place for: "
            f"{_where_notes_go(provider, texts)}; remove it and send the return again (the "
            "text is not repeated here)",
            where=cell_name(*place),
        )


BREAKDOWN_RULE = "the categories, with not known, sum to the total"
WITHHELD_RULE = "withheld: a status with no figure, never 0"
STATUS_RULE = "a status from the list"
AREA_RULE = "a comparator only for the catalogue's areas"


def _status_word(value: Any) -> str | None:
    """A status as typed, normalised: `On target` -> `on_target`, `N/A` -> `n/a`."""
    if value is None:
        return None
    text = " ".join(str(value).strip().lower().split())
    if text in NOT_AVAILABLE_WORDS:
        return "n/a"
    return text.replace(" ", "_")


def _figure_cell(check: _Check, row: int, column: int) -> str:
    return cell_name(FIGURES_SHEET, row, column)


def _read_figures_row(
    check: _Check, spec: FigureRow, row: int, cells: dict[tuple[int, int], Any]
) -> Figure:
    """One Figures row: its figure or status, checked against the unit and the status list."""
    column = F_VALUE
    # A quarter's figure asked on the Figures sheet is a quarter's figure like the Return
    # sheet's (the rules tie it to them); every other row is a period's.
    basis: Basis = (
        "quarter"
        if spec.kind == "total" and spec.period and spec.period.kind == "quarter"
        else "period"
    )
    figure = Figure(
        spec.key, basis, row, column, "blank", sheet=FIGURES_SHEET, period=spec.period, spec=spec
    )
    raw, raw_status = cells.get((row, F_VALUE)), cells.get((row, F_STATUS))
    status = _status_word(raw_status)
    where_status = _figure_cell(check, row, F_STATUS)
    where_value = _figure_cell(check, row, F_VALUE)
    check.read_cells.add((FIGURES_SHEET, row, F_STATUS))
    label = spec.key if spec.kind == "total" else f"{spec.key} ({spec.what})"
    if spec.period is not None:
        label += f", {spec.period.label}"
    if spec.item is not None:
        figure.column = F_STATUS
        if status is None:
            check.problem(
                None,
                None,
                f"{label}: the item's status is missing: one of "
                f"{', '.join(PLAN_STATUSES.values())}",
                where=where_status,
                measure=spec.key,
            )
            figure.state = "invalid"
        elif status not in PLAN_STATUSES:
            check.problem(
                None,
                None,
                f"{label}: the status {_shown(raw_status)} is not one of "
                f"{', '.join(PLAN_STATUSES.values())} (rule {STATUS_RULE})",
                where=where_status,
                measure=spec.key,
            )
            figure.state = "invalid"
        else:
            figure.state, figure.status = "status", status
        return figure
    assert spec.measure is not None
    if isinstance(raw, str) and _status_word(raw) in ("n/a", WITHHELD):
        # The status typed in the figure's cell: read as the status.
        check.read_cells.add((FIGURES_SHEET, row, F_VALUE))
        if status is None or status == _status_word(raw):
            status, raw, where_status = _status_word(raw), None, where_value
    allowed = spec.statuses
    if status is not None and status not in allowed:
        check.problem(
            None,
            None,
            f"{label}: the status {_shown(raw_status)} is not one of "
            f"{', '.join(allowed)} for this row (rule {STATUS_RULE}"
            + (
                "; withheld only where the catalogue says may_be_withheld"
                if status == WITHHELD
                else ""
            )
            + ")",
            where=where_status,
            measure=spec.key,
        )
        figure.state = "invalid"
        return figure
    if status is not None and raw is not None:
        shown = fmt(_number(raw)) if _number(raw) is not None else "text (not shown here)"
        rule = WITHHELD_RULE if status == WITHHELD else "n/a: a status with no figure"
        check.problem(
            None,
            None,
            f"{label} holds {shown} but its status is {status}: a "
            f"{status} figure has no value, 0 is a figure (rule {rule})",
            where=where_value,
            measure=spec.key,
        )
        check.read_cells.add((FIGURES_SHEET, row, F_VALUE))
        figure.state = "invalid"
        return figure
    if status == WITHHELD:
        figure.state, figure.status = "withheld", WITHHELD
        return figure
    if status == "n/a":
        figure.state = "not_available"
        return figure
    if raw is None:
        return figure
    unit = spec.measure.unit
    number = (
        _number(raw.rstrip()[:-1])
        if isinstance(raw, str) and raw.rstrip().endswith("%")
        else _number(raw)
    )
    figure.state = "invalid"
    if number is None:
        what = "a date" if isinstance(raw, dt.date) else "text (not shown here)"
        check.problem(
            None,
            None,
            f"{label}: expected a figure ({unit}) or a status in column "
            f"{get_column_letter(F_STATUS)}, found {what}",
            where=where_value,
            measure=spec.key,
        )
        return figure
    check.read_cells.add((FIGURES_SHEET, row, F_VALUE))
    points = number * 100 if unit == "percent" and not isinstance(raw, str) else number
    if (
        (unit == "count" and (number < 0 or not float(number).is_integer()))
        or (unit == "percent" and not 0 <= points <= 100)
        or number < 0
        or abs(number) >= LARGEST_SHOWN
    ):
        expected = {
            "count": "a whole number of 0 or more",
            "percent": "a percentage from 0% to 100%",
        }.get(unit, "a number of 0 or more")
        shown = fmt(points) if abs(number) < LARGEST_SHOWN else "a number not shown here"
        check.problem(
            None,
            None,
            f"{label} = {shown}: expected {expected}",
            where=where_value,
            measure=spec.key,
        )
        return figure
    figure.state, figure.typed, figure.value = "value", points, points
    if spec.category is not None and (share := cells.get((row, F_SHARE))) is not None:
        check.read_cells.add((FIGURES_SHEET, row, F_SHARE))
        as_text = isinstance(share, str) and share.rstrip().endswith("%")
        number_share = _number(share.rstrip()[:-1] if as_text else share)
        typed = number_share if as_text or number_share is None else number_share * 100
        if typed is None or not 0 <= typed <= 100:
            check.problem(
                None,
                None,
                f"{label}: the share is not a percentage from 0% to 100%",
                where=_figure_cell(check, row, F_SHARE),
                measure=spec.key,
            )
        else:
            figure.typed_share = typed
    return figure


def _figures(check: _Check, provider: Provider, quarter: FinancialQuarter) -> None:
    """The Figures sheet: each row placed by its keys as the template wrote them, its figure
    or status read; then every breakdown summed against its total."""
    report = check.report
    expected = figure_rows(provider, quarter)
    cells = check.grid.sheets.get(FIGURES_SHEET)
    if not expected:
        return
    if cells is None:
        # A return made from a template before the Figures sheet: its other figures are not
        # given.
        return
    for column, heading in FIGURES_HEADINGS.items():
        if str(cells.get((FIGURES_HEADING_ROW, column)) or "").strip() != heading:
            check.problem(
                None,
                None,
                f"expected the heading {heading!r} here: the {FIGURES_SHEET} "
                "sheet was not made from this quarter's template (make template)",
                where=_figure_cell(check, FIGURES_HEADING_ROW, column),
            )
            return
    for index, spec in enumerate(expected):
        row = figure_row_number(index)
        period = spec.period.label if spec.period is not None else AS_AT_SENT
        for column, want in (*zip(F_KEYS, spec.keys, strict=True), (F_PERIOD, period)):
            found = cells.get((row, column))
            found_text = None if found is None else str(found).strip()
            if found_text == want:
                continue
            where = _figure_cell(check, row, column)
            if column == F_AREA and found_text is not None:
                areas = ", ".join(c.area for c in spec.measure.comparators) if spec.measure else ""
                check.problem(
                    None,
                    None,
                    f"a comparator for an unknown area {_shown(found)}: "
                    f"{spec.key} is compared only with {areas or 'no other area'} in "
                    f"the catalogue (rule {AREA_RULE})",
                    where=where,
                    measure=spec.key,
                )
            else:
                check.problem(
                    None,
                    None,
                    f"expected {want!r} here: the {FIGURES_SHEET} sheet's "
                    "rows are the template's, in its order; fill in a new template "
                    "(make template)",
                    where=where,
                )
            return
        report.figures.append(_read_figures_row(check, spec, row, cells))
    last = figure_row_number(len(expected) - 1)
    for (row, column), value in sorted(cells.items()):
        if row <= last or value is None:
            continue
        if column == F_AREA:
            check.problem(
                None,
                None,
                f"a comparator for an unknown area {_shown(value)}: the "
                f"catalogue declares each measure's comparator areas, and the "
                f"template writes their rows (rule {AREA_RULE})",
                where=_figure_cell(check, row, column),
            )
        elif _number(value) is not None:
            check.problem(
                None,
                None,
                "a figure on a row the template did not write: it would "
                "be lost; use the template's rows",
                where=_figure_cell(check, row, column),
            )
        check.read_cells.add((FIGURES_SHEET, row, column))
    _breakdowns(check, provider)


def _breakdowns(check: _Check, provider: Provider) -> None:
    """Each breakdown's categories sum to its measure's total for the same period (the
    Return sheet's quarter figure for a quarterly measure); shares recomputed."""
    report = check.report
    groups: dict[tuple[str, str, Period | None], list[Figure]] = {}
    for figure in report.figures:
        spec = figure.spec
        if spec is not None and spec.kind == "category" and spec.breakdown is not None:
            groups.setdefault((figure.measure, spec.breakdown.key, figure.period), []).append(
                figure
            )
    for (measure_key, breakdown, period), figures in groups.items():
        given = [f for f in figures if f.state == "value"]
        if not given or any(f.state == "invalid" for f in figures):
            continue
        measure = provider.measure(measure_key)
        where = _range(FIGURES_SHEET, [(f.row, f.column) for f in figures])
        if len(given) < len(figures):
            missing = [
                f.spec.category.key
                for f in figures
                if f.state != "value" and f.spec and f.spec.category
            ]
            check.problem(
                None,
                None,
                f"{measure_key} by {breakdown} ({period.label if period else ''}): "
                f"{', '.join(missing)} not given: every category (0 where none, "
                f"not known where not known) is needed (rule {BREAKDOWN_RULE})",
                where=where,
                measure=measure_key,
            )
            continue
        if measure.is_quarterly:
            total_figure = report.figure(measure_key, "quarter")
        else:
            total_figure = next(
                (
                    f
                    for f in report.figures
                    if f.measure == measure_key
                    and f.spec is not None
                    and f.spec.kind == "total"
                    and f.period == period
                ),
                None,
            )
        if total_figure is None or total_figure.state != "value":
            check.problem(
                None,
                None,
                f"{measure_key} by {breakdown}: the categories are given "
                f"but the total {measure_key} is not (rule {BREAKDOWN_RULE})",
                where=where,
                measure=measure_key,
            )
            continue
        total = total_figure.value or 0.0
        added = sum(f.value or 0.0 for f in figures)
        if added != total:
            parts = " + ".join(fmt(f.value) for f in figures)
            check.problem(
                None,
                None,
                f"{measure_key} by {breakdown}: the categories add up to "
                f"{fmt(added)} ({parts}), not the total {measure_key} = {fmt(total)} "
                f"in {total_figure.cell} (rule {BREAKDOWN_RULE})",
                where=where,
                measure=measure_key,
            )
            continue
        for figure in figures:
            figure.total = total
            figure.share = (figure.value or 0.0) * 100.0 / total if total else None
            typed = figure.typed_share
            if typed is not None and (
                figure.share is None or not agrees_within_rounding(typed, figure.share)
            ):
                recomputed = (
                    "not computed (the total is 0)"
                    if figure.share is None
                    else fmt_percent(figure.share)
                )
                figure.note = (
                    f"The return gives a share of {fmt(typed)}%; {fmt(figure.value)} / "
                    f"{fmt(total)} = {recomputed}, which is shown."
                )
                check.problem(
                    None,
                    None,
                    f"{figure.measure} {figure.spec.what if figure.spec else ''}: "
                    f"the share is typed as {fmt(typed)}%, but {fmt(figure.value)} / "
                    f"{fmt(total)} = {recomputed}; the recomputed share is published "
                    f"(rule {BREAKDOWN_RULE})",
                    where=_figure_cell(check, figure.row, F_SHARE),
                    blocking=False,
                    measure=figure.measure,
                )


def _dates_against_today(check: _Check, today: dt.date) -> None:
    report = check.report
    if report.quarter and report.quarter.period_end >= today:
        check.problem(
            QUARTER_ROW,
            QUARTER_COL,
            f"the quarter {report.quarter.label} ({report.quarter.months}) has not ended on "
            f"{today:%Y-%m-%d}: a return holds only a finished quarter",
        )
    if report.submitted_on and report.submitted_on > today:
        check.problem(
            SUBMITTED_ROW,
            QUARTER_COL,
            f"submitted_on {report.submitted_on:%Y-%m-%d} is after today ({today:%Y-%m-%d})",
        )


def read_header(path: Path, catalogue: Catalogue | None = None) -> ReturnReport:
    """The provider, quarter and "submitted on" of a return, from its header cells alone (what
    a sensor needs on every tick), with any problem found there."""
    report = ReturnReport(path=Path(path))
    try:
        grid = read_grid(report.path)
    except ContractError as error:
        report.problems.append(Problem(error.where, error.rule))
        return report
    if RETURN_SHEET in grid.sheets:
        _header(_Check(report, grid), catalogue or load_catalogue(), None)
    else:
        report.problems.append(Problem("file", f"the workbook has no sheet {RETURN_SHEET!r}"))
    return report


def validate_return(
    path: Path,
    *,
    catalogue: Catalogue | None = None,
    expected_provider: str | None = None,
    today: dt.date | None = None,
    history: Sequence[ReturnReport] = (),
) -> ReturnReport:
    """Every problem of one return, with its sheet and cell.

    Args:
        expected_provider: the provider whose folder the file is in (the landing gate's).
        today: refuse a quarter not yet ended and a "submitted on" after it (`make validate`;
            the landing gate checks both itself, naming the same cells).
        history: the provider's other returns, for the year-to-date and history rules.
    """
    catalogue = catalogue or load_catalogue()
    report = ReturnReport(path=Path(path))
    try:
        grid = read_grid(report.path)
    except ContractError as error:
        report.problems.append(Problem(error.where, error.rule))
        return report
    check = _Check(report, grid)
    if RETURN_SHEET not in grid.sheets:
        report.problems.append(
            Problem(
                "file",
                f"the workbook has no sheet {RETURN_SHEET!r}: it was not made from a return "
                "template (make template)",
            )
        )
        _personal_data(check)
        return report
    _unsaved_formulas(check)
    if _header(check, catalogue, expected_provider) and report.provider is not None:
        _measures(check, report.provider, report.quarter)
        _percentage_scale(check)
        bases: tuple[Basis, ...] = ("quarter", "year_to_date")
        for basis in bases:
            for rule in report.provider.rules:
                if rule.kind == "within":
                    _within(check, rule, basis)
                else:
                    _ratio(check, rule, basis)
        if report.quarter is not None:
            _figures(check, report.provider, report.quarter)
        history = [h for h in history if h.provider == report.provider]
        _year_to_date(check, history)
        _against_history(check, history)
    if today is not None:
        _dates_against_today(check, today)
    _personal_data(check)
    return report


def latest_by_quarter(reports: Iterable[ReturnReport]) -> dict[FinancialQuarter, ReturnReport]:
    """For each quarter, the return that counts: the latest "submitted on", then the name."""
    latest: dict[FinancialQuarter, ReturnReport] = {}
    for report in reports:
        if report.quarter is None or report.submitted_on is None:
            continue
        current = latest.get(report.quarter)
        key = (report.submitted_on, report.path.name)
        if current is None or key > (current.submitted_on or dt.date.min, current.path.name):
            latest[report.quarter] = report
    return latest


@lru_cache(maxsize=512)
def _alone(path: str, stamp: tuple[int, int], provider: str, catalogue: Catalogue) -> ReturnReport:
    return validate_return(Path(path), catalogue=catalogue, expected_provider=provider)


def load_history(
    folder: Path, provider: Provider, *, exclude: Path | None = None,
    catalogue: Catalogue | None = None,
) -> list[ReturnReport]:  # fmt: skip
    """The provider's returns in `folder` that pass on their own (the history other returns are
    checked against), leaving out `exclude`."""
    catalogue = catalogue or load_catalogue()
    if not folder.is_dir():
        return []
    reports = []
    for path in sorted(folder.iterdir()):
        if (
            path.name.startswith((".", "~$"))
            or not path.is_file()
            or path.suffix.lower() not in ACCEPTED_SUFFIXES
            or (exclude is not None and path.resolve() == exclude.resolve())
        ):
            continue
        status = path.stat()
        report = _alone(str(path), (status.st_mtime_ns, status.st_size), provider.key, catalogue)
        if report.provider == provider and not report.blocking:
            reports.append(report)
    return reports


def history_for(
    path: Path, provider: Provider, catalogue: Catalogue | None = None
) -> list[ReturnReport]:
    """The history of a return landed in its provider's folder: the folder's other returns
    (the rules read only earlier quarters from it, so another version of the same quarter is
    never its history)."""
    return load_history(path.parent, provider, exclude=path, catalogue=catalogue)
