"""The pack's tables as an Excel workbook of real numbers, one sheet per section.

Analysts re-use the pack's figures in their own spreadsheets, so numbers are written as
numbers with Excel number formats (never pre-formatted text), and percentages as fractions
under a "0%" format. The file is made reproducible: document properties carry the generation
time, and the zip entries are re-stamped with it because openpyxl stamps them with "now".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from orchestration.lib.xlsx import reproducible_bytes
from orchestration.sections import PackContext, Row, Sheet

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1D4F91")
_HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
_WRAP = Alignment(wrap_text=True, vertical="top")
_LIGHT_FILLS = {"F2B705"}


@dataclass(frozen=True)
class SheetData:
    """A section's sheet spec with the rows its query returned."""

    sheet: Sheet
    rows: Sequence[Row]
    notes: Sequence[str] = ()


def _cell_value(value: Any, divide_by: float) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and divide_by != 1.0:
        return value / divide_by
    return value


def _write_sheet(workbook: Workbook, data: SheetData, ctx: PackContext) -> None:
    sheet = data.sheet
    ws = workbook.create_sheet(title=sheet.name)
    labels = ctx.labels
    for col, column in enumerate(sheet.columns, start=1):
        cell = ws.cell(row=1, column=col, value=column.header.format(**labels))
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = _HEADER_ALIGNMENT
        ws.column_dimensions[get_column_letter(col)].width = column.width
    for r, row in enumerate(data.rows, start=2):
        for col, column in enumerate(sheet.columns, start=1):
            value = row.get(column.field)
            if value is None:
                continue
            cell = ws.cell(row=r, column=col, value=_cell_value(value, column.divide_by))
            if column.number_format:
                cell.number_format = column.number_format
            if isinstance(value, str) and column.width >= 30:
                cell.alignment = _WRAP
            if column.fills and value in column.fills:
                colour = column.fills[value]
                cell.fill = PatternFill("solid", fgColor=colour)
                # Dark text on the light (amber) fill, white on the dark ones.
                cell.font = Font(bold=True, color="1B1F24" if colour in _LIGHT_FILLS else "FFFFFF")
    last_row = max(len(data.rows) + 1, 1)
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 32
    if data.rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{last_row}"
    for offset, note in enumerate([*data.notes, *sheet.notes], start=2):
        ws.cell(row=last_row + offset, column=1, value=note).font = Font(italic=True)


def workbook_bytes(ctx: PackContext, sheets: Sequence[SheetData]) -> bytes:
    """Builds the workbook in memory so the caller can write it atomically.

    Args:
        ctx: the pack's borough, month and generation time.
        sheets: in workbook order.
    """
    workbook = Workbook()
    workbook.remove(workbook.active)
    for data in sheets:
        _write_sheet(workbook, data, ctx)
    return reproducible_bytes(
        workbook,
        ctx.generated_at,
        f"Safer Communities Partnership Board - Performance Dashboard - {ctx.borough.name} - "
        f"{ctx.labels['month_long']}",
    )
