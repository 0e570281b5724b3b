"""The shared file contract (`orchestration.landing.contract`), unit by unit.

Every refusal is checked for the three things its message promises: the file's name, where in
the file (a row, a byte, or the file as a whole) and the rule. Inputs are built here from
plain bytes, the zipfile module and Python's codecs; expected offsets, row numbers and digests
are worked out from those bytes (bytes.index, hashlib), never from the module under test.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from orchestration.landing.contract import (
    ContractError,
    csv_header,
    csv_records,
    decode_text,
    not_text,
    read_bytes,
    scan_utf8,
    sha256_of,
)

BOM = b"\xef\xbb\xbf"
FILE = Path("landing") / "counts.csv"
GOOD = b"quarter,borough,count\r\n2021 Q1,Barnet,47\r\n2021 Q1,Brent,42\r\n"
HTML_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head>"
    b"<body><h1>The datastore is down for maintenance</h1></body></html>\n"
)


def _refusal(data: bytes, encodings: tuple[str, ...] = ("utf-8",)) -> ContractError:
    """decode_text's refusal of `data`, checked to name the file, the place and the rule."""
    with pytest.raises(ContractError) as caught:
        decode_text(FILE, data, encodings)
    error = caught.value
    assert str(error) == f"counts.csv: {error.where}: {error.rule}"
    assert Path(error.file).name == "counts.csv"
    return error


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("counts.csv", GOOD)
    return buffer.getvalue()


# --- ContractError -------------------------------------------------------------------------------


def test_a_contract_error_reads_file_name_then_where_then_rule() -> None:
    error = ContractError(Path("/srv/raw/met/recorded_crime/x.csv"), "row 7", "must not be empty")
    assert str(error) == "x.csv: row 7: must not be empty"
    assert (error.file, error.where, error.rule) == (
        "/srv/raw/met/recorded_crime/x.csv",
        "row 7",
        "must not be empty",
    )
    assert isinstance(error, ValueError)


# --- not_text and decode_text: what the bytes are ------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", b" \t\r\n \r\n", BOM, BOM + b"\r\n"],
    ids=["no bytes", "whitespace only", "only a BOM", "a BOM and a blank line"],
)
def test_an_empty_or_blank_file_is_refused_as_empty(data: bytes) -> None:
    assert "empty" in (not_text(data) or "")
    error = _refusal(data)
    assert error.where == "file"
    assert "the file is empty" in error.rule


def test_a_zip_archive_is_refused_as_a_zip_not_decoded() -> None:
    data = _zip_bytes()
    assert data[:4] == b"PK\x03\x04"  # a real archive, as an .xlsx also is
    error = _refusal(data)
    assert error.where == "file"
    assert "zip archive" in error.rule


def test_a_pdf_is_refused_as_a_pdf() -> None:
    data = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
    error = _refusal(data)
    assert error.where == "file"
    assert "PDF" in error.rule


@pytest.mark.parametrize("prefix", [b"", BOM, b"\r\n  "], ids=["bare", "after a BOM", "indented"])
def test_an_html_error_page_is_refused_showing_how_the_page_starts(prefix: bytes) -> None:
    error = _refusal(prefix + HTML_ERROR_PAGE)
    assert error.where == "file"
    assert "HTML" in error.rule
    assert "<!DOCTYPE html><html><head><title>503" in error.rule


def test_a_file_with_nul_bytes_is_refused_as_binary() -> None:
    data = GOOD[:40] + b"\x00" * 64 + GOOD[104:]
    error = _refusal(data)
    assert error.where == "byte 40"
    assert "NUL" in error.rule and "binary" in error.rule


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"], ids=["little endian", "big endian"])
def test_utf16_text_with_a_bom_is_refused_when_the_contract_is_utf8(codec: str) -> None:
    data = GOOD.decode().encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    error = _refusal(data)
    assert error.where == "file"
    assert "UTF-16" in error.rule and "utf-8" in error.rule


def test_utf16_text_with_a_bom_is_decoded_when_the_contract_accepts_utf16() -> None:
    data = GOOD.decode().encode("utf-16")
    assert data[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert decode_text(FILE, data, ("utf-16",)) == GOOD.decode()
    assert decode_text(FILE, data, ("utf-8", "utf-16")) == GOOD.decode()


def test_a_file_without_a_utf16_bom_is_refused_when_only_utf16_is_accepted() -> None:
    """The docstring: utf-16 is recognised by its BOM "and otherwise refused with a sentence
    saying what the file is"; a plain UTF-8 file must get a ContractError, not a crash."""
    error = _refusal(GOOD, ("utf-16",))
    assert error.rule


def test_latin1_text_is_refused_naming_the_offset_of_the_first_byte_that_is_not_utf8() -> None:
    data = "quarter,borough,count\r\n2021 Q1,Brént,42\r\n".encode("latin-1")
    offset = data.index(b"\xe9")
    error = _refusal(data)
    assert error.where == f"byte {offset}"
    assert "UTF-8" in error.rule and "0xe9" in error.rule


def test_the_byte_offset_of_a_non_utf8_byte_counts_a_utf8_bom() -> None:
    data = BOM + "quarter,borough,count\r\n2021 Q1,Brént,42\r\n".encode("latin-1")
    offset = data.index(b"\xe9")
    assert _refusal(data).where == f"byte {offset}"


def test_a_utf8_bom_is_accepted_and_left_out_of_the_text() -> None:
    assert decode_text(FILE, BOM + GOOD) == GOOD.decode()
    assert decode_text(FILE, GOOD) == GOOD.decode()


def test_utf8_text_with_non_ascii_labels_is_accepted() -> None:
    data = "quarter,borough,count\r\n2021 Q1,Brént,42\r\n".encode()
    assert "Brént" in decode_text(FILE, data)


def test_a_text_file_is_not_flagged_by_not_text() -> None:
    assert not_text(GOOD) is None
    assert not_text(BOM + GOOD) is None


# --- csv_header and csv_records ------------------------------------------------------------------


def test_the_header_is_the_first_line_with_its_fields_stripped() -> None:
    assert csv_header(FILE, "quarter , borough,count\r\n2021 Q1,Barnet,1\r\n") == [
        "quarter",
        "borough",
        "count",
    ]


def test_a_blank_first_line_is_refused_at_row_1() -> None:
    with pytest.raises(ContractError) as caught:
        csv_header(FILE, "\r\nquarter,borough,count\r\n")
    assert caught.value.where == "row 1"
    assert "blank" in caught.value.rule


def test_records_come_with_their_line_numbers_and_blank_lines_are_skipped() -> None:
    text = "quarter,borough,count\r\n2021 Q1,Barnet,47\r\n\r\n2021 Q1,Brent,42\r\n"
    assert list(csv_records(FILE, text, 3)) == [
        (2, ["2021 Q1", "Barnet", "47"]),
        (4, ["2021 Q1", "Brent", "42"]),
    ]


def test_bare_cr_line_endings_read_like_crlf() -> None:
    crlf = GOOD.decode()
    assert list(csv_records(FILE, crlf.replace("\r\n", "\r"), 3)) == list(
        csv_records(FILE, crlf, 3)
    )


@pytest.mark.parametrize(
    ("line", "found"),
    [("2021 Q1,Brent", 2), ("2021 Q1,Brent,42,7", 4)],
    ids=["short", "long"],
)
def test_a_row_of_the_wrong_width_is_refused_naming_its_line(line: str, found: int) -> None:
    text = f"quarter,borough,count\r\n2021 Q1,Barnet,47\r\n{line}\r\n2021 Q1,Harrow,27\r\n"
    with pytest.raises(ContractError) as caught:
        list(csv_records(FILE, text, 3))
    error = caught.value
    assert error.where == "row 3"
    assert "expected 3 fields" in error.rule and f"found {found}" in error.rule
    assert str(error).startswith("counts.csv: row 3: ")


def test_a_row_cut_inside_a_quoted_field_is_refused_naming_its_line() -> None:
    # A download cut off half-way through a quoted label: the row ends early.
    text = 'major,minor,count\r\nBurglary,Residential,4\r\nMisc,"Making, Suppl'
    with pytest.raises(ContractError) as caught:
        list(csv_records(FILE, text, 3))
    assert caught.value.where == "row 3"
    assert "ends inside a quoted field" in caught.value.rule and "cut short" in caught.value.rule


def test_a_quote_left_open_at_the_end_of_the_file_is_refused() -> None:
    """A cut inside a quoted last field leaves a row of the right width whose last value is
    the cut-off fragment (and the line ending): an unclosed quote at the end of the data is
    not CSV (RFC 4180), and the row must be refused, not read as '12'."""
    text = 'major,minor,count\r\nBurglary,Residential,4\r\nRobbery,Personal,"12'
    with pytest.raises(ContractError) as caught:
        list(csv_records(FILE, text, 3))
    assert caught.value.where == "row 3"


# --- read_bytes and sha256_of --------------------------------------------------------------------


def test_sha256_of_is_hashlib_sha256_of_the_bytes_also_past_one_chunk(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    data = GOOD * 60_000  # about 2.4 MB: more than one 1 MiB chunk
    path.write_bytes(data)
    assert sha256_of(path) == hashlib.sha256(data).hexdigest()
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert sha256_of(empty) == hashlib.sha256(b"").hexdigest()


def test_read_bytes_returns_the_bytes_or_refuses_a_file_it_cannot_read(tmp_path: Path) -> None:
    path = tmp_path / "counts.csv"
    path.write_bytes(BOM + GOOD)
    assert read_bytes(path) == BOM + GOOD
    with pytest.raises(ContractError) as caught:
        read_bytes(tmp_path / "gone.csv")
    assert caught.value.where == "file"
    assert "cannot be read" in caught.value.rule
    assert str(caught.value).startswith("gone.csv: file: ")


_MIB = 1 << 20
_ROW = b"2021 Q1,Barnet,47\r\n"
_LONG = b"quarter,borough,count\r\n" + _ROW * (_MIB // len(_ROW) + 10)  # past one chunk


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b" \r\n\t",
        b"PK\x03\x04" + _LONG,
        HTML_ERROR_PAGE,
        "quarter,count\r\n".encode("utf-16"),
        _LONG + b"2021 Q2,Barnet,\x00\r\n",  # a NUL byte in the second chunk
        _LONG[:100] + b"\xe9" + _LONG[100:] + b"\x00",  # a NUL byte beats a bad byte before it
        _LONG + "2021 Q2,Bromley,caf\u00e9\r\n".encode("latin-1"),  # Latin-1 past one chunk
        BOM + _LONG + b"\xff",
        _LONG[: _MIB - 1] + "\u00e9".encode() + _LONG[_MIB - 1 :] + b"\xe2\x82",  # cut at the end
    ],
    ids=["empty", "blank", "zip", "html", "utf-16", "nul", "nul-first", "latin-1", "bom", "cut"],
)
def test_scan_utf8_refuses_what_decode_text_refuses_naming_the_same_byte(
    tmp_path: Path, data: bytes
) -> None:
    path = tmp_path / FILE.name
    path.write_bytes(data)
    expected = _refusal(data)
    with pytest.raises(ContractError) as caught:
        scan_utf8(path)
    assert (caught.value.where, caught.value.rule) == (expected.where, expected.rule)


def test_scan_utf8_hashes_the_file_and_keeps_its_first_lines(tmp_path: Path) -> None:
    # A character split by the first chunk's end, and a blank line split by it too.
    data = BOM + _LONG[: _MIB - 4] + "\u00e9".encode() + b"\r\n" + b"\r\n" + _LONG[_MIB:]
    path = tmp_path / FILE.name
    path.write_bytes(data)
    scan = scan_utf8(path)
    assert scan.sha256 == hashlib.sha256(data).hexdigest()
    text = data.decode("utf-8-sig")
    assert text.startswith(scan.head)
    assert scan.head.startswith("quarter,borough,count\r\n2021 Q1,Barnet,47\r\n")
    assert scan.head.endswith("\n")
    assert "\r\n\r\n" in text and scan.has_blank_lines
    path.write_bytes(_LONG)
    assert not scan_utf8(path).has_blank_lines
