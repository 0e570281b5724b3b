"""What every source file must be before a parser reads it, and how a broken rule is reported.

A `ContractError` names the file, where in it (a row, a column, a byte) and the rule, so the
person who has to fix the file never needs a terminal or the code to find the fault.
"""

from __future__ import annotations

import _csv
import codecs
import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

BOM_UTF8 = b"\xef\xbb\xbf"
BOMS_UTF16 = (b"\xff\xfe", b"\xfe\xff")
_CHUNK = 1 << 20
_PREVIEW = 60


class ContractError(ValueError):
    """A source file breaks its contract. The message names the file, where, and the rule."""

    def __init__(self, file: Path | str, where: str, rule: str) -> None:
        self.file = str(file)
        self.where = where
        self.rule = rule
        super().__init__(f"{Path(self.file).name}: {where}: {rule}")


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes: how every landed file is identified."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or a ContractError saying why they cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ContractError(path, "file", f"cannot be read: {exc.strerror or exc}") from exc


def _preview(data: bytes) -> str:
    text = data[:_PREVIEW].decode("utf-8", errors="replace").replace("\r", " ").replace("\n", " ")
    return text + ("..." if len(data) > _PREVIEW else "")


def not_text(data: bytes) -> str | None:
    """Why `data` is not a text export (empty, a zip, a PDF, an HTML page, binary), or None."""
    blank = b"\r\n\t " + BOM_UTF8
    # Only a file whose start is blank can be blank throughout: no copy of a large file.
    if not data[:_CHUNK].strip(blank) and not data.strip(blank):
        return "the file is empty; expected a header and data rows"
    if data.startswith(b"PK\x03\x04"):
        return "the file is a zip archive (an Excel workbook or a .zip), not CSV text"
    if data.startswith(b"%PDF"):
        return "the file is a PDF, not CSV text"
    head = data[:512].lstrip(BOM_UTF8 + b" \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml")):
        return (
            "the file is an HTML or XML page, not CSV (a web error page saved in place of the "
            f"file?); it starts {_preview(data)!r}"
        )
    return None


def decode_text(path: Path, data: bytes, encodings: Iterable[str] = ("utf-8",)) -> str:
    """Decodes a text export in one of the encodings the source's contract accepts.

    `utf-8` accepts a byte order mark; `utf-16` is recognised by its byte order mark and
    otherwise refused with a sentence saying what the file is, as are empty files, zips, PDFs,
    HTML pages and binary data.
    """
    accepted = tuple(encodings)
    problem = not_text(data)
    if problem:
        raise ContractError(path, "file", problem)
    if data.startswith(BOMS_UTF16):
        if "utf-16" in accepted:
            return _decode_utf16(path, data)
        raise ContractError(
            path,
            "file",
            f"the file is UTF-16 text; the contract is {' or '.join(accepted)} "
            "(in Excel: Save As 'CSV UTF-8')",
        )
    if b"\x00" in data:
        offset = data.index(b"\x00")
        raise ContractError(
            path, f"byte {offset}", "the file holds binary data (a NUL byte), not CSV text"
        )
    errors: list[tuple[str, UnicodeDecodeError]] = []
    for encoding in accepted:
        if encoding == "utf-16":
            continue
        try:
            return data.decode("utf-8-sig" if encoding == "utf-8" else encoding)
        except UnicodeDecodeError as exc:
            errors.append((encoding, exc))
    if not errors:
        raise ContractError(
            path, "file", "the file is not UTF-16 text: it has no UTF-16 byte order mark"
        )
    encoding, first = errors[0]
    # utf-8-sig counts offsets after the byte order mark; the file's offset includes it.
    offset = first.start + (len(BOM_UTF8) if data.startswith(BOM_UTF8) else 0)
    raise ContractError(
        path,
        f"byte {offset}",
        f"the file must be {encoding.upper()} text, found byte 0x{data[offset]:02x} "
        "(a Latin-1 or Windows-1252 export? In Excel: Save As 'CSV UTF-8')",
    )


# How much of a file's start `scan_utf8` keeps as text: its header and the lines below it.
_HEAD_BYTES = 1 << 16
_BLANK_LINE = (b"\n\n", b"\r\r", b"\n\r\n")


@dataclass(frozen=True)
class TextScan:
    """What one pass over a UTF-8 file found (`scan_utf8`).

    Attributes:
        sha256: the SHA-256 of its bytes.
        head: its first lines as text, byte order mark removed (at least 64 KiB of the file,
            ending on a whole line, or all of it).
        has_blank_lines: whether a line of it is empty (two line ends in a row).
    """

    sha256: str
    head: str
    has_blank_lines: bool


def scan_utf8(path: Path) -> TextScan:
    """`decode_text(path, read_bytes(path))`'s rules for a UTF-8 contract, in one pass over the
    file a chunk at a time, so a file of any size is checked without holding it in memory.

    The same refusals, naming the same byte: empty, a zip, a PDF, an HTML page, UTF-16, a NUL
    byte, and the first byte that is not UTF-8.
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    blank = b"\r\n\t " + BOM_UTF8
    first = b""
    head: list[str] = []
    head_size = offset = 0
    nul = bad = None
    bad_byte = 0
    pending = b""  # the bytes the decoder holds back (a character cut by the chunk's end)
    tail = b""  # the last two bytes of the previous chunk, for a blank line across chunks
    has_text = has_blank = False
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                if not first:
                    first = chunk
                digest.update(chunk)
                has_text = has_text or bool(chunk.strip(blank))
                joined = tail + chunk
                has_blank = has_blank or any(mark in joined for mark in _BLANK_LINE)
                tail = joined[-2:]
                if nul is None and b"\x00" in chunk:
                    nul = offset + chunk.index(b"\x00")
                if bad is None:
                    try:
                        text = decoder.decode(chunk)
                    except UnicodeDecodeError as exc:
                        data = pending + chunk
                        bad = offset - len(pending) + exc.start
                        bad_byte = data[exc.start]
                    else:
                        pending = decoder.getstate()[0]
                        if head_size < _HEAD_BYTES:
                            head.append(text)
                            head_size += len(chunk)
                offset += len(chunk)
            if bad is None:
                try:
                    decoder.decode(b"", final=True)
                except UnicodeDecodeError as exc:
                    bad = offset - len(pending) + exc.start
                    bad_byte = pending[exc.start]
    except OSError as exc:
        raise ContractError(path, "file", f"cannot be read: {exc.strerror or exc}") from exc
    if not has_text:
        raise ContractError(path, "file", "the file is empty; expected a header and data rows")
    # The start decides what else the file is (its first chunk is longer than the checks read).
    problem = not_text(first) if first.strip(blank) else None
    if problem:
        raise ContractError(path, "file", problem)
    if first.startswith(BOMS_UTF16):
        raise ContractError(
            path,
            "file",
            "the file is UTF-16 text; the contract is utf-8 (in Excel: Save As 'CSV UTF-8')",
        )
    if nul is not None:
        raise ContractError(
            path, f"byte {nul}", "the file holds binary data (a NUL byte), not CSV text"
        )
    if bad is not None:
        raise ContractError(
            path,
            f"byte {bad}",
            f"the file must be UTF-8 text, found byte 0x{bad_byte:02x} "
            "(a Latin-1 or Windows-1252 export? In Excel: Save As 'CSV UTF-8')",
        )
    text = "".join(head)
    if head_size < offset:
        text = text[: max(text.rfind("\n"), text.rfind("\r")) + 1]
    return TextScan(digest.hexdigest(), text.removeprefix("\ufeff"), has_blank)


def _decode_utf16(path: Path, data: bytes) -> str:
    """UTF-16 text with its byte order mark; a NUL character or a cut-off file is refused."""
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError as exc:
        offset = exc.start  # counted from the file's first byte, the byte order mark's
        reason = (
            "the file ends half-way through a UTF-16 character: it was cut short "
            "(a truncated download?)"
            if exc.reason == "truncated data"
            else f"not valid UTF-16 text ({exc.reason})"
        )
        raise ContractError(path, f"byte {offset}", reason) from exc
    if "\x00" in text:
        # Characters before the NUL are two bytes each here (a NUL in a surrogate pair's
        # text would have failed to decode).
        before = text[: text.index("\x00")]
        offset = 2 + len(before.encode("utf-16-le"))
        raise ContractError(
            path, f"byte {offset}", "the file holds binary data (a NUL byte), not CSV text"
        )
    return text


def sniff_delimiter(text: str, candidates: str = ",\t") -> str:
    """The delimiter of a text export: whichever candidate the first line holds most of.

    Exports from the same publisher differ (MOPAC's borough files come tab-separated from one
    tool and comma-separated from another), so a contract may accept either.
    """
    first = text.split("\n", 1)[0]
    return max(
        candidates, key=lambda candidate: (first.count(candidate), -candidates.index(candidate))
    )


# ASCII digits only, and at most 18 of them: a count must fit the warehouse's BIGINT.
_WHOLE_NUMBER = re.compile(r"^[0-9]{1,18}$")
# A percentage as exports write it: 61, 61%, 61.5 or 61.5 %.
_PERCENT = re.compile(r"^([0-9]{1,3}(?:\.[0-9]+)?)\s*%?$")


def whole_number(
    path: Path, where: str, value: str, *, optional: bool = False, what: str = "counts"
) -> int | None:
    """A count (or a rank, `what`): a whole number >= 0 that fits a BIGINT; empty is None when
    `optional`."""
    text = value.strip()
    if not text and optional:
        return None
    if not _WHOLE_NUMBER.match(text):
        raise ContractError(
            path,
            where,
            f"{what} must be whole numbers >= 0 of at most 18 digits, found {value!r}"
            + ("" if not optional else " (leave the cell empty when there is no figure)"),
        )
    return int(text)


def percentage(path: Path, where: str, value: str) -> float:
    """A percentage from 0 to 100, as `61`, `61%` or `61.5%`."""
    match = _PERCENT.match(value.strip())
    number = float(match.group(1)) if match else None
    if number is None or number > 100:
        raise ContractError(
            path,
            where,
            f"percentages must be numbers from 0 to 100 (a '%' sign is allowed), found {value!r}",
        )
    return number


# A percentage's scale: "points" (0 to 100: 61 for 61%) or "fraction" (0 to 1: 0.61).
POINTS, FRACTION = "points", "fraction"


def percentage_scale_finding(
    values: Iterable[tuple[str, float]], scale: str = POINTS
) -> tuple[str, float, int, int] | None:
    """Percentages on the other scale than the declared one: (the first place, its value, how
    many are off, how many non-zero there are), or None.

    On the points scale (0 to 100) a figure of at most 1 is a fraction typed for a percentage
    (0.67 for 67%) when most of the non-zero percentages are at most 1: all of them, or all but
    one among many. On the fraction scale (0 to 1), any figure above 1 is a percentage typed
    for a fraction.
    """
    given = [(where, value) for where, value in values if value > 0]
    off = (
        [(where, value) for where, value in given if value > 1]
        if scale == FRACTION
        else [(where, value) for where, value in given if value <= 1]
    )
    if not off or (scale == POINTS and len(off) * 2 <= len(given)):
        return None
    return off[0][0], off[0][1], len(off), len(given)


def percentage_scale_refusal(
    path: Path, values: Iterable[tuple[str, float]], scale: str = POINTS
) -> ContractError | None:
    """A file whose percentages are on the other scale than its declared one, refused naming
    the first such place, never guessed: a file's percentages are all on one scale."""
    found = percentage_scale_finding(values, scale)
    if found is None:
        return None
    where, value, off, given = found
    share = "all" if off == given else f"{off}"
    if scale == FRACTION:
        return ContractError(
            path,
            where,
            f"{value:g} is above 1, but this file's percentages are fractions from 0 to 1 "
            f"(0.61 for 61%); {share} of its {given} non-zero percentages are above 1 "
            "(rule: one percentage scale per file)",
        )
    return ContractError(
        path,
        where,
        f"{value:g} is a fraction where a percentage from 0 to 100 belongs ({share} of the "
        f"file's {given} non-zero percentages are at most 1): write 67 (or 67%) for 67%, "
        "not 0.67 (rule: one percentage scale per file, 0 to 100)",
    )


def csv_reader(text: str, delimiter: str = ",") -> _csv._reader:
    """A strict csv reader over text with any line ending (Excel for Mac still writes bare CR):
    a quote left open (a file cut inside a quoted field) is an error, not a value."""
    return csv.reader(io.StringIO(text, newline=None), delimiter=delimiter, strict=True)


# Delimiters a spreadsheet may save a "CSV" with, and their names in a message.
DELIMITER_NAMES = {",": "commas", "\t": "tabs", ";": "semicolons", "|": "vertical bars"}


def delimiter_refusal(path: Path, first_line: str, accepted: str = ",") -> ContractError | None:
    """A file separated by another character than the contract's (Excel in a locale whose list
    separator is ';' saves "CSV" with semicolons), or None. Read from the first line alone: a
    header has several fields, so it holds the separator several times."""
    if any(candidate in first_line for candidate in accepted):
        return None
    found = [d for d in DELIMITER_NAMES if d not in accepted and first_line.count(d) >= 1]
    if not found:
        return None
    wanted = " or ".join(DELIMITER_NAMES[d] for d in accepted)
    return ContractError(
        path,
        "row 1",
        f"the fields are separated by {DELIMITER_NAMES[found[0]]}; the contract is {wanted}: "
        "in Excel, Save As 'CSV UTF-8 (Comma delimited)' (a computer whose list separator is "
        "';' saves semicolons), or export the file again",
    )


def csv_header(
    path: Path, text: str, delimiter: str = ",", accepted: str | None = None
) -> list[str]:
    """The first line, fields stripped; an unreadable or blank first line, or one separated
    by another character than `accepted` (default: `delimiter`), is a ContractError."""
    refusal = delimiter_refusal(path, text.split("\n", 1)[0], accepted or delimiter)
    if refusal:
        raise refusal
    try:
        header = [field.strip() for field in next(csv_reader(text, delimiter), [])]
    except csv.Error as exc:
        raise ContractError(path, "row 1", f"not readable as CSV: {exc}") from exc
    if not any(header):
        raise ContractError(path, "row 1", "the first line is blank; expected the header")
    return header


def csv_records(
    path: Path, text: str, width: int, delimiter: str = ","
) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of every data row after the header; blank lines are skipped.

    Every row must be as wide as the header: a row cut short (a truncated download) or with a
    stray comma is refused naming its line.
    """
    reader = csv_reader(text, delimiter)
    next(reader, None)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = (
                "the file ends inside a quoted field: it was cut short (a truncated download?)"
                if "unexpected end of data" in str(exc)
                else f"not readable as CSV: {exc}"
            )
            raise ContractError(path, f"row {reader.line_num}", reason) from exc
        if not record or all(not value.strip() for value in record):
            continue
        if len(record) != width:
            raise ContractError(
                path,
                f"row {reader.line_num}",
                f"expected {width} fields like the header, found {len(record)}",
            )
        yield reader.line_num, record
