"""A parser for the simplest layout a source can have: one row per period and area, a column
per figure, as a CSV or the first sheet of a workbook.

`make source` declares a new source with one of these (`COLUMNS=month:date,borough_name:area,
calls:count`); when the real file needs more, its parser grows from here. The kinds of column:

- `date`: the period, the first day of a month or a quarter, written `2021-05`, `2021-05-01` or
  (quarters) `2021 Q2`; a workbook's date cell too. Exactly one column is the period.
- `area`: the borough (or London, a BCU) the row is for, by name or ONS code; the gate's
  `known_areas` suite judges it. At most one.
- `count`: a whole number from 0, at most 18 digits (it must fit a BIGINT).
- `number`: any decimal number; `percent`: a percentage from 0 to 100 (`61`, `61%`, `61.5`).
- `text`: anything, kept as it is.

A file's release is its last period, published the day after that period ends. Each period and
area appears once per file; an empty figure is refused (write 0 for none), unless the source
declares its column optional: a count the sender does not have for some months (the ASB
extract's repeat calls before June 2020), loaded as NULL, never as 0.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd

from orchestration.landing.contract import (
    POINTS,
    ContractError,
    csv_header,
    csv_records,
    decode_text,
    percentage,
    read_bytes,
    whole_number,
)
from orchestration.landing.source import ParsedFile, Release
from orchestration.lib.periods import Grain, calendar_quarter_label, month_key

_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
_QUARTER = re.compile(r"^(\d{4})\s*Q([1-4])$", re.IGNORECASE)
_NUMBER = re.compile(r"^-?[0-9]+(?:\.[0-9]+)?$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class Kind(StrEnum):
    """What a column holds; see the module docstring."""

    DATE = "date"
    AREA = "area"
    COUNT = "count"
    NUMBER = "number"
    PERCENT = "percent"
    TEXT = "text"

    @property
    def duckdb_type(self) -> str:
        return {
            Kind.DATE: "date not null",
            Kind.AREA: "varchar not null",
            Kind.COUNT: "bigint not null",
            Kind.NUMBER: "double not null",
            Kind.PERCENT: "double not null",
            Kind.TEXT: "varchar",
        }[self]


class ColumnSpecError(ValueError):
    """A `COLUMNS` text that does not declare a usable layout; the message says why."""


@dataclass(frozen=True)
class Column:
    """One column: its name in the warehouse, its kind, its name in the file's header when
    that differs (the Met's feeds head the borough column `borough`), and whether a count may
    be left empty (None, loaded as NULL)."""

    name: str
    kind: Kind
    header: str = ""
    optional: bool = False

    @property
    def heading(self) -> str:
        return self.header or self.name

    @property
    def duckdb_type(self) -> str:
        kind = self.kind.duckdb_type
        return kind.removesuffix(" not null") if self.optional else kind


def parse_columns(spec: str) -> tuple[Column, ...]:
    """'month:date,borough_name:area,calls:count' -> the columns, checked.

    Raises:
        ColumnSpecError: a name that is not snake_case, an unknown kind, a name twice, no
            period column or more than one, more than one area column, or no figure.
    """
    columns = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        name, _, kind = part.partition(":")
        name, kind = name.strip(), kind.strip().lower()
        if not _NAME.match(name):
            raise ColumnSpecError(
                f"{name!r} is not a column name: lower case letters, digits and _, starting with "
                "a letter (borough_name)"
            )
        if kind not in Kind.__members__.values():
            raise ColumnSpecError(
                f"{part!r}: the kind must be one of {', '.join(k.value for k in Kind)}"
            )
        columns.append(Column(name, Kind(kind)))
    names = [c.name for c in columns]
    if doubled := sorted({n for n in names if names.count(n) > 1}):
        raise ColumnSpecError(f"columns named twice: {', '.join(doubled)}")
    if sum(c.kind is Kind.DATE for c in columns) != 1:
        raise ColumnSpecError("exactly one column is the period (kind date), as month:date")
    if sum(c.kind is Kind.AREA for c in columns) > 1:
        raise ColumnSpecError("at most one column names the area (kind area)")
    if not any(c.kind in (Kind.COUNT, Kind.NUMBER, Kind.PERCENT) for c in columns):
        raise ColumnSpecError("at least one column is a figure (count, number or percent)")
    return tuple(columns)


def _cell_text(value: Any) -> str:
    """A workbook cell as the text a CSV would hold: whole floats without '.0', dates ISO."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class TableParser:
    """Reads `<period>,<area>,<figures>...` rows (see the module docstring)."""

    def __init__(self, columns: Sequence[Column], grain: Grain) -> None:
        self.columns = tuple(columns)
        self.grain = grain
        self.period = next(c for c in self.columns if c.kind is Kind.DATE)
        self.area = next((c for c in self.columns if c.kind is Kind.AREA), None)
        self.header = [c.heading for c in self.columns]

    @property
    def duckdb_columns(self) -> dict[str, str]:
        """The source's declared columns and their warehouse types."""
        return {c.name: c.duckdb_type for c in self.columns}

    @property
    def percentages(self) -> dict[str, str]:
        """The percentage columns and their scale: 0 to 100, as `percentage` reads them."""
        return {c.name: POINTS for c in self.columns if c.kind is Kind.PERCENT}

    # --- reading ----------------------------------------------------------------------------

    def _records(self, path: Path) -> tuple[bytes, list[tuple[int, list[str]]]]:
        data = read_bytes(path)
        if path.suffix.lower() == ".xlsx":
            return data, self._sheet(path, data)
        text = decode_text(path, data)
        self._check_header(path, csv_header(path, text))
        return data, list(csv_records(path, text, len(self.header)))

    def _sheet(self, path: Path, data: bytes) -> list[tuple[int, list[str]]]:
        from python_calamine import CalamineWorkbook

        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
            grid = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
        except Exception as exc:  # calamine raises its own errors for a file that is not xlsx
            raise ContractError(
                path, "file", f"cannot be read as an Excel workbook (.xlsx): {exc}"
            ) from exc
        if not grid:
            raise ContractError(path, "file", "the first sheet is empty; expected the header")
        self._check_header(path, [_cell_text(v).strip() for v in grid[0]])
        records = []
        for line, row in enumerate(grid[1:], start=2):
            cells = [_cell_text(v) for v in row]
            if not any(cell.strip() for cell in cells):
                continue
            if any(cell.strip() for cell in cells[len(self.header) :]):
                raise ContractError(
                    path, f"row {line}", f"a value beyond the {len(self.header)} columns"
                )
            records.append((line, (cells + [""] * len(self.header))[: len(self.header)]))
        return records

    def _check_header(self, path: Path, header: list[str]) -> None:
        if [h.strip().lower() for h in header] != self.header:
            raise ContractError(
                path,
                "header",
                f"expected {','.join(self.header)}, found {','.join(header)}",
            )

    def _period(self, path: Path, where: str, value: str) -> date:
        text = value.strip()
        match = _MONTH.match(text)
        if match:
            year, month, day = int(match.group(1)), int(match.group(2)), match.group(3)
            if 1 <= month <= 12 and day in (None, "01"):
                start = date(year, month, 1)
                if self.grain.period_start(start) == start:
                    return start
        match = _QUARTER.match(text) if self.grain is Grain.QUARTER else None
        if match:
            return date(int(match.group(1)), 3 * int(match.group(2)) - 2, 1)
        expected = (
            "YYYY-MM (or the month's first day, YYYY-MM-01)"
            if self.grain is Grain.MONTH
            else "a quarter's first month, YYYY-MM (2021-04), or YYYY Qn (2021 Q2)"
        )
        raise ContractError(path, where, f"expected {expected}, found {value!r}")

    def _figure(self, path: Path, where: str, column: Column, value: str) -> object:
        if column.kind is Kind.COUNT:
            return whole_number(path, where, value, optional=column.optional)
        if column.kind is Kind.PERCENT:
            return percentage(path, where, value)
        if column.kind is Kind.NUMBER:
            if not _NUMBER.match(value.strip()):
                raise ContractError(path, where, f"expected a number, found {value!r}")
            return float(value)
        if column.kind is Kind.AREA and not value.strip():
            raise ContractError(path, where, "must not be empty")
        return value.strip() if column.kind is Kind.AREA else value

    def _rows(self, path: Path) -> tuple[bytes, list[list[object]]]:
        data, records = self._records(path)
        rows: list[list[object]] = []
        seen: dict[tuple[date, str], int] = {}
        for line, record in records:
            row: list[object] = [line]
            for column, value in zip(self.columns, record, strict=True):
                where = f"row {line}, column {column.heading!r}"
                if column.kind is Kind.DATE:
                    row.append(self._period(path, where, value))
                else:
                    row.append(self._figure(path, where, column, value))
            period = row[1 + self.columns.index(self.period)]
            assert isinstance(period, date)
            area = row[1 + self.columns.index(self.area)] if self.area else ""
            key = (period, str(area).lower())
            if key in seen:
                raise ContractError(
                    path,
                    f"row {line}",
                    f"{value_label(period, self.grain)} {area} already appears on row "
                    f"{seen[key]}; a period and area appear once per file",
                )
            seen[key] = line
            rows.append(row)
        if not rows:
            raise ContractError(path, "row 2", "the file has a header but no data rows")
        return data, rows

    def _release(self, periods: list[date]) -> Release:
        last = max(periods)
        return Release(
            label=value_label(last, self.grain),
            first_period=min(periods),
            last_period=last,
            released_on=self.grain.next_period(last),
            last_period_where=f"column {self.period.heading!r}",
        )

    def _periods(self, rows: list[list[object]]) -> list[date]:
        index = 1 + self.columns.index(self.period)
        return [row[index] for row in rows]  # type: ignore[misc]

    def peek(self, path: Path) -> Release:
        return self._release(self._periods(self._rows(path)[1]))

    def parse(self, path: Path) -> ParsedFile:
        data, rows = self._rows(path)
        frame = pd.DataFrame(rows, columns=["source_row", *(c.name for c in self.columns)])
        frame[self.period.name] = pd.to_datetime(frame[self.period.name])
        for column in self.columns:
            if column.optional and column.kind is Kind.COUNT:
                frame[column.name] = pd.array(frame[column.name].tolist(), dtype="Int64")
        return ParsedFile(
            path=path,
            sha256=hashlib.sha256(data).hexdigest(),
            release=self._release(self._periods(rows)),
            rows=frame,
        )


def value_label(period: date, grain: Grain) -> str:
    """'2021-05' for a month, '2021 Q2' for a quarter: a release, or a period in a message."""
    return month_key(period) if grain is Grain.MONTH else calendar_quarter_label(period)
