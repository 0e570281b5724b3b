"""Bad files at the landing gate, one test body for every source.

The landing mechanism (`orchestration.landing`) is shared, so one test here runs for each
source and layout: Met recorded crime (a wide layout, one column per month; a real six-month
slice from tests/fixtures/mps/), the Met's monthly crime dashboard (a long layout of twelve
columns, read by DuckDB; a real one-month slice from tests/fixtures/mps_dashboard/, borough and
Safer Neighbourhood Team rows), the quarterly source declared only for the tests (a long
layout, `quarter,borough,count`), the two local monthly feeds (long layouts,
`month,borough,asb_calls,repeat_asb_calls` and `month,borough,da_incidents`; their samples in
raw/), the three real MOPAC PAS layouts (a UTF-16 tab-separated borough export with a column
per borough, the UTF-8 London series, the Lambeth trend export with its byte order mark), and
the USS and IOM returns. The partner returns are sheets, not CSV rows: their workbook faults
are a matrix of their own in test_partner_returns.py. For each fault a bad variant of the
source's good file is written next to the good file in a landing folder in tmp_path, and
`sync_source` runs on a real DuckDB file. The bad file must be refused with a verdict that names
the file, the place (row, column, byte, header or the file) and the rule; the good file must
load; no row of the bad file may reach the raw table; the ledger must hold the refusal.

A `Case` knows its layout (encoding, delimiter, where its areas and values are) and makes each
mutation for it; where a fault means something else in a layout (UTF-16 is a PAS export's own
encoding, a decimal is a valid percentage) the case adapts it and says how. What each refusal
must say is worked out from the good file's bytes (the csv module, bytes.index, hashlib) and
from the source's contract (its rules in words), never from the code under test.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.landing.load import LEDGER, sync_source
from orchestration.landing.source import Source
from orchestration.sources.met_asb_calls import SOURCE as MET_ASB_CALLS
from orchestration.sources.met_crime_dashboard import SOURCE as MET_CRIME_DASHBOARD
from orchestration.sources.met_da_incidents import SOURCE as MET_DA_INCIDENTS
from orchestration.sources.met_recorded_crime import SOURCE as MET_RECORDED_CRIME
from orchestration.sources.mopac_iom import SOURCE as MOPAC_IOM
from orchestration.sources.mopac_pas import SOURCE as MOPAC_PAS
from orchestration.sources.mopac_uss import SOURCE as MOPAC_USS
from tests.conftest import SAMPLE_RAW
from tests.support import quarterly_source

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "mps"
DASHBOARD_FIXTURE = (
    PROJECT_ROOT / "tests" / "fixtures" / "mps_dashboard" / "other_crime_2025-07_slice.csv"
)
# Long after both good files' last periods: only the future-period fault moves `today`.
TODAY = date(2026, 11, 27)
LOADED_AT = datetime(2026, 11, 27, 6, 0, 0, tzinfo=UTC)
LINE = 7  # the data line most faults break (line 1 is the header)
HTML_ERROR_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head>"
    b"<body><h1>The datastore is down for maintenance</h1></body></html>\n"
)
UNKNOWN_BOROUGH = "Gotham City"
PLACES = ("row ", "rows ", "column ", "header", "byte ", "file")


@dataclass(frozen=True)
class Bad:
    """A bad variant of a good file and what its refusal must say.

    Attributes:
        where: the place the refusal must name, exactly.
        rule: fragments the rule must hold.
        check: the rule's family (`contract`, `file type`, `future period`) or the GX suite.
    """

    data: bytes
    where: str
    rule: tuple[str, ...]
    check: str = "contract"
    suffix: str = ".csv"
    today: date = TODAY


@dataclass
class Case:
    """A source, its good file, and how to break that file in the source's layout.

    Column positions are 0-based indexes into a record; line numbers are 1-based, the header
    being line 1, as the refusals count them.
    """

    id: str
    source: Source
    good: Path
    title: str
    count_column: int
    key_column: int
    borough_column: int
    label_column: int
    # Faults that cannot occur in this layout, with the reason.
    impossible: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"
    delimiter: str = ","
    # The data line most faults break, the line a cut-off copy ends in, and the line a
    # repeated row copies.
    line: int = LINE
    truncate_line: int = 10
    repeat_line: int = 5
    # The check that refuses an unknown area, and its rule in words.
    area_check: str = "known_boroughs"
    area_rule: str = "every borough is one the reference knows"
    # The column naming each row's period, and the separators the contract accepts, in words.
    period_column: int = 0
    separators: str = "commas"

    # --- the good file, read with the csv module ---

    @cached_property
    def raw(self) -> bytes:
        return self.good.read_bytes()

    @cached_property
    def text(self) -> str:
        return self.raw.decode("utf-16" if self.encoding == "utf-16" else "utf-8-sig")

    @cached_property
    def newline(self) -> str:
        return "\r\n" if "\r\n" in self.text else "\n"

    @cached_property
    def records(self) -> list[list[str]]:
        return list(csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter))

    @property
    def header(self) -> list[str]:
        return self.records[0]

    @property
    def body(self) -> list[list[str]]:
        return self.records[1:]

    def copy(self) -> list[list[str]]:
        return [list(record) for record in self.records]

    def encode(self, text: str, encoding: str | None = None) -> bytes:
        """Text in the good file's encoding (with its byte order mark), or in `encoding`."""
        encoding = encoding or self.encoding
        if encoding == "utf-8" and self.raw.startswith(codecs.BOM_UTF8):
            return codecs.BOM_UTF8 + text.encode("utf-8")
        return text.encode(encoding)

    def data(self, records: list[list[str]], encoding: str | None = None) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=self.delimiter, lineterminator=self.newline).writerows(records)
        return self.encode(buffer.getvalue(), encoding)

    def with_cell(self, line: int, column: int, value: str) -> bytes:
        records = self.copy()
        records[line - 1][column] = value
        return self.data(records)

    def nul_offset(self, data: bytes) -> int:
        """Where the first NUL is: a byte in UTF-8, a two-byte character in UTF-16."""
        if self.encoding == "utf-16":
            return 2 + 2 * data[2:].decode("utf-16-le").index("\x00")
        return data.index(bytes(1))

    # --- what differs between layouts ---

    def good_rows(self) -> int:
        """Rows the good file puts in the raw table."""
        raise NotImplementedError

    def header_refusal(self, header: list[str]) -> tuple[str, str]:
        """(where, found) for a header whose key columns are wrong."""
        raise NotImplementedError

    def title_line(self) -> Bad:
        raise NotImplementedError

    def duplicated_period_column(self) -> Bad:
        raise NotImplementedError

    def duplicated_row_key(self) -> Bad:
        raise NotImplementedError

    def future_period(self) -> Bad:
        raise NotImplementedError

    def utf16(self) -> Bad:
        """A contract of UTF-8 only refuses a UTF-16 copy of the good file, by name."""
        return Bad(self.text.encode("utf-16"), "file", ("UTF-16",))

    def bad_value(self, value: str, *rule: str) -> Bad:
        """A count cell that is not a count: refused naming its row and column."""
        column = self.header[self.count_column]
        return Bad(
            self.with_cell(self.line, self.count_column, value),
            f"row {self.line}, column {column!r}",
            ("whole numbers >= 0", repr(value), *rule),
        )

    def unknown_area(self) -> Bad:
        return Bad(
            self.with_cell(self.line, self.borough_column, UNKNOWN_BOROUGH),
            f"row {self.line}",
            (UNKNOWN_BOROUGH, self.area_rule),
            check=self.area_check,
        )

    def period_label(self, text: str) -> str:
        """How a refusal names the period a row's text names: `2020-11`, `2020 Q4 (Oct-Dec)`."""
        text = text.strip()
        if len(text) == 7 and text[4] == "-":  # 2020-11
            return text
        if " Q" in text:  # 2020 Q3
            year, quarter = text.split(" Q")
            return quarter_label(date(int(year), 3 * int(quarter) - 2, 1))
        for form in ("%b-%y", "%B %Y"):  # a survey quarter by its last month: Dec-14
            try:
                last = datetime.strptime(text, form).date()
            except ValueError:
                continue
            return quarter_label(date(last.year, last.month - 2, 1))
        raise AssertionError(f"no period in {text!r}")

    def missing_period(self) -> Bad:
        """Every row of a period in the middle of the file taken out: a re-sent extract with
        a hole, which would lose every period after it."""
        periods = list(dict.fromkeys(r[self.period_column] for r in self.body))
        gone = periods[len(periods) // 2]
        records = [self.header, *(r for r in self.body if r[self.period_column] != gone)]
        first, last = periods[0], periods[-1]
        return Bad(
            self.data(records),
            "file",
            (
                f"covers {self.period_label(first)} to {self.period_label(last)}",
                f"has no rows for {self.period_label(gone)}:",
            ),
            check="whole periods",
        )

    def fractions(self) -> Bad:
        """Every percentage written as a fraction (61 as 0.61): refused at the first."""
        raise NotImplementedError

    def semicolons(self) -> Bad:
        """The same rows saved with semicolons between fields (a European list separator)."""
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";", lineterminator=self.newline).writerows(self.records)
        return Bad(
            self.encode(buffer.getvalue()),
            "row 1",
            ("separated by semicolons", f"the contract is {self.separators}"),
        )


def quarter_label(start: date) -> str:
    end = date(start.year, start.month + 2, 1)
    return f"{start.year} Q{(start.month - 1) // 3 + 1} ({start:%b}-{end:%b})"


class WideMonthly(Case):
    """The MPS file: three key columns, then one count column per month (`YYYYMM`)."""

    def good_rows(self) -> int:
        return len(self.body) * (len(self.header) - 3)

    def header_refusal(self, header: list[str]) -> tuple[str, str]:
        return "header, columns 1-3", ",".join(header[:3])

    def title_line(self) -> Bad:
        data = (self.title + self.newline).encode() + self.raw
        return Bad(data, "row 1", ("the header is on row 2",))

    def duplicated_period_column(self) -> Bad:
        records = [[*record, record[-1]] for record in self.copy()]
        last, repeated = len(self.header), len(self.header) + 1  # 1-based column numbers
        return Bad(
            self.data(records),
            f"header, column {repeated} ({self.header[-1]!r})",
            ("appears twice", f"columns {last} and {repeated}"),
        )

    def duplicated_row_key(self) -> Bad:
        records = self.copy()
        again = list(records[4])  # line 5, with other counts
        again[3:] = ["1"] * (len(again) - 3)
        records.append(again)
        return Bad(self.data(records), f"row {len(records)}", ("already appears on row 5",))

    def future_period(self) -> Bad:
        last = datetime.strptime(self.header[-1], "%Y%m").date()
        following = (last.replace(day=28) + timedelta(days=4)).replace(day=1)
        records = self.copy()
        records[0].append(f"{following:%Y%m}")
        for record in records[1:]:
            record.append(record[-1])
        today = following + timedelta(days=14)  # half-way through the new month
        return Bad(
            self.data(records),
            f"header, column {len(records[0])} ('{following:%Y%m}')",
            ("has not ended", f"{today:%Y-%m-%d}"),
            check="future period",
            today=today,
        )

    def missing_period(self) -> Bad:
        """A month column in the middle taken out: the parser's own rule on the header."""
        gone = 3 + (len(self.header) - 3) // 2
        records = [record[:gone] + record[gone + 1 :] for record in self.copy()]
        before, after = self.header[gone - 1], self.header[gone + 1]
        return Bad(
            self.data(records),
            f"header, column {gone + 1} ({after!r})",
            ("must run consecutively", f"{before} is followed by {after}"),
        )


class LongQuarterly(Case):
    """The test source: one row per quarter and borough, `quarter,borough,count`."""

    def good_rows(self) -> int:
        return len(self.body)

    def header_refusal(self, header: list[str]) -> tuple[str, str]:
        return "header", ",".join(header)

    def title_line(self) -> Bad:
        # This parser has no title-line hint; the header it finds is still named and refused.
        data = (self.title + self.newline).encode() + self.raw
        return Bad(data, "header", ("expected quarter,borough,count", f"found {self.title}"))

    def duplicated_row_key(self) -> Bad:
        records = self.copy()
        again = list(records[4])  # line 5, with another count
        again[self.count_column] = "1"
        records.append(again)
        return Bad(self.data(records), f"row {len(records)}", ("already appears on row 5",))

    def future_period(self) -> Bad:
        year, quarter = (int(part) for part in self.body[-1][0].split(" Q"))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
        boroughs = sorted({record[1] for record in self.body})
        records = [*self.copy(), *([f"{year} Q{quarter}", b, "1"] for b in boroughs)]
        today = date(year, 3 * quarter - 1, 15)  # the middle month of the new quarter
        return Bad(
            self.data(records),
            "column 'quarter'",
            ("has not ended", f"{today:%Y-%m-%d}"),
            check="future period",
            today=today,
        )


class LongDashboard(Case):
    """The Met dashboard file: one row per month, area, subtype and measure, twelve columns in
    the Datastore's order, `Month_Year` and `Refresh Date` as dates."""

    HEADER = (
        "Month_Year", "Area Type", "Borough_SNT", "Area name", "Area code", "Crime Type",
        "Crime Subtype", "Measure", "Financial Year", "FY_FYIndex", "Count", "Refresh Date",
    )  # fmt: skip

    def good_rows(self) -> int:
        return len(self.body)

    def header_refusal(self, header: list[str]) -> tuple[str, str]:
        # The contract names the first column that is not the Datastore's.
        pairs = enumerate(zip(header, self.HEADER, strict=False), 1)
        position = next(i for i, (found, wanted) in pairs if found != wanted)
        found = header[position - 1]
        return f"header, column {position} ({found!r})", found

    def title_line(self) -> Bad:
        data = (self.title + self.newline).encode() + self.raw
        return Bad(data, "row 1", ("the header is on row 2",))

    def duplicated_row_key(self) -> Bad:
        records = self.copy()
        again = list(records[4])  # line 5, with another count
        again[self.count_column] = "1"
        records.append(again)
        return Bad(self.data(records), f"row {len(records)}", ("already appears on row 5",))

    def future_period(self) -> Bad:
        last = max(date.fromisoformat(record[0]) for record in self.body)
        following = (last.replace(day=28) + timedelta(days=4)).replace(day=1)
        after = (following.replace(day=28) + timedelta(days=4)).replace(day=2)
        new = [
            [following.isoformat(), *record[1:11], after.isoformat()]
            for record in self.body
            if record[1] == "Borough"
        ]
        records = [*self.copy(), *new]
        today = following + timedelta(days=14)
        return Bad(
            self.data(records),
            f"row {len(self.records) + 1}, column 'Month_Year'",
            ("has not ended", f"{today:%Y-%m-%d}"),
            check="future period",
            today=today,
        )


class LongMonthly(Case):
    """A local monthly feed: one row per month and borough, `month,borough,<counts>`."""

    def good_rows(self) -> int:
        return len(self.body)

    def header_refusal(self, header: list[str]) -> tuple[str, str]:
        return "header", ",".join(header)

    def title_line(self) -> Bad:
        data = (self.title + self.newline).encode() + self.raw
        expected = ",".join(self.header)
        return Bad(data, "header", (f"expected {expected}", f"found {self.title}"))

    def duplicated_row_key(self) -> Bad:
        records = self.copy()
        again = list(records[4])  # line 5, with another count
        again[self.count_column] = "1"
        records.append(again)
        return Bad(self.data(records), f"row {len(records)}", ("already appears on row 5",))

    def future_period(self) -> Bad:
        last = max(datetime.strptime(record[0], "%Y-%m").date() for record in self.body)
        following = (last.replace(day=28) + timedelta(days=4)).replace(day=1)
        boroughs = sorted({record[1] for record in self.body})
        width = len(self.header) - 2
        records = [*self.copy(), *([f"{following:%Y-%m}", b, *["1"] * width] for b in boroughs)]
        today = following + timedelta(days=14)  # half-way through the new month
        return Bad(
            self.data(records),
            "column 'month'",
            ("has not ended", f"{today:%Y-%m-%d}"),
            check="future period",
            today=today,
        )


def shown(header: list[str]) -> str:
    """How a PAS refusal quotes a header it does not know: its first five fields."""
    fields = [name.strip() for name in header]
    return ",".join(fields[:5]) + (",..." if len(fields) > 5 else "")


# A decimal is a valid percentage; the same slip in a percentage is a decimal comma.
DECIMAL_COMMA = {"3.5": "3,5"}


class Percentages(Case):
    """A layout whose values are percentages from 0 to 100 (PAS and USS)."""

    def fraction_cells(self) -> list[tuple[int, int]]:
        """(line, column) of every percentage, in file order."""
        return [(line, self.count_column) for line in range(2, len(self.records) + 1)]

    def fractions(self) -> Bad:
        records = self.copy()
        first = None
        for line, column in self.fraction_cells():
            text = records[line - 1][column].strip().rstrip("%").strip()
            if not text:
                continue
            value = float(text) / 100
            records[line - 1][column] = f"{value:g}"
            if first is None and value > 0:
                first = (line, column, f"{value:g}")
        assert first is not None
        line, column, shown = first
        return Bad(
            self.data(records),
            f"row {line}",
            (f"{shown} is a fraction where a percentage from 0 to 100 belongs", "all of the"),
            check="percentage scale",
        )

    def value_where(self) -> str:
        return f"row {self.line}, column {self.header[self.count_column]!r}"

    def bad_value(self, value: str, *rule: str) -> Bad:
        value = DECIMAL_COMMA.get(value, value)
        return Bad(
            self.with_cell(self.line, self.count_column, value),
            self.value_where(),
            ("percentages must be numbers from 0 to 100", repr(value)),
        )


class PasLayout(Percentages):
    """What the three PAS layouts share: one parser that tells them apart by their header,
    which accepts UTF-16 as well as UTF-8."""

    def header_refusal(self, header: list[str]) -> tuple[str, str]:
        return "header", shown(header)

    def title_line(self) -> Bad:
        data = self.encode(self.title + self.newline + self.text)
        return Bad(data, "row 1", ("the header is on row 2",))

    def utf16(self) -> Bad:
        """Adapted: UTF-16 is a PAS export's own encoding, so the fault is a UTF-16 copy cut
        off half-way through its last character (an odd number of bytes)."""
        data = self.text.encode("utf-16")[:-1]
        return Bad(data, f"byte {len(data) - 1}", ("half-way through a UTF-16 character",))


class PasBoroughExport(PasLayout):
    """`Date,Measure,,<areas>`: a column per borough and MPS, a Proportion and a Rank row."""

    def good_rows(self) -> int:
        return len(self.header) - 3

    def value_where(self) -> str:
        column = self.count_column
        return f"row {self.line}, column {column + 1} ({self.header[column]!r})"

    def fraction_cells(self) -> list[tuple[int, int]]:
        """The Proportion rows' figures (a Rank row holds ranks, not percentages)."""
        return [
            (line, column)
            for line, record in enumerate(self.records, start=1)
            if record[2].strip().lower() == "proportion"
            for column in range(3, len(record))
        ]

    def duplicated_period_column(self) -> Bad:
        """Adapted: the columns are areas, so the fault is an area given twice."""
        records = [[*record, record[-1]] for record in self.copy()]
        last, repeated = len(self.header), len(self.header) + 1
        return Bad(
            self.data(records),
            f"header, column {repeated} ({self.header[-1]!r})",
            ("appears twice", f"columns {last} and {repeated}"),
        )

    def duplicated_row_key(self) -> Bad:
        records = self.copy()
        again = list(records[1])  # the Proportion row, with other figures
        again[3:] = ["50%"] * (len(again) - 3)
        records.append(again)
        return Bad(self.data(records), f"row {len(records)}", ("already appears on row 2",))

    def future_period(self) -> Bad:
        records = self.copy()
        for record in records[1:]:
            record[0] = "September 2022"
        return Bad(
            self.data(records),
            "row 2, date 'September 2022'",
            ("has not ended", "2022-08-15"),
            check="future period",
            today=date(2022, 8, 15),
        )

    def unknown_area(self) -> Bad:
        """The areas are the header's columns: one renamed to an area nobody knows."""
        records = self.copy()
        records[0][self.borough_column] = UNKNOWN_BOROUGH
        return Bad(
            self.data(records),
            f"row {self.line}",
            (UNKNOWN_BOROUGH, self.area_rule),
            check=self.area_check,
        )


class PasLong(PasLayout):
    """The long PAS layouts: one figure per row."""

    def good_rows(self) -> int:
        return len(self.body)

    def duplicated_row_key(self) -> Bad:
        records = self.copy()
        again = list(records[self.repeat_line - 1])
        again[self.count_column] = "1"
        records.append(again)
        return Bad(
            self.data(records),
            f"row {len(records)}",
            (f"already appears on row {self.repeat_line}",),
        )

    def future_period(self) -> Bad:
        """Every measure of the last quarter again, for the quarter after it."""
        date_column = [name.lower() for name in self.header].index("date")
        last = self.body[-1][date_column]
        if "-" in last:  # 'Sep-25'
            month = datetime.strptime(last, "%b-%y").date()
            following = date(month.year + (month.month == 12), month.month % 12 + 3, 1)
            label = f"{following:%b-%y}"
        else:  # 'June 2022'
            month = datetime.strptime(last, "%B %Y").date()
            following = date(month.year + (month.month == 12), month.month % 12 + 3, 1)
            label = f"{following:%B %Y}"
        added = []
        for record in (r for r in self.body if r[date_column] == last):
            again = list(record)
            again[date_column] = label
            added.append(again)
        records = [*self.copy(), *added]
        today = date(following.year, following.month - 1, 15)  # the quarter's middle month
        return Bad(
            self.data(records),
            f"row {len(self.records) + 1}, date {label!r}",
            ("has not ended", f"{today:%Y-%m-%d}"),
            check="future period",
            today=today,
        )


@dataclass
class TidyReturn(Case):
    """A partner's return in the project's own contract: named columns, one row per quarter
    and area (and measure), the quarter as '2022/23 Q4' or '2020 Q1'."""

    future_row: tuple[str, ...] = ()
    future_today: date = TODAY

    def good_rows(self) -> int:
        return len(self.body)

    def header_refusal(self, header: list[str]) -> tuple[str, str]:
        return "header", ",".join(header)

    def title_line(self) -> Bad:
        data = self.encode(self.title + self.newline + self.text)
        return Bad(data, "header", ("expected the columns quarter,area", f"found {self.title}"))

    def duplicated_row_key(self) -> Bad:
        records = self.copy()
        again = list(records[self.repeat_line - 1])
        again[self.count_column] = "1"
        records.append(again)
        return Bad(
            self.data(records),
            f"row {len(records)}",
            (f"already appears on row {self.repeat_line}",),
        )

    def future_period(self) -> Bad:
        # The row as wide as the header: a return's optional column groups are left empty.
        row = [*self.future_row, *[""] * (len(self.header) - len(self.future_row))]
        records = [*self.copy(), row]
        return Bad(
            self.data(records),
            f"row {len(records)}, column 'quarter'",
            ("has not ended", f"{self.future_today:%Y-%m-%d}"),
            check="future period",
            today=self.future_today,
        )


class UssReturn(TidyReturn, Percentages):
    """`quarter,area,measure,percent`."""


LONG_LAYOUT = (
    "a long layout has one period column; a period given twice is a repeated row, the "
    "'duplicated row key' fault"
)
MOPAC_PAS_FOLDER = PROJECT_ROOT / "raw" / "mopac" / "pas"
MOPAC_RAW = PROJECT_ROOT / "raw" / "mopac"
PAS_AREA_RULE = "every area is a London borough (by name or ONS code) or London (MPS)"

PAS_BOROUGH_EXPORT = PasBoroughExport(
    id="mopac_pas:borough_export",
    source=MOPAC_PAS,
    good=MOPAC_PAS_FOLDER / "all_borough_police_fair_june_2022.csv",
    title="MOPAC Public Attitude Survey: all boroughs, June 2022",
    count_column=22,  # Barnet's column
    key_column=1,
    borough_column=22,
    label_column=1,
    encoding="utf-16",
    delimiter="\t",
    line=2,
    truncate_line=2,
    area_check="known_areas",
    area_rule=PAS_AREA_RULE,
    separators="commas or tabs",
    impossible={"missing period": "a borough export holds one survey quarter"},
)
PAS_LONDON_SERIES = PasLong(
    id="mopac_pas:london_series",
    source=MOPAC_PAS,
    good=MOPAC_PAS_FOLDER / "public-perception-data_MPS_Dec-14_to_Sep-25.csv",
    title="MOPAC public perception data, MPS",
    count_column=2,
    key_column=1,
    borough_column=1,
    label_column=1,
    impossible={
        "duplicated period column": LONG_LAYOUT,
        "unknown borough": "the London series names no area: every row is the MPS area's",
    },
    separators="commas or tabs",
)
PAS_BOROUGH_TREND = PasLong(
    id="mopac_pas:borough_trend",
    source=MOPAC_PAS,
    good=MOPAC_PAS_FOLDER / "Voice_Trend_Full_Data_data_Lambeth_Dec-14_to_Jun-22.csv",
    title="Voice Trend - Full Data",
    count_column=4,
    key_column=1,
    borough_column=3,
    label_column=0,
    impossible={"duplicated period column": LONG_LAYOUT},
    area_check="known_areas",
    area_rule=PAS_AREA_RULE,
    separators="commas or tabs",
    period_column=1,
)
USS = UssReturn(
    id="mopac_uss",
    source=MOPAC_USS,
    good=MOPAC_RAW / "uss" / "uss_victim_satisfaction_2022-23_Q4.csv",
    title="MOPAC User Satisfaction Survey 2022/23 Q4",
    count_column=3,
    key_column=1,
    borough_column=1,
    label_column=2,
    impossible={
        "duplicated period column": LONG_LAYOUT,
        "missing period": "the sample holds two quarters and a baseline year, so no middle one",
    },
    line=3,
    truncate_line=4,
    area_check="known_areas",
    area_rule="every area is a BCU or London",
    future_row=("2023/24 Q1", "London", "overall_satisfaction", "60"),
    future_today=date(2023, 5, 15),
)
IOM = TidyReturn(
    id="mopac_iom",
    source=MOPAC_IOM,
    good=MOPAC_RAW / "iom" / "iom_barnet_2020Q1-2021Q2.csv",
    title="IOM data store: Barnet cohort",
    count_column=2,  # offenders_in_cohort, never empty
    key_column=1,
    borough_column=1,
    label_column=1,
    impossible={"duplicated period column": LONG_LAYOUT},
    line=4,
    truncate_line=6,
    area_check="known_areas",
    area_rule="every area is a London borough (by name or ONS code) or London",
    future_row=("2021 Q3", "Barnet", "90", "10", "10", "50", *[""] * 8),
    future_today=date(2021, 8, 15),
)

MET = WideMonthly(
    id="met_recorded_crime",
    source=MET_RECORDED_CRIME,
    good=FIXTURES / "mps_2019_24_months_201909-202108_slice.csv",
    title="MPS Borough Level Crime (most recent 24 months)",
    count_column=-1,
    key_column=2,
    borough_column=2,
    label_column=1,
)
QUARTERLY = LongQuarterly(
    id="test_quarterly",
    source=quarterly_source.SOURCE,
    good=quarterly_source.SAMPLE,
    title="Test quarterly counts",
    count_column=2,
    key_column=1,
    borough_column=1,
    label_column=1,
    impossible={
        "duplicated period column": (
            "a long layout has one quarter column; a period given twice is a repeated row, "
            "the 'duplicated row key' fault"
        ),
    },
)
DASHBOARD = LongDashboard(
    id="met_crime_dashboard",
    source=MET_CRIME_DASHBOARD,
    good=DASHBOARD_FIXTURE,
    title="MPS Monthly Crime Dashboard - other crime data",
    count_column=10,
    key_column=3,
    borough_column=3,
    label_column=6,
    impossible={
        "duplicated period column": (
            "a long layout has one Month_Year column; a month given twice is a repeated row, "
            "the 'duplicated row key' fault"
        ),
        "xlsx beside the csvs": (
            "the dashboard's folder takes .xlsx as well (the Datastore publishes both); the same "
            "rows as a workbook load alike (tests/test_dashboard_parser.py)"
        ),
        "missing period": "the fixture is one month of the dashboard",
    },
    area_check="known_areas",
    area_rule="every borough row's area is a London borough or an area the reference knows",
)
LONG_LAYOUT = {
    "duplicated period column": (
        "a long layout has one month column; a period given twice is a repeated row, the "
        "'duplicated row key' fault"
    ),
}
ASB_CALLS = LongMonthly(
    id="met_asb_calls",
    source=MET_ASB_CALLS,
    good=SAMPLE_RAW
    / "met"
    / "asb_calls"
    / "asb_calls_barnet_202006-202105_ILLUSTRATIVE_even_split.csv",
    title="ASB calls extract for the partnership",
    count_column=2,
    key_column=1,
    borough_column=1,
    label_column=1,
    impossible=LONG_LAYOUT,
)
DA_INCIDENTS = LongMonthly(
    id="met_da_incidents",
    source=MET_DA_INCIDENTS,
    good=SAMPLE_RAW
    / "met"
    / "da_incidents"
    / "da_incidents_barnet_202103-202302_ILLUSTRATIVE_even_split.csv",
    title="Domestic abuse incidents extract",
    count_column=2,
    key_column=1,
    borough_column=1,
    label_column=1,
    impossible=LONG_LAYOUT,
)
CASES = (
    MET,
    DASHBOARD,
    QUARTERLY,
    ASB_CALLS,
    DA_INCIDENTS,
    PAS_BOROUGH_EXPORT,
    PAS_LONDON_SERIES,
    PAS_BOROUGH_TREND,
    USS,
    IOM,
)


# --- the faults: each makes one bad variant of the case's good file ---------------------------


def _empty(case: Case) -> Bad:
    return Bad(b"", "file", ("the file is empty",))


def _header_only(case: Case) -> Bad:
    return Bad(case.data(case.records[:1]), "row 2", ("no data rows",))


def _truncated_mid_row(case: Case) -> Bad:
    """The bytes end half-way through a data line, as a cut-off copy does."""
    lines = case.text.split(case.newline)
    line = case.truncate_line
    start = sum(len(text) + len(case.newline) for text in lines[: line - 1])
    cut = start + len(lines[line - 1]) // 2
    fragment = case.text[start:cut]
    data = case.encode(case.text[:cut])
    if fragment.count('"') % 2:
        # The cut falls inside a quoted label: the file ends with the quote still open.
        return Bad(data, f"row {line}", ("ends inside a quoted field", "cut short"))
    fields = next(csv.reader([fragment], delimiter=case.delimiter))
    assert len(fields) < len(case.header), "the cut must fall before the row's last field"
    expected = f"expected {len(case.header)} fields"
    return Bad(data, f"row {line}", (expected, f"found {len(fields)}"))


def _html_page(case: Case) -> Bad:
    return Bad(HTML_ERROR_PAGE, "file", ("HTML", "<!DOCTYPE html>"))


def _zip(case: Case) -> Bad:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(case.good.name, case.raw)
    return Bad(buffer.getvalue(), "file", ("zip archive",))


def _nul_bytes_at_the_start(case: Case) -> Bad:
    """A first block that never reached the disk: zeros, then the rest of the file."""
    block = min(512, len(case.raw) // 2)
    return Bad(b"\x00" * block + case.raw[block:], "byte 0", ("NUL byte", "binary"))


def _nul_bytes_in_a_label(case: Case) -> Bad:
    """NUL bytes over a label of the middle data row: the width and counts still hold, so
    only the binary-data rule can refuse it."""
    line = len(case.records) // 2 + 1
    label = case.records[line - 1][case.label_column]
    data = case.with_cell(line, case.label_column, label[:2] + "\x00" * 8 + label[2:])
    return Bad(data, f"byte {case.nul_offset(data)}", ("NUL byte", "binary"))


def _utf16(case: Case) -> Bad:
    return case.utf16()


def _latin1(case: Case) -> Bad:
    records = case.copy()
    records[case.line - 1][case.label_column] += " (révisé)"
    data = case.data(records, encoding="latin-1")
    offset = data.index("é".encode("latin-1"))
    return Bad(data, f"byte {offset}", ("UTF-8", "0xe9"))


def _title_line(case: Case) -> Bad:
    return case.title_line()


def _renamed_key_column(case: Case) -> Bad:
    records = case.copy()
    records[0][case.key_column] = "Borough Name"
    where, found = case.header_refusal(records[0])
    return Bad(case.data(records), where, (found,))


def _missing_key_column(case: Case) -> Bad:
    records = [r[: case.key_column] + r[case.key_column + 1 :] for r in case.copy()]
    where, found = case.header_refusal(records[0])
    return Bad(case.data(records), where, (found,))


def _bad_count(value: str, *rule: str) -> Callable[[Case], Bad]:
    def make(case: Case) -> Bad:
        return case.bad_value(value, *rule)

    return make


def _unknown_borough(case: Case) -> Bad:
    return case.unknown_area()


def _xlsx(case: Case) -> Bad:
    """A real workbook of the good rows, saved by Excel's library beside the CSVs."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for record in case.records:
        sheet.append(record)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Bad(buffer.getvalue(), "file", ("the type .xlsx", "not accepted"), "file type", ".xlsx")


FAULTS: dict[str, Callable[[Case], Bad]] = {
    "empty": _empty,
    "header only": _header_only,
    "truncated mid-row": _truncated_mid_row,
    "html error page": _html_page,
    "zip saved as csv": _zip,
    "nul bytes at the start": _nul_bytes_at_the_start,
    "nul bytes in a label": _nul_bytes_in_a_label,
    "utf-16": _utf16,
    "latin-1 label": _latin1,
    "title line above the header": _title_line,
    "renamed key column": _renamed_key_column,
    "missing key column": _missing_key_column,
    "duplicated period column": lambda case: case.duplicated_period_column(),
    "duplicated row key": lambda case: case.duplicated_row_key(),
    "negative count": _bad_count("-3"),
    "decimal count": _bad_count("3.5"),
    "non-numeric count": _bad_count("n/a"),
    # BIGINT holds 9223372036854775807 (19 digits); the contract stops at 18 digits.
    "count too large for bigint": _bad_count("9223372036854775808", "at most 18 digits"),
    "unknown borough": _unknown_borough,
    "future period": lambda case: case.future_period(),
    "xlsx beside the csvs": _xlsx,
    "semicolons for commas": lambda case: case.semicolons(),
    "missing period": lambda case: case.missing_period(),
    "percentages as fractions": lambda case: case.fractions(),
}
# The faults of percentages only.
PERCENTAGE_FAULTS = ("percentages as fractions",)


def _params() -> Iterator[object]:
    for case in CASES:
        for fault in FAULTS:
            marks = []
            if fault in case.impossible:
                marks.append(pytest.mark.skip(reason=case.impossible[fault]))
            elif fault in PERCENTAGE_FAULTS and not isinstance(case, Percentages):
                continue
            yield pytest.param(case, fault, marks=marks, id=f"{case.id}:{fault}")


# --- the test -------------------------------------------------------------------------------


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


@pytest.mark.parametrize(("case", "fault"), _params())
def test_a_bad_file_is_refused_by_name_place_and_rule_and_the_good_file_beside_it_loads(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, case: Case, fault: str
) -> None:
    bad = FAULTS[fault](case)
    raw_dir = tmp_path / "raw"
    folder = case.source.landing_folder(raw_dir)
    folder.mkdir(parents=True)
    shutil.copyfile(case.good, folder / case.good.name)
    bad_name = "bad_" + fault.replace(" ", "_") + bad.suffix
    (folder / bad_name).write_bytes(bad.data)

    report = sync_source(con, case.source, raw_dir, today=bad.today, loaded_at=LOADED_AT)

    # The bad file: refused, by name, at a place, with the rule.
    assert [v.name for v in report.refused] == [bad_name], report.verdicts
    verdict = report.refused[0]
    assert verdict.where.startswith(PLACES)
    assert (verdict.check, verdict.where) == (bad.check, bad.where), verdict.message
    for fragment in bad.rule:
        assert fragment in verdict.rule, verdict.message
    assert verdict.message == f"{bad_name}: {bad.where}: {verdict.rule}"
    assert verdict.sha256 == hashlib.sha256(bad.data).hexdigest()
    assert con.execute(
        f"select count(*) from {case.source.table} where source_file = ?", [bad_name]
    ).fetchone() == (0,)
    assert con.execute(
        f"select source_sha256, status, check_name, location, rule from {LEDGER} "
        "where source = ? and source_file = ?",
        [case.source.key, bad_name],
    ).fetchall() == [(verdict.sha256, "refused", bad.check, bad.where, verdict.rule)]

    # The good file beside it: loaded, every row of it.
    good_sha = hashlib.sha256(case.raw).hexdigest()
    assert [(v.name, v.sha256) for v in report.loaded] == [(case.good.name, good_sha)]
    assert con.execute(
        f"select source_file, source_sha256, count(*) from {case.source.table} group by all"
    ).fetchall() == [(case.good.name, good_sha, case.good_rows())]
    assert con.execute(
        f"select status from {LEDGER} where source = ? and source_file = ?",
        [case.source.key, case.good.name],
    ).fetchall() == [("accepted",)]


def test_repeat_asb_calls_above_the_months_calls_are_refused_by_the_gate(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    """`repeats_within_calls` (a subset within its total) needs two columns of one row, so it
    is the gate's, not the parser's."""
    folder = MET_ASB_CALLS.landing_folder(tmp_path / "raw")
    folder.mkdir(parents=True)
    records = ASB_CALLS.copy()
    records[LINE - 1][3] = str(int(records[LINE - 1][2]) + 1)
    (folder / "asb_calls_bad.csv").write_bytes(ASB_CALLS.data(records))
    report = sync_source(con, MET_ASB_CALLS, tmp_path / "raw", today=TODAY, loaded_at=LOADED_AT)
    assert [v.name for v in report.refused] == ["asb_calls_bad.csv"]
    verdict = report.refused[0]
    assert (verdict.check, verdict.where) == ("repeats_within_calls", f"row {LINE}")
    assert "repeat calls never exceed calls" in verdict.rule


# --- awkward good files: accepted --------------------------------------------------------------


def _with_newline(case: Case, newline: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=case.delimiter, lineterminator=newline).writerows(case.records)
    return case.encode(buffer.getvalue())


AWKWARD: dict[str, Callable[[Case], bytes | None]] = {
    # Excel's 'CSV UTF-8' starts with a byte order mark; other tools write none.
    "byte order mark toggled": lambda case: (
        None
        if case.encoding != "utf-8"
        else case.raw[3:]
        if case.raw.startswith(codecs.BOM_UTF8)
        else codecs.BOM_UTF8 + case.raw
    ),
    "crlf line ends": lambda case: _with_newline(case, "\r\n"),
    "lf line ends": lambda case: _with_newline(case, "\n"),
    "trailing blank rows": lambda case: (
        case.raw
        + case.encode(case.newline * 3)[
            (2 if case.encoding == "utf-16" else 3 if case.raw.startswith(codecs.BOM_UTF8) else 0) :
        ]
    ),
    "the same file again under another name": lambda case: case.raw,
}


@pytest.mark.parametrize(
    ("case", "variant"),
    [
        pytest.param(case, variant, id=f"{case.id}:{variant}")
        for case in CASES
        for variant in AWKWARD
    ],
)
def test_an_awkward_good_file_is_accepted_whole_beside_the_good_one(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, case: Case, variant: str
) -> None:
    data = AWKWARD[variant](case)
    if data is None:
        pytest.skip("a UTF-16 export always starts with its byte order mark")
    folder = case.source.landing_folder(tmp_path / "raw")
    folder.mkdir(parents=True)
    shutil.copyfile(case.good, folder / case.good.name)
    other = "awkward_" + variant.replace(" ", "_") + ".csv"
    (folder / other).write_bytes(data)

    report = sync_source(con, case.source, tmp_path / "raw", today=TODAY, loaded_at=LOADED_AT)

    assert report.refused == [], [v.message for v in report.refused]
    assert sorted(v.name for v in report.loaded) == sorted([case.good.name, other])
    assert con.execute(
        f"select count(*) from {case.source.table} where source_file = ?", [other]
    ).fetchone() == (case.good_rows(),)
