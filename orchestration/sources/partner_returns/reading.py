"""A return's cells, from the workbook the template made or from its Return sheet saved as CSV.

Both give the same grid: sheet name -> {(row, column): value}, rows and columns counted from 1
as Excel counts them, so every message names a cell the provider can find (`Return!C9`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from orchestration.landing.contract import ContractError, csv_reader, decode_text, read_bytes
from orchestration.sources.partner_returns.template import RETURN_SHEET

Cells = dict[tuple[int, int], Any]


def cell_name(sheet: str, row: int, column: int) -> str:
    """`Return!C9`."""
    return f"{sheet}!{get_column_letter(column)}{row}"


@dataclass
class Grid:
    """Every non-empty cell of a return, by sheet; `kind` is `xlsx` or `csv`."""

    path: Path
    kind: str
    sheets: dict[str, Cells] = field(default_factory=dict)
    data: bytes = b""

    def get(self, sheet: str, row: int, column: int) -> Any:
        return self.sheets.get(sheet, {}).get((row, column))


def _cell_value(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value


def _read_xlsx(path: Path, data: bytes) -> Grid:
    if not data.startswith(b"PK\x03\x04"):
        start = data[:200].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        what = (
            "an HTML page"
            if start.startswith((b"<!doctype", b"<html"))
            else "empty"
            if not data.strip()
            else "text (a CSV saved with the .xlsx name?)"
            if all(32 <= b < 127 or b in b"\t\r\n" for b in data[:200])
            else "not a workbook"
        )
        raise ContractError(
            path,
            "file",
            f"the file is {what}, not an Excel workbook (.xlsx) made from the template",
        )
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ContractError(
            path,
            "file",
            f"the file is not a readable Excel workbook (.xlsx): {type(exc).__name__}; save it "
            "again from Excel, or fill in a new template",
        ) from exc
    grid = Grid(path=path, kind="xlsx", data=data)
    for ws in workbook.worksheets:
        cells: Cells = {}
        for row in ws.iter_rows():
            for cell in row:
                value = _cell_value(cell.value)
                if value is not None:
                    cells[(cell.row, cell.column)] = value
        grid.sheets[ws.title] = cells
    return grid


def _read_csv(path: Path, data: bytes) -> Grid:
    """The Return sheet saved as CSV (Excel: Save As 'CSV UTF-8'): the same cells, as text."""
    text = decode_text(path, data)
    cells: Cells = {}
    reader = csv_reader(text)
    try:
        for row_number, record in enumerate(reader, start=1):
            for column, raw in enumerate(record, start=1):
                value = _cell_value(raw)
                if value is not None:
                    cells[(row_number, column)] = value
    except csv.Error as exc:
        reason = (
            "the file ends inside a quoted field: it was cut short"
            if "unexpected end of data" in str(exc)
            else f"not readable as CSV: {exc}"
        )
        raise ContractError(path, f"row {reader.line_num}", reason) from exc
    return Grid(path=path, kind="csv", sheets={RETURN_SHEET: cells}, data=data)


def read_grid(path: Path) -> Grid:
    """The return's cells, or a ContractError saying why the file cannot be read."""
    data = read_bytes(path)
    if path.suffix.lower() == ".csv":
        return _read_csv(path, data)
    return _read_xlsx(path, data)
