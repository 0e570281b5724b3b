"""MpsRecordedCrimeParser (parse and peek) against slices of the four real MPS layouts.

Expected values come from the fixtures themselves, read here with the csv module, or from facts
stated in the source contract (layout names, release months, borough counts); never from the
parser. Each contract violation is one thing broken in a copy of a real fixture, written to
tmp_path, so every other rule still holds and the error can only come from the broken one.
"""

from __future__ import annotations

import calendar
import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from orchestration.landing.contract import ContractError
from orchestration.landing.source import ParsedFile, Release
from orchestration.sources.met_recorded_crime import SOURCE
from orchestration.sources.met_recorded_crime.parser import MpsRecordedCrimeParser

FIXTURES = Path(__file__).parent / "fixtures" / "mps"
BOM = b"\xef\xbb\xbf"
CUT_MINOR = "Making, Supplying or Possessing Articles for use i"
PARSER = MpsRecordedCrimeParser()


def parse(path: Path) -> ParsedFile:
    return PARSER.parse(path)


def peek(path: Path) -> Release:
    return PARSER.peek(path)


@dataclass(frozen=True)
class Variant:
    """A fixture and what the source contract says about its original."""

    filename: str
    layout: str
    release_month: date
    boroughs: int
    borough_column: int  # position in the row, 0-based
    major_column: int
    minor_column: int

    @property
    def path(self) -> Path:
        return FIXTURES / self.filename


MPS_2019_24_MONTHS = Variant(
    "mps_2019_24_months_201909-202108_slice.csv", "mps_2019", date(2021, 8, 1), 33, 2, 0, 1
)
MPS_2019_HISTORICAL = Variant(
    "mps_2019_historical_201004-202201_slice.csv", "mps_2019", date(2022, 1, 1), 33, 2, 0, 1
)
MPS_CONNECT_2024 = Variant(
    "mps_connect_2024_201004-202210_slice.csv", "mps_connect_2024", date(2022, 10, 1), 34, 2, 0, 1
)
MPS_HISTORIC_PRE2019 = Variant(
    "mps_historic_pre2019_200801-201812_slice.csv",
    "mps_historic_pre2019",
    date(2018, 12, 1),
    32,  # the pre-2019 file has no airports row
    0,
    1,
    2,
)
VARIANTS = (MPS_2019_24_MONTHS, MPS_2019_HISTORICAL, MPS_CONNECT_2024, MPS_HISTORIC_PRE2019)
variants = pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.layout + ":" + v.filename)


def _records(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header and the data rows, read with the csv module alone."""
    with path.open(newline="", encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    return records[0], records[1:]


def _month(column: str) -> date:
    return datetime.strptime(column, "%Y%m").date()


def _lines(path: Path) -> list[bytes]:
    """The file's lines without their CRLF; line 1 is index 0."""
    lines = path.read_bytes().split(b"\r\n")
    assert lines[-1] == b"", "fixtures end with CRLF"
    return lines[:-1]


def _write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(line + b"\r\n" for line in lines))
    return path


def _csv_line(record: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(record)
    return buffer.getvalue().encode("utf-8")


def _broken(
    tmp_path: Path,
    edit: Callable[[list[bytes]], list[bytes]],
    variant: Variant = MPS_2019_24_MONTHS,
) -> Path:
    """A copy of a fixture, under the same name, with `edit` applied to its lines."""
    return _write_lines(tmp_path / variant.filename, edit(_lines(variant.path)))


def _set_line(number: int, line: bytes) -> Callable[[list[bytes]], list[bytes]]:
    def edit(lines: list[bytes]) -> list[bytes]:
        lines[number - 1] = line
        return lines

    return edit


def _line_fields(variant: Variant, number: int) -> list[str]:
    return next(csv.reader([_lines(variant.path)[number - 1].decode("utf-8")]))


def _months_of(parsed: ParsedFile) -> tuple[date, ...]:
    """The distinct months of the parsed rows, in order."""
    return tuple(sorted({month.date() for month in parsed.frame().month}))


def _rejection(path: Path) -> ContractError:
    with pytest.raises(ContractError) as caught:
        parse(path)
    error = caught.value
    assert Path(error.file).name == path.name
    assert str(error).startswith(f"{path.name}: ")
    assert error.where in str(error) and error.rule in str(error)
    return error


# --- the four real layouts -------------------------------------------------------------------


@variants
def test_each_real_layout_is_recognised_by_its_key_columns(variant: Variant) -> None:
    parsed = parse(variant.path)
    assert parsed.details["layout"] == variant.layout
    assert set(parsed.frame().source_layout) == {variant.layout}


@variants
def test_the_release_is_the_last_month_column(variant: Variant) -> None:
    header, _ = _records(variant.path)
    release = parse(variant.path).release
    assert release.last_period == variant.release_month == _month(header[-1])
    assert release.label == f"{variant.release_month:%Y-%m}"


@variants
def test_a_release_is_published_the_day_after_its_last_month_ends(variant: Variant) -> None:
    # The file states no publication date, so the source contract takes the month's end.
    last = variant.release_month
    month_end = date(last.year, last.month, calendar.monthrange(last.year, last.month)[1])
    assert parse(variant.path).release.released_on == month_end + timedelta(days=1)


@variants
def test_the_last_month_is_located_at_its_header_column(variant: Variant) -> None:
    header, _ = _records(variant.path)
    assert parse(variant.path).release.last_period_where == (
        f"header, column {len(header)} ({header[-1]!r})"
    )


@variants
def test_the_months_are_the_month_columns_of_the_header_in_order(variant: Variant) -> None:
    header, _ = _records(variant.path)
    expected = tuple(_month(column) for column in header[3:])
    assert len(expected) == 6
    parsed = parse(variant.path)
    assert _months_of(parsed) == expected
    assert (parsed.release.first_period, parsed.release.last_period) == (expected[0], expected[-1])


@variants
def test_the_rows_have_the_columns_the_source_declares(variant: Variant) -> None:
    assert list(parse(variant.path).frame().columns) == ["source_row", *SOURCE.columns]


@variants
def test_each_row_of_the_file_becomes_one_long_row_per_month(variant: Variant) -> None:
    header, body = _records(variant.path)
    parsed = parse(variant.path)
    assert len(parsed.frame()) == len(body) * (len(header) - 3)
    assert parsed.source_row_count == len(body)


@variants
def test_every_count_and_its_line_number_match_the_file_cell_by_cell(variant: Variant) -> None:
    header, body = _records(variant.path)
    expected = {
        (
            line,
            record[variant.major_column],
            record[variant.minor_column],
            record[variant.borough_column],
            _month(column),
        ): int(value)
        for line, record in enumerate(body, start=2)  # the header is line 1
        for column, value in zip(header[3:], record[3:], strict=True)
    }
    rows = parse(variant.path).frame()
    actual = {
        (
            row.source_row,
            row.major_text,
            row.minor_text,
            row.borough_name,
            row.month.date(),
        ): row.offence_count
        for row in rows.itertuples()
    }
    assert actual == expected


@variants
def test_labels_are_kept_exactly_as_the_file_has_them(variant: Variant) -> None:
    _, body = _records(variant.path)
    expected = {
        (r[variant.major_column], r[variant.minor_column], r[variant.borough_column]) for r in body
    }
    rows = parse(variant.path).frame()
    assert set(zip(rows.major_text, rows.minor_text, rows.borough_name, strict=True)) == expected


@variants
def test_every_borough_in_the_file_is_kept(variant: Variant) -> None:
    rows = parse(variant.path).frame()
    assert rows.borough_name.nunique() == variant.boroughs


def test_barnet_violence_with_injury_in_may_2021_is_197_in_the_2021_08_release() -> None:
    # The figure SOURCES.md quotes for this release (the 2022-01 release revised it to 199).
    rows = parse(MPS_2019_24_MONTHS.path).frame()
    cell = rows[
        (rows.borough_name == "Barnet")
        & (rows.minor_text == "Violence with Injury")
        & (rows.month.dt.date == date(2021, 5, 1))
    ]
    assert cell.offence_count.tolist() == [197]


def test_connect_labels_stay_upper_case_and_its_unknown_borough_is_kept() -> None:
    rows = parse(MPS_CONNECT_2024.path).frame()
    assert {"BURGLARY IN A DWELLING", "BURGLARY BUSINESS AND COMMUNITY"} <= set(rows.minor_text)
    assert "VIOLENCE WITH INJURY" in set(rows.minor_text)
    assert not any(label != label.upper() for label in set(rows.major_text))
    unknown = rows[rows.borough_name == "Unknown"]
    assert set(unknown.minor_text) >= {"VIOLENCE WITH INJURY", "BURGLARY IN A DWELLING"}


def test_the_pre2019_layout_takes_the_borough_from_its_first_column() -> None:
    rows = parse(MPS_HISTORIC_PRE2019.path).frame()
    barnet = rows[(rows.borough_name == "Barnet") & (rows.minor_text == "Wounding/GBH")]
    assert set(barnet.major_text) == {"Violence Against the Person"}
    # Barnet,Violence Against the Person,Wounding/GBH,... in the fixture, Dec 2018 the last value
    line = next(
        record
        for record in _records(MPS_HISTORIC_PRE2019.path)[1]
        if record[:3] == ["Barnet", "Violence Against the Person", "Wounding/GBH"]
    )
    december = barnet[barnet.month.dt.date == date(2018, 12, 1)]
    assert december.offence_count.tolist() == [int(line[-1])]


@pytest.mark.parametrize(
    "variant", [MPS_2019_24_MONTHS, MPS_2019_HISTORICAL], ids=lambda v: v.filename
)
def test_a_minor_cut_at_50_characters_and_quoted_with_a_comma_is_one_label(
    variant: Variant,
) -> None:
    assert len(CUT_MINOR) == 50
    quoted = b'"' + CUT_MINOR.encode() + b'"'
    lines_with_it = [line for line in _lines(variant.path) if quoted in line]
    assert len(lines_with_it) == variant.boroughs
    rows = parse(variant.path).frame()
    cut = rows[rows.minor_text == CUT_MINOR]
    assert cut.source_row.nunique() == variant.boroughs
    assert set(cut.major_text) == {"Miscellaneous Crimes Against Society"}
    assert not any(name.startswith(("Making", " Supplying")) for name in set(rows.borough_name))


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    with_bom = tmp_path / MPS_2019_24_MONTHS.filename
    with_bom.write_bytes(BOM + MPS_2019_24_MONTHS.path.read_bytes())
    parsed, plain = parse(with_bom), parse(MPS_2019_24_MONTHS.path)
    assert parsed.details["layout"] == "mps_2019"
    assert parsed.release == plain.release
    assert parsed.frame().equals(plain.frame())
    assert peek(with_bom).last_period == date(2021, 8, 1)


def test_the_sha256_is_of_the_file_bytes_as_they_are(tmp_path: Path) -> None:
    with_bom = tmp_path / "bom.csv"
    with_bom.write_bytes(BOM + MPS_2019_24_MONTHS.path.read_bytes())
    assert parse(with_bom).sha256 == hashlib.sha256(with_bom.read_bytes()).hexdigest()


# --- peek ---------------------------------------------------------------------------------------


@variants
def test_peek_gives_the_release_of_the_last_month_column(variant: Variant) -> None:
    header, _ = _records(variant.path)
    release = peek(variant.path)
    assert release.last_period == variant.release_month
    assert release.first_period == _month(header[3])
    assert release == parse(variant.path).release


def test_peek_reads_only_the_header(tmp_path: Path) -> None:
    """A body the parser rejects (not UTF-8, rows of the wrong width) does not matter to it."""
    lines = _lines(MPS_2019_24_MONTHS.path)
    path = _write_lines(tmp_path / "half_downloaded.csv", [lines[0], b"Burglary,\xff\xfe,Barn"])
    assert peek(path).last_period == date(2021, 8, 1)
    with pytest.raises(ContractError):
        parse(path)


def test_peek_rejects_a_header_it_does_not_know(tmp_path: Path) -> None:
    path = _broken(tmp_path, _set_line(1, b"Borough,Crime,Month,202108"))
    with pytest.raises(ContractError) as caught:
        peek(path)
    assert caught.value.where.startswith("header")


# --- contract violations: each is a real fixture with one thing broken ------------------------


def test_unknown_key_columns_are_rejected_naming_the_columns_found(tmp_path: Path) -> None:
    lines = _lines(MPS_2019_24_MONTHS.path)
    header = lines[0].replace(b"MajorText,MinorText,LookUp_BoroughName", b"Category,Sub,Area")
    error = _rejection(_broken(tmp_path, _set_line(1, header)))
    assert "header" in error.where and "1-3" in error.where
    assert "Category,Sub,Area" in error.rule
    assert "MajorText,MinorText,LookUp_BoroughName" in error.rule  # what was expected


def test_a_ward_level_file_is_rejected_as_ward_level(tmp_path: Path) -> None:
    # The ward file's key columns: MajorText,MinorText,WardName,WardCode,LookUp_BoroughName
    def to_ward_level(lines: list[bytes]) -> list[bytes]:
        records = [next(csv.reader([line.decode()])) for line in lines]
        header = [*records[0][:2], "WardName", "WardCode", *records[0][2:]]
        body = [[*r[:2], "Underhill", "E05000063", *r[2:]] for r in records[1:]]
        return [_csv_line(record) for record in [header, *body]]

    error = _rejection(_broken(tmp_path, to_ward_level))
    assert error.where == "header"
    assert "ward" in error.rule.lower() and "borough" in error.rule.lower()


def test_a_column_that_is_not_a_month_is_rejected_naming_it(tmp_path: Path) -> None:
    header = _lines(MPS_2019_24_MONTHS.path)[0].replace(b",202105,", b",May 2021,")
    error = _rejection(_broken(tmp_path, _set_line(1, header)))
    # MajorText, MinorText, LookUp_BoroughName, 202103, 202104, then the sixth column
    assert "column 6" in error.where and "'May 2021'" in error.where
    assert "YYYYMM" in error.rule


def test_a_gap_in_the_months_is_rejected_naming_both_sides(tmp_path: Path) -> None:
    def drop_may_2021(lines: list[bytes]) -> list[bytes]:
        records = [next(csv.reader([line.decode()])) for line in lines]
        position = records[0].index("202105")
        return [_csv_line(r[:position] + r[position + 1 :]) for r in records]

    error = _rejection(_broken(tmp_path, drop_may_2021))
    assert "column 6" in error.where and "'202106'" in error.where
    assert "consecutive" in error.rule and "202104" in error.rule and "202106" in error.rule


@pytest.mark.parametrize(
    ("case", "edit"),
    [
        ("one field short", lambda fields: fields[:-1]),
        ("one field too many", lambda fields: [*fields, "0"]),
    ],
)
def test_a_row_with_the_wrong_number_of_fields_is_rejected_naming_the_row(
    tmp_path: Path, case: str, edit: Callable[[list[str]], list[str]]
) -> None:
    fields = _line_fields(MPS_2019_24_MONTHS, 10)
    error = _rejection(_broken(tmp_path, _set_line(10, _csv_line(edit(fields)))))
    assert error.where == "row 10"
    assert "9" in error.rule and str(len(edit(fields))) in error.rule and "fields" in error.rule


@variants
def test_a_row_with_no_borough_is_rejected_naming_the_row_and_column(
    tmp_path: Path, variant: Variant
) -> None:
    header, _ = _records(variant.path)
    fields = _line_fields(variant, 12)
    fields[variant.borough_column] = ""
    error = _rejection(_broken(tmp_path, _set_line(12, _csv_line(fields)), variant))
    assert "row 12" in error.where and repr(header[variant.borough_column]) in error.where
    assert "empty" in error.rule


@pytest.mark.parametrize(
    "bad_count",
    ["-3", "3.5", "n/a", "", "1,200"],
    ids=["negative", "decimal", "text", "blank", "thousands separator"],
)
def test_a_count_that_is_not_a_whole_number_is_rejected_naming_the_cell(
    tmp_path: Path, bad_count: str
) -> None:
    fields = _line_fields(MPS_2019_24_MONTHS, 7)
    fields[-1] = bad_count  # the 202108 column
    error = _rejection(_broken(tmp_path, _set_line(7, _csv_line(fields))))
    assert error.where == "row 7, column '202108'"
    assert "counts must be whole numbers >= 0 of at most 18 digits" in error.rule
    assert repr(bad_count) in error.rule


def test_the_same_category_and_borough_twice_is_rejected_naming_both_rows(
    tmp_path: Path,
) -> None:
    def repeat_line_5(lines: list[bytes]) -> list[bytes]:
        fields = next(csv.reader([lines[4].decode()]))
        fields[3:] = ["1"] * (len(fields) - 3)  # different counts, same key
        return [*lines, _csv_line(fields)]

    last = len(_lines(MPS_2019_24_MONTHS.path)) + 1
    fields = _line_fields(MPS_2019_24_MONTHS, 5)
    error = _rejection(_broken(tmp_path, repeat_line_5))
    assert error.where == f"row {last}"
    assert "row 5" in error.rule and all(label in error.rule for label in fields[:3])


@pytest.mark.parametrize("content", [b"", BOM, b"\r\n"], ids=["no bytes", "only a BOM", "blank"])
def test_an_empty_file_is_rejected(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    error = _rejection(path)
    assert error.where == "file" and "the file is empty" in error.rule


def test_a_header_with_no_rows_is_rejected_at_row_2(tmp_path: Path) -> None:
    error = _rejection(_broken(tmp_path, lambda lines: lines[:1]))
    assert error.where == "row 2"
    assert "no data rows" in error.rule


def test_a_title_line_above_the_header_is_rejected_saying_the_header_is_on_row_2(
    tmp_path: Path,
) -> None:
    # What a hand-saved copy looks like when someone types a title into cell A1.
    title = b"MPS Borough Level Crime (most recent 24 months)"
    error = _rejection(_broken(tmp_path, lambda lines: [title, *lines]))
    assert error.where == "row 1"
    assert "the header is on row 2" in error.rule


def test_a_month_column_that_appears_twice_is_rejected_naming_both_columns(
    tmp_path: Path,
) -> None:
    def repeat_the_last_month(lines: list[bytes]) -> list[bytes]:
        records = [next(csv.reader([line.decode()])) for line in lines]
        return [_csv_line([*r, r[-1]]) for r in records]

    header, _ = _records(MPS_2019_24_MONTHS.path)
    last, repeated = len(header), len(header) + 1  # 1-based column numbers
    error = _rejection(_broken(tmp_path, repeat_the_last_month))
    assert error.where == f"header, column {repeated} ({header[-1]!r})"
    assert f"columns {last} and {repeated}" in error.rule
    assert header[-1] in error.rule and "twice" in error.rule


def test_a_file_that_is_not_utf8_is_rejected_naming_the_byte(tmp_path: Path) -> None:
    # A hand-edited copy saved as Windows-1252: line 9 (a Barnet row) gets an accented e.
    def latin1_on_line_9(lines: list[bytes]) -> list[bytes]:
        assert b",Barnet," in lines[8]
        lines[8] = lines[8].replace(b",Barnet,", b",B\xe9rnet,")
        return lines

    path = _broken(tmp_path, latin1_on_line_9)
    offset = path.read_bytes().index(b"\xe9")
    error = _rejection(path)
    assert error.where == f"byte {offset}"
    assert "UTF-8" in error.rule


def test_the_header_of_a_file_that_is_not_utf8_is_rejected_by_peek(tmp_path: Path) -> None:
    header = _lines(MPS_2019_24_MONTHS.path)[0].replace(b"MajorText", b"Maj\xf6rText")
    path = _broken(tmp_path, _set_line(1, header))
    with pytest.raises(ContractError) as caught:
        peek(path)
    assert caught.value.where == "byte 3" and "UTF-8" in caught.value.rule


# --- regressions -------------------------------------------------------------------------------


def test_the_byte_offset_of_a_non_utf8_byte_counts_the_byte_order_mark(tmp_path: Path) -> None:
    """Regression: utf-8-sig reports offsets after the BOM; the message once pointed 3 bytes
    early."""
    path = tmp_path / "bom_then_latin1.csv"
    path.write_bytes(BOM + MPS_2019_24_MONTHS.path.read_bytes().replace(b"Barnet", b"B\xe4rnet", 1))
    offset = path.read_bytes().index(b"\xe4")
    assert _rejection(path).where == f"byte {offset}"


def test_key_columns_padded_with_spaces_parse_as_detect_layout_accepts_them(
    tmp_path: Path,
) -> None:
    """Regression: `MajorText ,MinorText,LookUp_BoroughName,...` was accepted by the
    header-only release check, then the parser raised a bare ValueError ("'MajorText' is not
    in list") that the loader did not treat as a rejection.
    """
    header = _lines(MPS_2019_24_MONTHS.path)[0].replace(b"MajorText,", b"MajorText ,", 1)
    path = _broken(tmp_path, _set_line(1, header))
    assert peek(path).last_period == date(2021, 8, 1)
    parsed = parse(path)
    assert parsed.frame().equals(parse(MPS_2019_24_MONTHS.path).frame())


def test_a_file_with_bare_cr_line_endings_reads_as_with_crlf(tmp_path: Path) -> None:
    """Regression: Excel's "CSV (Macintosh)" ends lines with CR alone, and a bare csv.Error
    once escaped without the file's name. The contract now reads any line ending, so the rows
    (line numbers included) are those of the CRLF original.
    """
    path = tmp_path / "saved_on_a_mac.csv"
    path.write_bytes(MPS_2019_24_MONTHS.path.read_bytes().replace(b"\r\n", b"\r"))
    assert parse(path).frame().equals(parse(MPS_2019_24_MONTHS.path).frame())


def test_a_count_too_large_for_the_table_is_a_contract_error(tmp_path: Path) -> None:
    """Regression: a 20-digit count once passed the whole-number rule, then an OverflowError
    escaped without the file's name."""
    fields = _line_fields(MPS_2019_24_MONTHS, 7)
    fields[-1] = "99999999999999999999"
    error = _rejection(_broken(tmp_path, _set_line(7, _csv_line(fields))))
    assert error.where == "row 7, column '202108'"
    assert "at most 18 digits" in error.rule and "'99999999999999999999'" in error.rule


def test_the_largest_count_of_18_digits_is_accepted(tmp_path: Path) -> None:
    fields = _line_fields(MPS_2019_24_MONTHS, 7)
    fields[-1] = "9" * 18
    rows = parse(_broken(tmp_path, _set_line(7, _csv_line(fields)))).frame()
    cell = rows[(rows.source_row == 7) & (rows.month.dt.date == date(2021, 8, 1))]
    assert cell.offence_count.tolist() == [10**18 - 1]


def test_a_blank_line_between_rows_is_skipped_and_later_rows_keep_their_line_numbers(
    tmp_path: Path,
) -> None:
    lines = _lines(MPS_2019_24_MONTHS.path)
    path = _write_lines(tmp_path / MPS_2019_24_MONTHS.filename, [*lines[:5], b"", *lines[5:]])
    rows = parse(path).frame()
    _, body = _records(MPS_2019_24_MONTHS.path)
    # Data lines 2-5, the blank line 6, then the rest one line further down than before.
    assert sorted(set(rows.source_row)) == [*range(2, 6), *range(7, len(body) + 3)]
    seventh = next(csv.reader([lines[5].decode("utf-8")]))  # now on line 7
    on_line_7 = rows[rows.source_row == 7]
    assert set(on_line_7.minor_text) == {seventh[1]}
    assert set(on_line_7.borough_name) == {seventh[2]}
