"""The Met's wide CSV files (borough and ward level), read by DuckDB itself.

Every MPS recorded crime file has a few key columns, then one column per month (`YYYYMM`) of
offences recorded that month. The header decides the layout (`Layout`); DuckDB's CSV reader
reads the body (every cell as text, so nothing is coerced behind the contract's back), and the
contract is checked in SQL over the whole file at once: empty keys, whole-number counts that fit
a BIGINT, one row per key. The file is unpivoted to one row per source row and month inside
DuckDB, so a London-wide ward history is parsed at the engine's speed rather than cell by cell
in Python. Every broken rule is reported as before: the file, the row (its line in the file)
or the cell, and the rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.landing.contract import ContractError, csv_header, decode_text, scan_utf8
from orchestration.landing.shared_suites import known_boroughs
from orchestration.landing.source import Grain, ParsedFile, Release, Suite
from orchestration.lib.duck import in_memory, quote_literal, registered

MONTH_COLUMN = re.compile(r"^(\d{4})(0[1-9]|1[0-2])$")
# ASCII digits only, and at most 18 of them: a count must fit the warehouse's BIGINT.
WHOLE_NUMBER = "^[0-9]{1,18}$"
# How far down a title line may push the header before the file is simply not an MPS file.
HEADER_SEARCH_LINES = 5
_LINE = re.compile(r"CSV Error on Line: (\d+)")

# The gate's suites every MPS recorded crime file meets, borough or ward level
# (expectations/shared/).
KNOWN_BOROUGHS = known_boroughs()
EVERY_BOROUGH_EVERY_MONTH = Suite(
    "every_borough_every_month",
    "each of the 32 boroughs is in every month",
    shared=True,
    per_file=True,
)
LABELS_KNOWN = Suite(
    "labels_known",
    "every category label is in the category map",
    blocking=False,
    index_columns=("source_file", "source_row", "source_layout", "major_text", "minor_text"),
    shared=True,
    per_file=True,
)
_WIDTH = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


@dataclass(frozen=True)
class Layout:
    """One published layout of a wide MPS file, told apart by its key columns.

    Attributes:
        key_columns: the header's first columns, in order.
        fields: the long rows' column for each key column (`major_text`, `ward_code`, ...).
    """

    name: str
    key_columns: tuple[str, ...]
    fields: tuple[str, ...]
    description: str


def _month(column: str) -> date | None:
    match = MONTH_COLUMN.match(column.strip())
    return date(int(match.group(1)), int(match.group(2)), 1) if match else None


def parse_months(path: Path, header: list[str], first: int) -> tuple[date, ...]:
    """Checks that every column after the keys is a month and that they run without gaps."""
    months: list[date] = []
    for position, column in enumerate(header[first:], start=first + 1):
        month = _month(column)
        if month is None:
            raise ContractError(
                path, f"header, column {position} ({column!r})", "expected a month as YYYYMM"
            )
        if month in months:
            raise ContractError(
                path,
                f"header, column {position} ({column!r})",
                f"month {month:%Y%m} appears twice (columns {months.index(month) + first + 1} "
                f"and {position}); each month is one column",
            )
        if months and month != Grain.MONTH.next_period(months[-1]):
            raise ContractError(
                path,
                f"header, column {position} ({column!r})",
                f"month columns must run consecutively; {months[-1]:%Y%m} is followed by "
                f"{month:%Y%m}",
            )
        months.append(month)
    if not months:
        raise ContractError(path, "header", "expected at least one month column (YYYYMM)")
    return tuple(months)


def release_of(months: Sequence[date], header: list[str]) -> Release:
    """A file's release is its last month column, published once that month has ended."""
    return Release(
        label=f"{months[-1]:%Y-%m}",
        first_period=months[0],
        last_period=months[-1],
        released_on=Grain.MONTH.next_period(months[-1]),
        last_period_where=f"header, column {len(header)} ({header[-1]!r})",
    )


class WideFile:
    """Reads the wide MPS files of a set of layouts.

    Args:
        layouts: the layouts this source takes.
        fields: the long rows' key columns, in the order the source declares them.
        wrong_level: key columns of the other level's layouts, with the message to give when a
            file of that level lands here (a ward file in the borough folder, say).
    """

    def __init__(
        self,
        layouts: Sequence[Layout],
        fields: tuple[str, ...],
        wrong_level: dict[tuple[str, ...], str],
    ):
        self.layouts = tuple(layouts)
        self.fields = fields
        self.wrong_level = wrong_level

    def _layout_of(self, header: Sequence[str]) -> Layout | None:
        cells = tuple(column.strip() for column in header)
        return next(
            (
                layout
                for layout in self.layouts
                if cells[: len(layout.key_columns)] == layout.key_columns
            ),
            None,
        )

    def detect_layout(self, path: Path, header: list[str], text: str | None = None) -> Layout:
        """Returns the layout whose key columns open the header, or says why none does."""
        layout = self._layout_of(header)
        if layout:
            return layout
        cells = tuple(column.strip() for column in header)
        for keys, message in self.wrong_level.items():
            if cells[: len(keys)] == keys:
                raise ContractError(path, "header", message)
        if text is not None:
            for line, candidate in enumerate(text.splitlines()[1:HEADER_SEARCH_LINES], start=2):
                if self._layout_of(candidate.split(",")):
                    raise ContractError(
                        path,
                        "row 1",
                        f"the header is on row {line}: remove the title line(s) above it "
                        "(the first line must be the header)",
                    )
        width = min(len(layout.key_columns) for layout in self.layouts)
        known = "; ".join(",".join(layout.key_columns) for layout in self.layouts)
        found = ",".join(cells[: max(len(layout.key_columns) for layout in self.layouts)])
        raise ContractError(
            path,
            f"header, columns 1-{width}" if width == 3 else "header",
            f"expected the key columns of a known layout ({known}), found {found}",
        )

    def peek(self, path: Path) -> Release:
        """The release from the header line alone: cheap enough for a sensor on every tick."""
        try:
            with path.open("rb") as handle:
                first_line = handle.readline(1 << 20)
        except OSError as exc:
            raise ContractError(path, "file", f"cannot be read: {exc.strerror or exc}") from exc
        header = csv_header(path, decode_text(path, first_line))
        layout = self.detect_layout(path, header)
        return release_of(parse_months(path, header, len(layout.key_columns)), header)

    def parse(self, path: Path) -> ParsedFile:
        """Parses one file, or raises ContractError at the first broken rule; the rows as an
        Arrow table (read in a DuckDB connection of its own)."""
        con = in_memory()
        try:
            con.execute("set enable_progress_bar = false")
            parsed = self.parse_in(con, path)
            return replace(parsed, rows=parsed.rows.to_arrow_table(), scratch=None)
        finally:
            con.close()

    def parse_in(self, con: duckdb.DuckDBPyConnection, path: Path) -> ParsedFile:
        """Parses one file into a temporary table of `con`; the rows are a relation over it.

        Rules: UTF-8 text; a known layout; month columns `YYYYMM`, consecutive, none twice;
        every row as wide as the header; key fields present; counts whole numbers >= 0 of at
        most 18 digits (a BIGINT); no key twice; at least one data row.

        The file is never held in Python's memory: one pass checks its encoding and hashes it
        (`scan_utf8`), its first lines give the header, and DuckDB reads the rest.
        """
        scan = scan_utf8(path)
        header = csv_header(path, scan.head)
        layout = self.detect_layout(path, header, scan.head)
        months = parse_months(path, header, len(layout.key_columns))
        table = f"landing_{scan.sha256[:16]}"
        lines = _LineNumbers(path, scan.has_blank_lines)
        try:
            rows = self._read(con, table, path, lines, header, layout, months)
        except BaseException:
            con.execute(f"drop table if exists {table}")
            raise
        return ParsedFile(
            path=path,
            sha256=scan.sha256,
            release=release_of(months, header),
            rows=rows,
            details={"layout": layout.name},
            scratch=table,
        )

    def _read(
        self,
        con: duckdb.DuckDBPyConnection,
        scratch: str,
        path: Path,
        lines: _LineNumbers,
        header: list[str],
        layout: Layout,
        months: tuple[date, ...],
    ) -> duckdb.DuckDBPyRelation:
        names = [*layout.fields, *(f"m{month:%Y%m}" for month in months)]
        columns = "{" + ", ".join(f"{quote_literal(n)}: 'VARCHAR'" for n in names) + "}"
        try:
            con.execute(
                f"create or replace temp table {scratch} as "
                "select row_number() over () as record, * from read_csv("
                f"{quote_literal(str(path))}, header = true, auto_detect = false, delim = ',', "
                f"quote = '\"', escape = '\"', strict_mode = true, columns = {columns})"
            )
        except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
            raise self._read_error(path, exc, len(header)) from exc
        count = con.execute(f"select count(*) from {scratch}").fetchone()
        if not count or not count[0]:
            raise ContractError(
                path, "row 2", "the file has a header but no data rows; a file holds at least one"
            )
        self._check_keys(con, scratch, path, layout, lines)
        self._check_counts(con, scratch, path, header, layout, months, lines)
        month_columns = ", ".join(f"m{month:%Y%m}" for month in months)
        fields = ", ".join(f"trim({field}) as {field}" for field in self.fields)
        # A record's line is its number plus one, unless the file has blank lines (DuckDB skips
        # them): then each record's line is written beside it once, here.
        line = "record + 1"
        if lines.lines:
            con.execute(f"alter table {scratch} add column line bigint")
            with registered(con, "record_lines", lines.frame()):
                con.execute(
                    f"update {scratch} set line = record_lines.line from record_lines "
                    f"where record_lines.record = {scratch}.record"
                )
            line = "line"
        # Each row's keys trimmed and its counts cast (checked above) before the unpivot, not
        # once per month after it: the unpivot then copies a number a month, not text
        # (docs/decisions.md, "Wide files are read by DuckDB, in the loading connection").
        counts = ", ".join(
            f"cast(trim(m{month:%Y%m}) as bigint) as m{month:%Y%m}" for month in months
        )
        return con.sql(
            f"select source_row, {quote_literal(layout.name)} as source_layout, "
            f"{', '.join(self.fields)}, "
            # The month columns are named `mYYYYMM`, checked by parse_months.
            "make_date(cast(month[2:5] as integer), cast(month[6:7] as integer), 1) as month, "
            "offence_count "
            f"from (unpivot (select {line} as source_row, {fields}, {counts} from {scratch}) "
            f"on {month_columns} into name month value offence_count)"
        )

    def _check_keys(
        self,
        con: duckdb.DuckDBPyConnection,
        scratch: str,
        path: Path,
        layout: Layout,
        lines: _LineNumbers,
    ) -> None:
        for field, column in zip(layout.fields, layout.key_columns, strict=True):
            empty = con.execute(
                f"select min(record) from {scratch} where coalesce(trim({field}), '') = ''"
            ).fetchone()
            if empty and empty[0] is not None:
                raise ContractError(
                    path, f"row {lines.line_of(empty[0])}, column {column!r}", "must not be empty"
                )
        trimmed = ", ".join(f"trim({field})" for field in layout.fields)
        repeated = con.execute(
            f"select min(record), max(record) from {scratch} group by {trimmed} "
            "having count(*) > 1 order by 2 limit 1"
        ).fetchone()
        if repeated:
            first, later = repeated
            key = con.execute(
                f"select {trimmed} from {scratch} where record = ?", [later]
            ).fetchone()
            raise ContractError(
                path,
                f"row {lines.line_of(later)}",
                f"({', '.join(str(value) for value in key or ())}) already appears on row "
                f"{lines.line_of(first)}; a key appears once per file",
            )

    def _check_counts(
        self,
        con: duckdb.DuckDBPyConnection,
        scratch: str,
        path: Path,
        header: list[str],
        layout: Layout,
        months: tuple[date, ...],
        lines: _LineNumbers,
    ) -> None:
        month_columns = ", ".join(f"m{month:%Y%m}" for month in months)
        # An empty cell reads as NULL, which UNPIVOT would otherwise drop.
        bad = con.execute(
            "select record, month, coalesce(cell, '') "
            f"from {scratch} unpivot include nulls (cell for month in ({month_columns})) "
            f"where not regexp_full_match(trim(coalesce(cell, '')), '{WHOLE_NUMBER}') "
            "order by record, month limit 1"
        ).fetchone()
        if bad:
            record, month, cell = bad
            column = header[len(layout.key_columns) + months.index(_month(month[1:]) or date.min)]
            raise ContractError(
                path,
                f"row {lines.line_of(record)}, column {column!r}",
                f"counts must be whole numbers >= 0 of at most 18 digits, found {cell!r}",
            )

    def _read_error(self, path: Path, exc: Exception, width: int) -> ContractError:
        """DuckDB's CSV error as the contract's sentence, naming the line."""
        message = str(exc)
        line = _LINE.search(message)
        where = f"row {line.group(1)}" if line else "file"
        found = _WIDTH.search(message)
        if found:
            expected, actual = found.groups()
            return ContractError(
                path, where, f"expected {expected} fields like the header, found {actual}"
            )
        if "unterminated quote" in message:
            return ContractError(
                path,
                where,
                "the file ends inside a quoted field: it was cut short (a truncated download?)",
            )
        return ContractError(path, where, f"not readable as CSV: {message.splitlines()[0]}")


class _LineNumbers:
    """Record numbers (1 = the first data row) to lines in the file (the header is line 1).

    A record's line is its number plus one, unless the file has blank lines, which DuckDB skips:
    then it is the header plus the non-blank lines before it, worked out once, reading the file
    a line at a time (lines end at CR, LF or CRLF).
    """

    def __init__(self, path: Path, has_blank_lines: bool) -> None:
        self.path = path
        self.has_blank_lines = has_blank_lines
        self._lines: list[int] | None = None

    @property
    def lines(self) -> list[int]:
        """The line of each record, or [] when every record's line is its number plus one."""
        if self._lines is None:
            self._lines = []
            if self.has_blank_lines:
                with self.path.open(encoding="utf-8-sig", newline="") as handle:
                    self._lines = [
                        number
                        for number, line in enumerate(handle, start=1)
                        if number > 1 and line.strip()
                    ]
        return self._lines

    def line_of(self, record: int) -> int:
        index = int(record) - 1
        return self.lines[index] if 0 <= index < len(self.lines) else int(record) + 1

    def frame(self) -> pd.DataFrame:
        """record -> line, for the records whose line is not their number plus one."""
        return pd.DataFrame(
            {"record": range(1, len(self.lines) + 1), "line": self.lines}, dtype="int64"
        )
