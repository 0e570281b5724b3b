"""The Met's monthly crime dashboard file: layouts, contract, and typed long rows.

The Datastore publishes the dashboard data (domestic abuse, hate, knife and gun crime, by
borough and Safer Neighbourhood Team) as CSV and XLSX, one row per month, area, crime subtype
and measure, with the day the data was refreshed. The full "other crime" release has 472,354
rows, so the CSV is read by DuckDB itself, every field as text, then typed and checked in SQL
(`parser.sql`): one pass that types, then cheap passes over the typed rows for the first broken
rule and for a repeated key. Only when DuckDB refuses the file's structure (a row of the wrong
width, a quote left open) does the strict `csv` module read it again, to name the row. An XLSX
release is read with python-calamine and checked by the same SQL.

Labels and area names are kept as published: mapping subtypes to the board's measures and
areas to boroughs is data (the dbt seeds), not code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from orchestration.landing.contract import (
    BOMS_UTF16,
    ContractError,
    csv_header,
    csv_records,
    decode_text,
    not_text,
    read_bytes,
)
from orchestration.landing.source import ParsedFile, Release
from orchestration.lib.duck import quote_literal, registered
from orchestration.lib.sql import statement

STATEMENTS = Path(__file__).with_name("parser.sql")

# The fields of a row, as the raw table names them, in the Datastore's column order.
FIELDS = (
    "month_year",
    "area_type",
    "borough_snt",
    "area_name",
    "area_code",
    "crime_type",
    "crime_subtype",
    "measure",
    "financial_year",
    "fy_fyindex",
    "count",
    "refresh_date",
)
DATE_FORMATS = "YYYY-MM, YYYY-MM-DD, YYYY-MM-DD HH:MM:SS, DD/MM/YYYY or Mon-YY"
# DuckDB formats for the same, tried in turn; an exact YYYY-MM-DD takes a faster cast first.
_STRPTIME = "['%Y-%m-%d', '%Y-%m', '%Y-%m-%d %H:%M:%S', '%d/%m/%Y', '%b-%y']"
AREA_TYPES = ("Borough", "Safer Neighbourhood Teams")
MEASURES = ("Offences", "Positive Outcomes", "Sanction Detections")
_MEASURE_KEYS = {measure.lower() for measure in MEASURES}
# How far down a title line may push the header before the file is simply not this layout.
_HEADER_SEARCH_LINES = 5


@dataclass(frozen=True)
class Layout:
    """One published header of the file."""

    name: str
    header: tuple[str, ...]
    description: str

    def matches(self, header: Sequence[str]) -> bool:
        return [h.strip().lower() for h in header] == [h.lower() for h in self.header]


_COMMON_HEAD = ("Month_Year", "Area Type", "Borough_SNT", "Area name", "Area code")
_COMMON_TAIL = ("Measure", "Financial Year", "FY_FYIndex", "Count", "Refresh Date")
LAYOUTS: tuple[Layout, ...] = (
    Layout(
        "crime_type",
        (*_COMMON_HEAD, "Crime Type", "Crime Subtype", *_COMMON_TAIL),
        "current releases: Crime Type, Crime Subtype",
    ),
    Layout(
        "offence_group",
        (*_COMMON_HEAD, "Offence Group", "Offence Subgroup", *_COMMON_TAIL),
        "older releases: Offence Group, Offence Subgroup",
    ),
)


def _sql(name: str, **names: str) -> str:
    return statement(STATEMENTS, name, **names)


def _date_sql(column: str) -> str:
    """A text field as a date in any accepted form, or NULL."""
    return (
        f"coalesce(case when regexp_full_match({column}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') "
        f"then try_cast({column} as date) end, "
        f"cast(try_strptime(trim({column}), {_STRPTIME}) as date))"
    )


def _column_spec() -> str:
    return "{" + ", ".join(f"'{name}': 'VARCHAR'" for name in FIELDS) + "}"


def _closest(header: Sequence[str]) -> Layout:
    """The layout the header is nearest to (most columns in place)."""
    return max(
        LAYOUTS,
        key=lambda layout: sum(
            a.strip().lower() == b.lower() for a, b in zip(header, layout.header, strict=False)
        ),
    )


def detect_layout(path: Path, header: list[str], lines: Sequence[str] = ()) -> Layout:
    """The layout whose header the file has, or a ContractError naming the first column that
    differs (or the row the header really is on, under a title line)."""
    for layout in LAYOUTS:
        if layout.matches(header):
            return layout
    for number, line in enumerate(lines[1:_HEADER_SEARCH_LINES], start=2):
        if any(layout.matches(line.split(",")) for layout in LAYOUTS):
            raise ContractError(
                path,
                "row 1",
                f"the header is on row {number}: remove the title line(s) above it "
                "(the first line must be the header)",
            )
    layout = _closest(header)
    expected = ",".join(layout.header)
    for position, (found, wanted) in enumerate(zip(header, layout.header, strict=False), 1):
        if found.strip().lower() != wanted.lower():
            raise ContractError(
                path,
                f"header, column {position} ({found.strip()!r})",
                f"expected {wanted!r}, found {found.strip()!r}: the header must be {expected} "
                "(or, in older releases, "
                "Offence Group and Offence Subgroup in place of Crime Type and Crime Subtype)",
            )
    if len(header) > len(layout.header):
        position = len(layout.header) + 1
        raise ContractError(
            path,
            f"header, column {position} ({header[position - 1].strip()!r})",
            f"a column after the {len(layout.header)} of the header {expected}",
        )
    missing = ", ".join(layout.header[len(header) :])
    raise ContractError(path, "header", f"missing the column(s) {missing}; expected {expected}")


def _head_lines(data: bytes) -> list[str]:
    head = data[: 1 << 16].decode("utf-8", errors="replace").lstrip("\ufeff")
    return head.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _check_text(path: Path, data: bytes) -> None:
    """What DuckDB would read past: not text at all, UTF-16, a NUL byte, not UTF-8."""
    problem = not_text(data)
    if problem:
        raise ContractError(path, "file", problem)
    if data.startswith(BOMS_UTF16) or b"\x00" in data or not data.isascii():
        # The contract helper names the byte (or the encoding) in words.
        decode_text(path, data)


def _cell_text(value: Any) -> str | None:
    """An Excel cell as the text a CSV export would hold: date cells as ISO dates, whole
    numbers without a decimal point, empty cells as nothing."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        # A date cell is a datetime at midnight: as a date it takes the fast ISO path.
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


class MpsCrimeDashboardParser:
    """Parses a Met dashboard release saved as CSV (either header) or XLSX."""

    # --- reading: the rows as text, and the file's header -------------------------------------

    def _csv(self, path: Path) -> tuple[bytes, Layout, list[str], str]:
        data = read_bytes(path)
        _check_text(path, data)
        lines = _head_lines(data)
        header = csv_header(path, "\n".join(lines[:1]))
        layout = detect_layout(path, header, lines)
        source = f"({_sql('csv_source', file=quote_literal(str(path)), columns=_column_spec())})"
        return data, layout, header, source

    def _xlsx(self, path: Path) -> tuple[bytes, Layout, list[str], pa.Table, str]:
        from python_calamine import CalamineWorkbook

        data = read_bytes(path)
        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
            sheets = [(name, workbook.get_sheet_by_name(name)) for name in workbook.sheet_names]
            grids = [(name, sheet.to_python(skip_empty_area=False)) for name, sheet in sheets]
        except Exception as exc:  # calamine raises its own errors for a file that is not xlsx
            raise ContractError(
                path, "file", f"cannot be read as an Excel workbook (.xlsx): {exc}"
            ) from exc
        if not grids or not any(grid for _, grid in grids):
            raise ContractError(path, "file", "the workbook is empty; expected a header and rows")
        matching = [
            (name, grid)
            for name, grid in grids
            if grid and any(layout.matches(_texts(grid[0])) for layout in LAYOUTS)
        ]
        # No sheet with a known header: the first sheet's header is named in the refusal.
        sheet_name, grid = (matching or [(n, g) for n, g in grids if g])[0]
        header = _texts(grid[0])
        lines = [",".join(_texts(row)) for row in grid[:_HEADER_SEARCH_LINES]]
        layout = detect_layout(path, header, lines)
        width = len(FIELDS)
        columns: list[list[str | None]] = [[] for _ in FIELDS]
        rows: list[int] = []
        for number, row in enumerate(grid[1:], start=2):
            cells: list[Any] = list(row)
            extra = [i for i, v in enumerate(cells[width:], start=width + 1) if v not in ("", None)]
            if extra:
                raise ContractError(
                    path,
                    f"row {number}, column {extra[0]}",
                    f"a value beyond the {width} columns of the header",
                )
            if all(value in ("", None) for value in cells):
                continue
            cells += [None] * (width - len(cells))
            rows.append(number)
            for column, value in zip(columns, cells[:width], strict=True):
                # Most cells are text already: only the others need converting.
                column.append(value if isinstance(value, str) and value else _cell_text(value))
        table = pa.table(
            {
                "source_row": pa.array(rows, pa.int32()),
                **{
                    name: pa.array(values, pa.string())
                    for name, values in zip(FIELDS, columns, strict=True)
                },
            }
        )
        return data, layout, header, table, sheet_name

    # --- the contract -----------------------------------------------------------------------

    def peek(self, path: Path) -> Release:
        """The release (the latest refresh date) and the months, from the two date columns."""
        if path.suffix.lower() == ".xlsx":
            return self.parse(path).release
        _, _, header, source = self._csv(path)
        month, refresh = _date_sql("month_year"), _date_sql("refresh_date")
        query = _sql("peek", source=source, month=month, refresh_date=refresh)
        with duckdb.connect() as con:
            try:
                first, last, refreshed, unreadable = con.execute(query).fetchall()[0]
            except duckdb.Error as exc:
                raise ContractError(
                    path, "file", f"not readable as CSV: {_first_line(exc)}"
                ) from exc
        if unreadable or first is None:
            raise ContractError(path, "file", f"dates that are not {DATE_FORMATS}")
        return Release(
            label=refreshed.isoformat(),
            first_period=first,
            last_period=last,
            released_on=refreshed,
            last_period_where=f"column {header[0].strip()!r}",
        )

    def parse(self, path: Path) -> ParsedFile:
        """Parses one release, or raises ContractError at the first broken rule.

        Rules: UTF-8 text (CSV) or a workbook with the header on a sheet (XLSX); a known header;
        every row as wide as the header; `Month_Year` the first day of a month and `Refresh
        Date` a date, each in an accepted form; `Area Type` Borough or Safer Neighbourhood
        Teams; a crime subtype; `Measure` Offences, Positive Outcomes or Sanction Detections;
        counts whole numbers >= 0 that fit a BIGINT; the refresh after its month ends; no key
        (month, area, subtype, measure) twice; at least one data row.
        """
        with duckdb.connect() as con:
            if path.suffix.lower() == ".xlsx":
                data, layout, header, table, sheet = self._xlsx(path)
                with registered(con, "cells", table):
                    return self._checked(con, path, data, layout, header, "cells", {"sheet": sheet})
            data, layout, header, source = self._csv(path)
            return self._checked(con, path, data, layout, header, source, {})

    def _checked(
        self,
        con: duckdb.DuckDBPyConnection,
        path: Path,
        data: bytes,
        layout: Layout,
        header: list[str],
        source: str,
        details: dict[str, str],
    ) -> ParsedFile:
        query = _sql(
            "typed",
            source=source,
            month=_date_sql("month_year"),
            refresh_date=_date_sql("refresh_date"),
        )
        try:
            rows = con.sql(query, params={"layout": layout.name}).to_arrow_table()
        except duckdb.Error as exc:
            raise self._unreadable(path, data, len(header), exc) from exc
        sha256 = hashlib.sha256(data).hexdigest()
        names = {field: column.strip() for field, column in zip(FIELDS, header, strict=True)}
        with registered(con, "parsed", rows):
            data_rows, bad_row, first, last, refreshed = con.execute(_sql("summary")).fetchall()[0]
            if not data_rows:
                raise ContractError(
                    path,
                    "row 2",
                    "the file has a header but no data rows; a file holds at least one",
                )
            bad_labels = [
                row
                for area_type, measure, subtype, row in con.execute(_sql("labels")).fetchall()
                if (area_type or "").strip() not in AREA_TYPES
                or (measure or "").strip().lower() not in _MEASURE_KEYS
                or not (subtype or "").strip()
            ]
            bad_rows = [r for r in (bad_row, *bad_labels) if r is not None]
            if bad_rows:
                raise self._broken_row(con, path, source, names, min(bad_rows))
            duplicate = con.execute(_sql("duplicate")).fetchall()
            if duplicate:
                row, first_row, month, area, snt, subtype, measure = duplicate[0]
                raise ContractError(
                    path,
                    f"row {row}",
                    f"({month}, {area or snt or 'no area name'}, {subtype}, {measure}) already "
                    f"appears on row {first_row}; a month, area, subtype and measure appear once "
                    "per file",
                )
            (last_row,) = con.execute(_sql("last_period_row"), {"month": last}).fetchall()[0]
        release = Release(
            label=refreshed.isoformat(),
            first_period=first,
            last_period=last,
            released_on=refreshed,
            last_period_where=f"row {last_row}, column {names['month_year']!r}",
        )
        return ParsedFile(
            path=path,
            sha256=sha256,
            release=release,
            rows=rows.drop_columns(["row_key"]),
            details={"layout": layout.name, **details},
        )

    def _unreadable(self, path: Path, data: bytes, width: int, exc: duckdb.Error) -> ContractError:
        """DuckDB refused the CSV's structure: the strict csv module names the row and why."""
        text = decode_text(path, data)
        for _ in csv_records(path, text, width):
            pass
        return ContractError(path, "file", f"not readable as CSV: {_first_line(exc)}")

    def _broken_row(
        self,
        con: duckdb.DuckDBPyConnection,
        path: Path,
        source: str,
        names: dict[str, str],
        row: int,
    ) -> ContractError:
        """The first rule the row breaks, in the header's order, with the value found."""
        checks = con.execute(_sql("row_checks"), {"row": row}).fetchall()[0]
        (
            month_unreadable,
            month_not_first,
            area_type_unknown,
            subtype_empty,
            measure_unknown,
            count_not_whole,
            refresh_unreadable,
            refresh_early,
        ) = checks
        raw_cursor = con.execute(_sql("raw_row", source=source), {"row": row})
        columns = [d[0] for d in raw_cursor.description]
        raw = dict(zip(columns, raw_cursor.fetchall()[0], strict=True))

        def at(field: str, rule: str) -> ContractError:
            return ContractError(path, f"row {row}, column {names[field]!r}", rule)

        if month_unreadable:
            return at(
                "month_year",
                f"expected a month as {DATE_FORMATS} (or an Excel date), found "
                f"{raw['month_year']!r}",
            )
        if month_not_first:
            return at(
                "month_year",
                f"expected the first day of a month, found {raw['month_year']!r} (a day and "
                "month swapped?)",
            )
        if area_type_unknown:
            return at(
                "area_type",
                f"expected {' or '.join(repr(t) for t in AREA_TYPES)}, found {raw['area_type']!r}",
            )
        if subtype_empty:
            return at("crime_subtype", "must not be empty")
        if measure_unknown:
            return at(
                "measure",
                f"expected {', '.join(repr(m) for m in MEASURES)}, found {raw['measure']!r}",
            )
        if count_not_whole:
            return at(
                "count",
                f"counts must be whole numbers >= 0 of at most 18 digits, found {raw['count']!r}",
            )
        if refresh_unreadable:
            return at(
                "refresh_date",
                f"expected a date as {DATE_FORMATS} (or an Excel date), found "
                f"{raw['refresh_date']!r}",
            )
        if refresh_early:
            return at(
                "refresh_date",
                f"the refresh date {raw['refresh_date']!r} is before the end of the month it "
                f"counts ({raw['month_year']!r}); a month is refreshed after it ends",
            )
        return ContractError(path, f"row {row}", "breaks the file's contract")


def _texts(row: Sequence[Any]) -> list[str]:
    return [_cell_text(value) or "" for value in row]


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
