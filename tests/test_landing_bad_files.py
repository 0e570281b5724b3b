"""Bad files at the landing gate, one test body for every source.

The landing mechanism (`orchestration.landing`) is shared, so one test here runs for each
source: Met recorded crime (a wide layout, one column per month; a real six-month slice from
tests/fixtures/mps/), the quarterly source declared only for the tests (a long layout,
`quarter,borough,count`; its SAMPLE), and the two local monthly feeds (long layouts,
`month,borough,asb_calls,repeat_asb_calls` and `month,borough,da_incidents`; their samples in
raw/). The partner returns are sheets, not CSV rows: their workbook faults are a matrix of
their own in test_partner_returns.py. For each fault a bad variant of the source's good file
is written next to the good file in a landing folder in tmp_path, and `sync_source` runs on a
real DuckDB file. The bad file must be refused with a verdict that names the file, the place
(row, column, byte, header or the file) and the rule; the good file must load; no row of the
bad file may reach the raw table; the ledger must hold the refusal.

A `Case` knows its layout and makes each mutation for it. What each refusal must say is worked
out from the good file's bytes (the csv module, bytes.index, hashlib) and from the source's
contract (its rules in words), never from the code under test.
"""

from __future__ import annotations

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
from orchestration.sources.met_da_incidents import SOURCE as MET_DA_INCIDENTS
from orchestration.sources.met_recorded_crime import SOURCE as MET_RECORDED_CRIME
from tests.conftest import SAMPLE_RAW
from tests.support import quarterly_source

FIXTURES = Path(__file__).parent / "fixtures" / "mps"
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

    # --- the good file, read with the csv module ---

    @cached_property
    def raw(self) -> bytes:
        return self.good.read_bytes()

    @cached_property
    def newline(self) -> str:
        return "\r\n" if b"\r\n" in self.raw else "\n"

    @cached_property
    def records(self) -> list[list[str]]:
        return list(csv.reader(io.StringIO(self.raw.decode("utf-8"), newline="")))

    @property
    def header(self) -> list[str]:
        return self.records[0]

    @property
    def body(self) -> list[list[str]]:
        return self.records[1:]

    def copy(self) -> list[list[str]]:
        return [list(record) for record in self.records]

    def data(self, records: list[list[str]], encoding: str = "utf-8") -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator=self.newline).writerows(records)
        return buffer.getvalue().encode(encoding)

    def with_cell(self, line: int, column: int, value: str) -> bytes:
        records = self.copy()
        records[line - 1][column] = value
        return self.data(records)

    # --- what differs between a wide and a long layout ---

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
CASES = (MET, QUARTERLY, ASB_CALLS, DA_INCIDENTS)


# --- the faults: each makes one bad variant of the case's good file ---------------------------


def _empty(case: Case) -> Bad:
    return Bad(b"", "file", ("the file is empty",))


def _header_only(case: Case) -> Bad:
    return Bad(case.data(case.records[:1]), "row 2", ("no data rows",))


def _truncated_mid_row(case: Case) -> Bad:
    """The bytes end half-way through data line 10, as a cut-off copy does."""
    newline = case.newline.encode()
    lines = case.raw.split(newline)
    line = 10
    start = sum(len(text) + len(newline) for text in lines[: line - 1])
    cut = start + len(lines[line - 1]) // 2
    fragment = case.raw[start:cut].decode()
    if fragment.count('"') % 2:
        # The cut falls inside a quoted label: the file ends with the quote still open.
        return Bad(case.raw[:cut], f"row {line}", ("ends inside a quoted field", "cut short"))
    fields = next(csv.reader([fragment]))
    assert len(fields) < len(case.header), "the cut must fall before the row's last field"
    expected = f"expected {len(case.header)} fields"
    return Bad(case.raw[:cut], f"row {line}", (expected, f"found {len(fields)}"))


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
    return Bad(data, f"byte {data.index(bytes(1))}", ("NUL byte", "binary"))


def _utf16(case: Case) -> Bad:
    return Bad(case.raw.decode("utf-8").encode("utf-16"), "file", ("UTF-16",))


def _latin1(case: Case) -> Bad:
    records = case.copy()
    records[LINE - 1][case.label_column] += " (révisé)"
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
        column = case.header[case.count_column]
        return Bad(
            case.with_cell(LINE, case.count_column, value),
            f"row {LINE}, column {column!r}",
            ("whole numbers >= 0", repr(value), *rule),
        )

    return make


def _unknown_borough(case: Case) -> Bad:
    return Bad(
        case.with_cell(LINE, case.borough_column, UNKNOWN_BOROUGH),
        f"row {LINE}",
        (UNKNOWN_BOROUGH, "every borough is one the reference knows"),
        check="known_boroughs",
    )


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
}


def _params() -> Iterator[object]:
    for case in CASES:
        for fault in FAULTS:
            marks = []
            if fault in case.impossible:
                marks.append(pytest.mark.skip(reason=case.impossible[fault]))
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
