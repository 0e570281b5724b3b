"""The return template a provider fills in: one workbook per provider and quarter.

`make template PROVIDER=marac QUARTER=2022-23-Q4` writes it. The sheet `Return` holds the
provider, the quarter and a "submitted on" date at the top, then one row per measure: label,
key, the quarter's figure, the year to date and the unit. After the measures and one blank row
come the catalogue's text cells, the only cells that take text: label, key, and the text in
column C (a note for the partnership, the job title of who completed the return). Labels and
keys are locked (the sheet is protected, the cells to fill are not); the cells to fill carry
Excel data validation (whole numbers >= 0, percentages 0-100%, or n/a; a text's length) and a
prompt. The sheet `Instructions` says what each measure and text cell means and which rules tie
the measures. The validator (`validate.py`) reads exactly these cells, so what the template
writes is what the loader loads.

`template_cells` lists every cell the template writes, by edition: a return made from an
earlier edition of the template (its instructions worded otherwise, no text cells) is still a
template's return.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from orchestration.lib.periods import FinancialQuarter
from orchestration.lib.xlsx import reproducible_bytes
from orchestration.sources.partner_returns.catalogue import (
    PLAN_STATUSES,
    WITHHELD,
    Breakdown,
    Category,
    Comparator,
    Measure,
    Period,
    Plan,
    PlanItem,
    Provider,
    TextCell,
)

RETURN_SHEET = "Return"
INSTRUCTIONS_SHEET = "Instructions"
# The header block: (row, label in A, key in B). The provider and quarter are in C, written by
# the template; the provider fills C4.
PROVIDER_ROW, QUARTER_ROW, SUBMITTED_ROW, HEADING_ROW = 2, 3, 4, 5
FIRST_MEASURE_ROW = 6
HEADER_KEYS = {PROVIDER_ROW: "provider", QUARTER_ROW: "quarter", SUBMITTED_ROW: "submitted_on"}
HEADER_LABELS = {PROVIDER_ROW: "Provider", QUARTER_ROW: "Quarter", SUBMITTED_ROW: "Submitted on"}
# Columns of the measure table.
LABEL_COL, KEY_COL, QUARTER_COL, YTD_COL, UNIT_COL = 1, 2, 3, 4, 5
HEADINGS = {
    LABEL_COL: "Measure",
    KEY_COL: "Key",
    QUARTER_COL: "This quarter",
    YTD_COL: "Year to date (optional)",
    UNIT_COL: "Unit",
}
VALUE_COLUMNS = {QUARTER_COL: "quarter", YTD_COL: "year_to_date"}
NOT_AVAILABLE = "n/a"
# What column E says on a text cell's row.
TEXT_UNIT = "text"
# The template's editions, oldest first: 1 had no text cells and other instructions; 2 added
# the text cells; 3 added the Figures sheet (for a provider and quarter that has figures other
# than the quarter's totals). A return of any edition is read; a new template is the last one.
EDITIONS = (1, 2, 3)
EDITION = EDITIONS[-1]
UNIT_WORDS = {"count": "count", "percent": "percent", "currency": "£", "rate": "rate"}
NUMBER_FORMATS = {"count": "0", "percent": "0.0%", "currency": "£#,##0.00", "rate": "0.00"}
DATE_FORMAT = "yyyy-mm-dd"

_FILL = PatternFill("solid", fgColor="FFF2CC")  # the cells to fill in
_HEAD = PatternFill("solid", fgColor="1D4F91")
_BOLD = Font(bold=True)
_WHITE_BOLD = Font(bold=True, color="FFFFFF")
_THIN = Side(style="thin", color="A0A0A0")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_OPEN = Protection(locked=False)


def title(provider: Provider, quarter: FinancialQuarter) -> str:
    return f"{provider.title}: quarterly return for {quarter.label} ({quarter.months})"


def file_name(provider: Provider, quarter: FinancialQuarter) -> str:
    """`marac_2022-23-Q4.xlsx`: the quarter in the name lets the validator check it."""
    return f"{provider.key}_{quarter.key}.xlsx"


def measure_row(index: int) -> int:
    return FIRST_MEASURE_ROW + index


def text_row(provider: Provider, quarter: FinancialQuarter, index: int) -> int:
    """The row of the `index`th text cell: after the quarter's measures and one blank row."""
    return measure_row(len(provider.measures_for(quarter))) + 1 + index


def text_rows(provider: Provider, quarter: FinancialQuarter) -> dict[str, int]:
    """Each text cell's row in this quarter's template, by key."""
    return {t.key: text_row(provider, quarter, i) for i, t in enumerate(provider.text_cells)}


@dataclass(frozen=True)
class TemplateCell:
    """A cell the template writes and the provider must leave as it is."""

    sheet: str
    row: int
    column: int
    value: object


# The Figures sheet: every figure that is not a quarter's total, one row each, in long form.
# The template writes the keys, labels and periods (locked); the provider types the figure,
# a status (n/a; withheld where the catalogue allows it; an action plan item's status) and,
# for a breakdown's category, optionally the share it shows.
FIGURES_SHEET = "Figures"
FIGURES_HEADING_ROW = 2
FIRST_FIGURE_ROW = 3
(F_LABEL, F_MEASURE, F_BREAKDOWN, F_CATEGORY, F_AREA, F_ITEM, F_WHAT, F_PERIOD, F_VALUE,
 F_STATUS, F_SHARE, F_UNIT) = range(1, 13)  # fmt: skip
FIGURES_HEADINGS = {
    F_LABEL: "Measure",
    F_MEASURE: "measure",
    F_BREAKDOWN: "breakdown",
    F_CATEGORY: "category",
    F_AREA: "area",
    F_ITEM: "item",
    F_WHAT: "Of what",
    F_PERIOD: "Period",
    F_VALUE: "Figure",
    F_STATUS: "Status",
    F_SHARE: "Share (optional)",
    F_UNIT: "Unit",
}
# The key cells that place a row: the validator compares them with the catalogue's.
F_KEYS = (F_MEASURE, F_BREAKDOWN, F_CATEGORY, F_AREA, F_ITEM)
NOT_AVAILABLE_STATUS = NOT_AVAILABLE
AS_AT_SENT = "as at the day the return is sent"


@dataclass(frozen=True)
class FigureRow:
    """One row of the Figures sheet: a measure's total for a period, one category of its
    breakdown, a comparator area's figure, or an action plan item."""

    key: str
    label: str
    period: Period | None
    measure: Measure | None = None
    breakdown: Breakdown | None = None
    category: Category | None = None
    comparator: Comparator | None = None
    plan: Plan | None = None
    item: PlanItem | None = None

    @property
    def kind(self) -> str:
        if self.item is not None:
            return "plan_item"
        if self.category is not None:
            return "category"
        if self.comparator is not None:
            return "comparator"
        return "total"

    @property
    def keys(self) -> tuple[str | None, ...]:
        """The values of F_KEYS, in order."""
        return (
            self.key,
            self.breakdown.key if self.breakdown else None,
            self.category.key if self.category else None,
            self.comparator.area if self.comparator else None,
            self.item.key if self.item else None,
        )

    @property
    def what(self) -> str:
        if self.item is not None:
            return f"{self.item.theme} (owner: {self.item.owner})"
        if self.category is not None and self.breakdown is not None:
            return f"{self.breakdown.label}: {self.category.label}"
        if self.comparator is not None:
            return f"{self.comparator.label} ({self.comparator.source})"
        return "Barnet"

    @property
    def statuses(self) -> tuple[str, ...]:
        """The words the status cell takes."""
        if self.item is not None:
            return tuple(PLAN_STATUSES.values())
        assert self.measure is not None
        if self.kind == "total" and self.measure.may_be_withheld:
            return (NOT_AVAILABLE_STATUS, WITHHELD)
        return (NOT_AVAILABLE_STATUS,)


def figure_rows(provider: Provider, quarter: FinancialQuarter) -> list[FigureRow]:
    """The Figures sheet's rows for a return of `quarter`, in order: for each measure and
    period, the total (a measure that is not quarterly), the comparators, the breakdowns'
    categories; then each action plan's items."""
    rows: list[FigureRow] = []
    for measure in provider.every_measure_for(quarter):
        for period in measure.periods_for(quarter):
            base = {"key": measure.key, "label": measure.label, "period": period,
                    "measure": measure}  # fmt: skip
            if not measure.is_quarterly:
                rows.append(FigureRow(**base))  # type: ignore[arg-type]
            for comparator in measure.comparators:
                rows.append(FigureRow(**base, comparator=comparator))  # type: ignore[arg-type]
            for breakdown in measure.breakdowns:
                for category in breakdown.categories:
                    rows.append(
                        FigureRow(**base, breakdown=breakdown, category=category)  # type: ignore[arg-type]
                    )
    for plan in provider.plans:
        for item in plan.items:
            rows.append(FigureRow(plan.key, plan.label, None, plan=plan, item=item))
    return rows


def figure_row_number(index: int) -> int:
    return FIRST_FIGURE_ROW + index


def _figures_title(provider: Provider, quarter: FinancialQuarter) -> str:
    return (
        f"{provider.title}: the return's other figures for {quarter.label} (periods, "
        "breakdowns, comparators, action plans)"
    )


def _figures_line(provider: Provider, quarter: FinancialQuarter) -> str:
    value, status, share = (get_column_letter(c) for c in (F_VALUE, F_STATUS, F_SHARE))
    return (
        f"On the {FIGURES_SHEET} sheet, each row is one figure the partnership reads beside the "
        f"quarter's: a measure for the period in column {get_column_letter(F_PERIOD)} (a "
        "snapshot on its day, a year, 12 months), a category of a breakdown (the categories, "
        "with 'not known', add up to the measure's total for the same period), another area's "
        "figure as its publisher gives it, or an action plan item. Type the figure in column "
        f"{value}, or in column {status} a status: n/a when you do not have it, {WITHHELD} for "
        "a figure you cannot yet release (where the status list offers it: leave the figure "
        "empty, never 0), and for a plan item one of "
        f"{', '.join(PLAN_STATUSES.values())} ({AS_AT_SENT}). A row left empty is not given. "
        f"Column {share} takes a category's share as a percentage if you have it: it is "
        "recomputed from the counts."
    )


def _rules_text(provider: Provider, measure: Measure) -> str:
    return "; ".join(rule.text for rule in provider.rules if measure.key in rule.measures)


def _target_text(measure: Measure, quarter: FinancialQuarter) -> str:
    parts = []
    quarterly = measure.target("quarter", quarter)
    yearly = measure.target("year", quarter)
    if quarterly is not None:
        parts.append(f"{quarterly:g} a quarter")
    if yearly is not None:
        parts.append(f"{yearly:g} in {quarter.financial_year}")
    return ", ".join(parts)


def _text_cells_line(provider: Provider, quarter: FinancialQuarter) -> str:
    """The instruction on the text cells: where text goes, and that it goes nowhere else."""
    rows = text_rows(provider, quarter)
    where = [
        f"{get_column_letter(QUARTER_COL)}{rows[t.key]} ({t.key}), "
        + ("a note for the partnership about the figures" if t.holds == "note"
           else "the job title or team of whoever completed the return, never a name")
        + f", at most {t.max_length:,} characters"
        for t in provider.text_cells
    ]  # fmt: skip
    if not where:
        return "A return holds figures only: any text added to it, on any sheet, is refused."
    return (
        f"Text goes only in the yellow cells below the measures: {'; '.join(where)}. Never "
        "write a name or any detail of a person there. Text in any other cell, on any sheet, "
        "is refused: a return holds figures."
    )


def instruction_lines(
    provider: Provider, quarter: FinancialQuarter, edition: int = EDITION
) -> list[str]:
    """The paragraphs at the top of the Instructions sheet (of the template's `edition`; the
    first edition's, word for word, since its returns are still read)."""
    end = quarter.period_end
    filling = [
        f"On the {RETURN_SHEET} sheet, fill in the yellow cells: the day you send the return "
        f"(C{SUBMITTED_ROW}, on or after {end:%d %B %Y}), and for each measure the quarter's "
        "figure (column C) and, if you have it, the figure for the year to date from April "
        "(column D).",
        "Counts are whole numbers of 0 or more. Percentages are typed as percentages "
        "(17.8%). Where a figure is not available, type n/a: a required measure left blank "
        "is a missing figure, and the return is refused.",
    ]
    if edition == 1:
        people = [
            "Send aggregate figures only. Never add names, dates of birth, NHS numbers, "
            "addresses or postcodes, email addresses or phone numbers, on any sheet: a return "
            "holding anything like them is refused without repeating it (UK GDPR)."
        ]
    else:
        people = [
            _text_cells_line(provider, quarter),
            "Send aggregate figures only. Never add names, dates of birth, NHS numbers, "
            "addresses or postcodes, email addresses or phone numbers, on any sheet or in a note "
            "(not even a first name): a return holding anything like them is refused without "
            "repeating it (UK GDPR).",
        ]
    rest = [
        "Leave the labels, keys, provider and quarter as they are: the return is read by "
        "its keys, and a workbook with other keys is refused.",
        "Percentages are recomputed from their counts (the rules below). A typed percentage "
        "that differs beyond rounding is reported to you, and the recomputed one is published.",
        "A corrected return for the same quarter replaces the earlier one: give it the day "
        "you send it. The partnership's data team can check a return before you send it "
        "(make validate FILE=<this file>), and names every cell to correct.",
    ]
    if edition >= 3 and figure_rows(provider, quarter):
        filling.append(_figures_line(provider, quarter))
    steps = [*filling, *people, *rest]
    return [
        f"How to fill in the {provider.title} return for {quarter.label} ({quarter.months})",
        *(f"{number}. {text}" for number, text in enumerate(steps, start=1)),
    ]


def template_cells(
    provider: Provider, quarter: FinancialQuarter, edition: int = EDITION
) -> Iterator[TemplateCell]:
    """Every cell the template (of `edition`) writes that the provider leaves alone (labels,
    keys, header, instructions), with its value: the validator compares a return against
    them."""
    sheet = RETURN_SHEET
    yield TemplateCell(sheet, 1, 1, title(provider, quarter))
    for row, label in HEADER_LABELS.items():
        yield TemplateCell(sheet, row, LABEL_COL, label)
        yield TemplateCell(sheet, row, KEY_COL, HEADER_KEYS[row])
    yield TemplateCell(sheet, PROVIDER_ROW, QUARTER_COL, provider.key)
    yield TemplateCell(sheet, PROVIDER_ROW, YTD_COL, provider.title)
    yield TemplateCell(sheet, QUARTER_ROW, QUARTER_COL, quarter.key)
    yield TemplateCell(sheet, QUARTER_ROW, YTD_COL, f"{quarter.months} ({quarter.label})")
    yield TemplateCell(sheet, SUBMITTED_ROW, YTD_COL, "the day you send the return (YYYY-MM-DD)")
    for column, heading in HEADINGS.items():
        yield TemplateCell(sheet, HEADING_ROW, column, heading)
    for index, measure in enumerate(provider.measures_for(quarter)):
        row = measure_row(index)
        yield TemplateCell(sheet, row, LABEL_COL, measure.label)
        yield TemplateCell(sheet, row, KEY_COL, measure.key)
        yield TemplateCell(sheet, row, UNIT_COL, UNIT_WORDS[measure.unit])
    texts = provider.text_cells if edition >= 2 else ()
    for index, text in enumerate(texts):
        row = text_row(provider, quarter, index)
        yield TemplateCell(sheet, row, LABEL_COL, text.label)
        yield TemplateCell(sheet, row, KEY_COL, text.key)
        yield TemplateCell(sheet, row, UNIT_COL, TEXT_UNIT)
    if edition >= 3:
        yield from _figures_cells(provider, quarter)
    sheet = INSTRUCTIONS_SHEET
    lines = instruction_lines(provider, quarter, edition)
    for offset, line in enumerate(lines, start=1):
        yield TemplateCell(sheet, offset, 1, line)
    table = len(lines) + 2
    for column, heading in enumerate(("Key", "Measure", "Unit", "What it means", "Rules",
                                      "Target", "Required"), start=1):  # fmt: skip
        yield TemplateCell(sheet, table, column, heading)
    listed = provider.every_measure_for(quarter) if edition >= 3 else provider.measures_for(quarter)
    for offset, measure in enumerate(listed, start=1):
        values = (
            measure.key,
            measure.label,
            UNIT_WORDS[measure.unit],
            measure.description,
            _rules_text(provider, measure) or None,
            _target_text(measure, quarter) or None,
            "yes (a figure or n/a)"
            if measure.required and measure.is_quarterly
            else "no (may be left blank)"
            if measure.is_quarterly
            else f"no: on the {FIGURES_SHEET} sheet, a row left empty is not given",
        )
        for column, value in enumerate(values, start=1):
            if value is not None:
                yield TemplateCell(sheet, table + offset, column, value)
    after = table + len(listed)
    for offset, text in enumerate(texts, start=1):
        text_values = (
            text.key,
            text.label,
            TEXT_UNIT,
            f"{text.description} At most {text.max_length:,} characters.",
            None,
            None,
            "no (may be left blank)",
        )
        for column, value in enumerate(text_values, start=1):
            if value is not None:
                yield TemplateCell(sheet, after + offset, column, value)


def _figures_cells(provider: Provider, quarter: FinancialQuarter) -> Iterator[TemplateCell]:
    rows = figure_rows(provider, quarter)
    if not rows:
        return
    sheet = FIGURES_SHEET
    yield TemplateCell(sheet, 1, 1, _figures_title(provider, quarter))
    for column, heading in FIGURES_HEADINGS.items():
        yield TemplateCell(sheet, FIGURES_HEADING_ROW, column, heading)
    for index, figure in enumerate(rows):
        row = figure_row_number(index)
        values: dict[int, object] = {F_LABEL: figure.label, F_WHAT: figure.what}
        values.update(zip(F_KEYS, figure.keys, strict=True))
        if figure.period is not None:
            values[F_PERIOD] = figure.period.label
        else:
            values[F_PERIOD] = AS_AT_SENT
        if figure.measure is not None:
            values[F_UNIT] = UNIT_WORDS[figure.measure.unit]
        else:
            values[F_UNIT] = "status"
        for column, value in values.items():
            if value is not None:
                yield TemplateCell(sheet, row, column, value)


def every_edition_cells(
    provider: Provider, quarter: FinancialQuarter
) -> dict[tuple[str, int, int], set[str]]:
    """The cells any edition of the template writes, with the texts each may hold: a return
    made from an earlier template leaves its own edition's cells as they are."""
    cells: dict[tuple[str, int, int], set[str]] = {}
    for edition in EDITIONS:
        for cell in template_cells(provider, quarter, edition):
            cells.setdefault((cell.sheet, cell.row, cell.column), set()).add(
                str(cell.value).strip()
            )
    return cells


def _validation(measure: Measure, cell: str) -> DataValidation:
    """Excel's own check as the provider types: the unit's range, or n/a."""
    blank_or_na = f'LOWER(TRIM({cell}))="{NOT_AVAILABLE}"'
    if measure.unit == "count":
        rule = f"OR(AND(ISNUMBER({cell}),{cell}>=0,{cell}=INT({cell})),{blank_or_na})"
        words = "a whole number of 0 or more, or n/a"
    elif measure.unit == "percent":
        rule = f"OR(AND(ISNUMBER({cell}),{cell}>=0,{cell}<=1),{blank_or_na})"
        words = "a percentage from 0% to 100% (type 17.8%), or n/a"
    else:
        rule = f"OR(AND(ISNUMBER({cell}),{cell}>=0),{blank_or_na})"
        words = "an amount in pounds of 0 or more, or n/a"
    validation = DataValidation(
        type="custom",
        formula1=rule,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle="Not a valid figure",
        error=f"{measure.label}: {words}.",
        promptTitle=measure.key,
        prompt=f"{words[0].upper()}{words[1:]}."[:255],
    )
    validation.add(cell)
    return validation


def _text_validation(text: TextCell, cell: str) -> DataValidation:
    """Excel's own check on a text cell: its length, and a prompt that it takes no names."""
    prompt = (
        "A note about the figures, for the partnership."
        if text.holds == "note"
        else "A job title or team, never a name."
    )
    validation = DataValidation(
        type="textLength",
        operator="lessThanOrEqual",
        formula1=str(text.max_length),
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle="Too long",
        error=f"{text.label}: at most {text.max_length:,} characters.",
        promptTitle=text.key[:32],
        prompt=(
            f"{prompt} No names (not even a first name) or personal details: no dates of "
            "birth, addresses, postcodes, phone or NHS numbers, email addresses. At most "
            f"{text.max_length:,} characters."
        )[:255],
    )
    validation.add(cell)
    return validation


def _write_cells(ws: Worksheet, cells: list[TemplateCell], sheet: str) -> None:
    """A sheet's template cells (labels, keys, instructions), its title in bold."""
    for cell in cells:
        if cell.sheet == sheet:
            ws.cell(row=cell.row, column=cell.column, value=cell.value)
    ws["A1"].font = Font(bold=True, size=13)


def _style_headings(ws: Worksheet, row: int, columns: Iterable[int]) -> None:
    """A table's heading row: white bold on the heading colour, wrapped."""
    for column in columns:
        heading = ws.cell(row=row, column=column)
        heading.font = _WHITE_BOLD
        heading.fill = _HEAD
        heading.alignment = _WRAP


def _open_for_input(cell: Cell) -> None:
    """A yellow cell the provider fills in: unlocked in the protected sheet, boxed."""
    cell.fill = _FILL
    cell.protection = _OPEN
    cell.border = _BOX


def _protect(ws: Worksheet) -> None:
    """Labels and keys are locked; the provider can still select and fill the yellow cells."""
    ws.protection.sheet = True
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False


def _return_sheet(
    ws: Worksheet, provider: Provider, quarter: FinancialQuarter, cells: list[TemplateCell]
) -> None:
    _write_cells(ws, cells, RETURN_SHEET)
    for row in HEADER_LABELS:
        ws.cell(row=row, column=LABEL_COL).font = _BOLD
    _style_headings(ws, HEADING_ROW, HEADINGS)
    submitted = ws.cell(row=SUBMITTED_ROW, column=QUARTER_COL)
    submitted.number_format = DATE_FORMAT
    _open_for_input(submitted)
    date_check = DataValidation(
        type="date",
        operator="greaterThan",
        formula1=f"DATE({quarter.period_end.year},{quarter.period_end.month},"
        f"{quarter.period_end.day})",
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle="Not a valid date",
        error=f"The day you send the return: after {quarter.period_end:%d %B %Y}.",
        promptTitle="submitted_on",
        prompt="The day you send the return, YYYY-MM-DD.",
    )
    date_check.add(submitted.coordinate)
    ws.add_data_validation(date_check)
    for index, measure in enumerate(provider.measures_for(quarter)):
        row = measure_row(index)
        ws.cell(row=row, column=LABEL_COL).alignment = _WRAP
        for column in VALUE_COLUMNS:
            cell = ws.cell(row=row, column=column)
            cell.number_format = NUMBER_FORMATS[measure.unit]
            _open_for_input(cell)
            ws.add_data_validation(_validation(measure, cell.coordinate))
    for index, text in enumerate(provider.text_cells):
        row = text_row(provider, quarter, index)
        ws.cell(row=row, column=LABEL_COL).alignment = _WRAP
        cell = ws.cell(row=row, column=QUARTER_COL)
        cell.number_format = "@"
        _open_for_input(cell)
        cell.alignment = _WRAP
        ws.add_data_validation(_text_validation(text, cell.coordinate))
        if text.holds == "note":
            ws.row_dimensions[row].height = 60
    for letter, width in zip("ABCDE", (52, 28, 14, 16, 10), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = ws.cell(row=FIRST_MEASURE_ROW, column=QUARTER_COL)
    _protect(ws)


def _instructions_sheet(
    ws: Worksheet, provider: Provider, quarter: FinancialQuarter, cells: list[TemplateCell]
) -> None:
    for cell in cells:
        if cell.sheet == INSTRUCTIONS_SHEET:
            target = ws.cell(row=cell.row, column=cell.column, value=cell.value)
            target.alignment = _WRAP
    ws["A1"].font = Font(bold=True, size=13)
    table = len(instruction_lines(provider, quarter)) + 2
    for column in range(1, 8):
        heading = ws.cell(row=table, column=column)
        heading.font = _WHITE_BOLD
        heading.fill = _HEAD
    for letter, width in zip("ABCDEFG", (28, 40, 10, 60, 36, 18, 18), strict=True):
        ws.column_dimensions[letter].width = width
    for row in range(2, table - 1):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
        ws.row_dimensions[row].height = 45
    ws.protection.sheet = True


def _figure_validation(figure: FigureRow, cell: str) -> DataValidation:
    """Excel's own check on a figure cell: the unit's range (a blank cell is allowed)."""
    assert figure.measure is not None
    unit = figure.measure.unit
    if unit == "count":
        rule = f"AND(ISNUMBER({cell}),{cell}>=0,{cell}=INT({cell}))"
        words = "a whole number of 0 or more (or leave it empty and type a status)"
    elif unit == "percent":
        rule = f"AND(ISNUMBER({cell}),{cell}>=0,{cell}<=1)"
        words = "a percentage from 0% to 100% (or leave it empty and type a status)"
    else:
        rule = f"AND(ISNUMBER({cell}),{cell}>=0)"
        words = "a number of 0 or more (or leave it empty and type a status)"
    validation = DataValidation(
        type="custom",
        formula1=rule,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle="Not a valid figure",
        error=f"{figure.label}: {words}."[:225],
        promptTitle=figure.key[:32],
        prompt=f"{words[0].upper()}{words[1:]}."[:255],
    )
    validation.add(cell)
    return validation


def _status_validation(figure: FigureRow, cell: str) -> DataValidation:
    """The status cell: a list of the words it takes."""
    words = figure.statuses
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(words) + '"',
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle="Not a status",
        error=f"One of: {', '.join(words)}.",
        promptTitle="status",
        prompt=(
            f"One of: {', '.join(words)}."
            + (" Withheld: leave the figure empty, never 0." if WITHHELD in words else "")
        )[:255],
    )
    validation.add(cell)
    return validation


def _figures_sheet(ws: Worksheet, figures: list[FigureRow], cells: list[TemplateCell]) -> None:
    _write_cells(ws, cells, FIGURES_SHEET)
    _style_headings(ws, FIGURES_HEADING_ROW, FIGURES_HEADINGS)
    for index, figure in enumerate(figures):
        row = figure_row_number(index)
        ws.cell(row=row, column=F_LABEL).alignment = _WRAP
        ws.cell(row=row, column=F_WHAT).alignment = _WRAP
        open_columns = [F_STATUS]
        if figure.measure is not None:
            open_columns.append(F_VALUE)
            value = ws.cell(row=row, column=F_VALUE)
            value.number_format = NUMBER_FORMATS[figure.measure.unit]
            ws.add_data_validation(_figure_validation(figure, value.coordinate))
        if figure.category is not None:
            open_columns.append(F_SHARE)
            ws.cell(row=row, column=F_SHARE).number_format = NUMBER_FORMATS["percent"]
        for column in open_columns:
            _open_for_input(ws.cell(row=row, column=column))
        ws.add_data_validation(_status_validation(figure, f"{get_column_letter(F_STATUS)}{row}"))
    widths = (40, 24, 14, 16, 18, 18, 36, 30, 12, 12, 10, 8)
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = ws.cell(row=FIRST_FIGURE_ROW, column=F_VALUE)
    _protect(ws)


def template_workbook(provider: Provider, quarter: FinancialQuarter) -> Workbook:
    workbook = Workbook()
    ws = workbook.active
    ws.title = RETURN_SHEET
    # Every sheet's fixed cells, worked out once for the three sheets.
    cells = list(template_cells(provider, quarter))
    _return_sheet(ws, provider, quarter, cells)
    figures = figure_rows(provider, quarter)
    if figures:
        _figures_sheet(workbook.create_sheet(FIGURES_SHEET), figures, cells)
    _instructions_sheet(workbook.create_sheet(INSTRUCTIONS_SHEET), provider, quarter, cells)
    workbook.active = 0
    return workbook


def template_bytes(provider: Provider, quarter: FinancialQuarter) -> bytes:
    """The template's bytes, the same every time for the same provider, quarter and catalogue
    (stamped with the quarter's end, not the time it was made)."""
    stamp = dt.datetime.combine(quarter.period_end, dt.time(), tzinfo=dt.UTC)
    return reproducible_bytes(template_workbook(provider, quarter), stamp, title(provider, quarter))


def write_template(provider: Provider, quarter: FinancialQuarter, folder: Path) -> Path:
    """Writes `<provider>_<quarter>.xlsx` in `folder` (created) and returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name(provider, quarter)
    path.write_bytes(template_bytes(provider, quarter))
    return path


Filled = dict[str, "float | str | None"]
# A Figures sheet entry: the row's keys (measure; breakdown, category, area or item where it
# has one; `to`, the period's last day, where the measure asks for more than one period) and
# what is typed: `value`, `status`, `share`.
FigureEntry = dict[str, object]


def find_figure_row(provider: Provider, quarter: FinancialQuarter, entry: FigureEntry) -> int:
    """The sheet row of a Figures entry (a KeyError naming it when the template has none)."""
    wanted = tuple(entry.get(name) for name in ("measure", "breakdown", "category", "area",
                                                "item"))  # fmt: skip
    found = [
        figure_row_number(index)
        for index, figure in enumerate(figure_rows(provider, quarter))
        if figure.keys == wanted
        and (entry.get("to") is None or (figure.period and figure.period.end == entry["to"]))
    ]
    if len(found) != 1:
        raise KeyError(f"{provider.key} {quarter.key}: {len(found)} Figures rows for {entry}")
    return found[0]


def filled_workbook(
    provider: Provider,
    quarter: FinancialQuarter,
    submitted_on: dt.date | None,
    quarter_figures: Filled,
    ytd_figures: Filled | None = None,
    texts: dict[str, str] | None = None,
    figures: list[FigureEntry] | None = None,
) -> Workbook:
    """The template, filled in as a provider would: figures by measure key (a percentage as a
    fraction, as Excel stores 17.8%; "n/a" where not available), the day it is sent, and any
    text cells by key."""
    from io import BytesIO

    from openpyxl import load_workbook

    workbook = load_workbook(BytesIO(template_bytes(provider, quarter)))
    ws = workbook[RETURN_SHEET]
    ws.cell(row=SUBMITTED_ROW, column=QUARTER_COL, value=submitted_on)
    rows = {m.key: measure_row(i) for i, m in enumerate(provider.measures_for(quarter))}
    for column, typed in ((QUARTER_COL, quarter_figures), (YTD_COL, ytd_figures or {})):
        for key, value in typed.items():
            ws.cell(row=rows[key], column=column, value=value)
    for key, text in (texts or {}).items():
        ws.cell(row=text_rows(provider, quarter)[key], column=QUARTER_COL, value=text)
    for entry in figures or ():
        row = find_figure_row(provider, quarter, entry)
        sheet = workbook[FIGURES_SHEET]
        for name, column in (("value", F_VALUE), ("status", F_STATUS), ("share", F_SHARE)):
            if name in entry:
                sheet.cell(row=row, column=column, value=entry[name])
    return workbook


def filled_bytes(workbook: Workbook, provider: Provider, quarter: FinancialQuarter) -> bytes:
    """A filled-in template's bytes, stamped with the quarter's end like the template's."""
    stamp = dt.datetime.combine(quarter.period_end, dt.time(), tzinfo=dt.UTC)
    return reproducible_bytes(workbook, stamp, title(provider, quarter))


def return_sheet_as_csv(workbook: Workbook) -> str:
    """The Return sheet as Excel's Save As "CSV UTF-8" writes it: what each cell shows (dates
    as YYYY-MM-DD, percentages as 17.8%), every row as wide as the sheet's used range."""
    import csv
    import io

    ws = workbook[RETURN_SHEET]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column):
        shown = []
        for cell in row:
            value = cell.value
            if value is None:
                shown.append("")
            elif isinstance(value, dt.datetime | dt.date):
                shown.append(f"{value:%Y-%m-%d}")
            elif isinstance(value, int | float) and "%" in (cell.number_format or ""):
                shown.append(f"{value * 100:.1f}%")
            else:
                shown.append(str(value))
        writer.writerow(shown)
    return buffer.getvalue()
