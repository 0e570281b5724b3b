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

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from orchestration.landing.contract import (
    ContractError,
    csv_reader,
    decode_text,
    delimiter_refusal,
    read_bytes,
)
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
    # Cells holding a formula whose value was never saved (a workbook written by a tool that
    # does not compute formulas), by sheet: they read as empty, so they are named instead.
    unsaved_formulas: dict[str, set[tuple[int, int]]] = field(default_factory=dict)

    def get(self, sheet: str, row: int, column: int) -> Any:
        return self.sheets.get(sheet, {}).get((row, column))


def _cell_value(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value


# An OLE compound file: an Excel 97-2003 workbook (.xls), or an .xlsx encrypted by a password.
_COMPOUND_FILE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def _compound_file_refusal(path: Path, data: bytes) -> ContractError:
    """What an OLE compound file is, and what the provider should do with it."""
    if _ENCRYPTED_STREAM in data:
        return ContractError(
            path,
            "file",
            "the workbook is protected by a password, so it cannot be read: remove the password "
            "(in Excel: File > Info > Protect Workbook > Encrypt with Password, clear it) and "
            "save it again, then send it by a secure route if it must be protected in transit",
        )
    return ContractError(
        path,
        "file",
        "the file is an Excel 97-2003 workbook (.xls), which cannot be read: open it in Excel "
        "and Save As 'Excel Workbook (.xlsx)', or fill in a new template (make template)",
    )


def _unsaved_formulas(data: bytes, cached: Workbook) -> dict[str, set[tuple[int, int]]]:
    """Cells with a formula and no saved value: the formulas read from `data`, their values
    from `cached` (the same workbook read for its saved values)."""
    workbook = load_workbook(io.BytesIO(data), data_only=False)
    found: dict[str, set[tuple[int, int]]] = {}
    for ws in workbook.worksheets:
        values = cached[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" and values.cell(cell.row, cell.column).value is None:
                    found.setdefault(ws.title, set()).add((cell.row, cell.column))
    return found


def _read_xlsx(path: Path, data: bytes) -> Grid:
    if data.startswith(_COMPOUND_FILE):
        raise _compound_file_refusal(path, data)
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
    if _has_formulas(data):
        grid.unsaved_formulas = _unsaved_formulas(data, workbook)
    for ws in workbook.worksheets:
        cells: Cells = {}
        for row in ws.iter_rows():
            for cell in row:
                value = _cell_value(cell.value)
                if value is not None:
                    cells[(cell.row, cell.column)] = value
        grid.sheets[ws.title] = cells
    return grid


def _has_formulas(data: bytes) -> bool:
    """Whether any sheet of the (zipped) workbook holds a formula element."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheets = (
                archive.read(name)
                for name in archive.namelist()
                if name.startswith("xl/worksheets/")
            )
            return any(b"<f>" in sheet or b"<f " in sheet for sheet in sheets)
    except (zipfile.BadZipFile, KeyError):
        return False


# Lines of a return saved as CSV looked at for its separator: the header block and a measure.
_SEPARATOR_LINES = 8


def _read_csv(path: Path, data: bytes) -> Grid:
    """The Return sheet saved as CSV (Excel: Save As 'CSV UTF-8'): the same cells, as text."""
    if data.startswith(_COMPOUND_FILE):
        raise _compound_file_refusal(path, data)
    text = decode_text(path, data)
    lines = text.splitlines()[:_SEPARATOR_LINES]
    if not any("," in line for line in lines) and any(";" in line for line in lines):
        refusal = delimiter_refusal(path, ";", ",")
        assert refusal is not None
        raise refusal
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
