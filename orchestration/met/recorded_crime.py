"""The MPS borough-level recorded crime file: layouts, contract, and parsing to long rows.

The Met publishes one wide CSV per release: three key columns, then one column per month
(`YYYYMM`). Four real layouts exist (see `docs/source_contracts.md`); each is recognised by its
key columns. Labels are kept exactly as the file has them: mapping them to canonical
categories is data (the dbt seed `crime_category_map`), not code.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

MONTH_COLUMN = re.compile(r"^(\d{4})(0[1-9]|1[0-2])$")
# ASCII digits only, and at most 18 of them: a count must fit the warehouse's BIGINT.
WHOLE_NUMBER = re.compile(r"^[0-9]{1,18}$")
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Layout:
    """One published layout of the file, told apart by its key columns."""

    name: str
    key_columns: tuple[str, str, str]
    major_column: str
    minor_column: str
    borough_column: str
    description: str


LAYOUTS: tuple[Layout, ...] = (
    Layout(
        name="mps_2019",
        key_columns=("MajorText", "MinorText", "LookUp_BoroughName"),
        major_column="MajorText",
        minor_column="MinorText",
        borough_column="LookUp_BoroughName",
        description="2019-2023 releases (24-month and Historical files)",
    ),
    Layout(
        name="mps_connect_2024",
        key_columns=("MajorText", "MinorText", "BoroughName"),
        major_column="MajorText",
        minor_column="MinorText",
        borough_column="BoroughName",
        description="2024 re-extractions: upper-case labels, an 'Unknown' borough",
    ),
    Layout(
        name="mps_historic_pre2019",
        key_columns=("Borough", "Major Category", "Minor Category"),
        major_column="Major Category",
        minor_column="Minor Category",
        borough_column="Borough",
        description="pre-2019 'Historic' file: old Home Office categories",
    ),
)

WARD_LEVEL_HEADER = ("MajorText", "MinorText", "WardName")


class ContractError(ValueError):
    """A source file breaks its contract. The message names the file, where, and the rule."""

    def __init__(self, file: Path | str, where: str, rule: str) -> None:
        self.file = str(file)
        self.where = where
        self.rule = rule
        super().__init__(f"{Path(self.file).name}: {where}: {rule}")


@dataclass(frozen=True)
class ParsedFile:
    """A file that met the contract, as long rows ready to load.

    Attributes:
        rows: one row per (source row, month): `source_row` (the line in the file),
            `major_text`, `minor_text`, `borough_name`, `month` (first day), `offence_count`.
    """

    path: Path
    sha256: str
    layout: Layout
    months: tuple[date, ...]
    rows: pd.DataFrame = field(repr=False)

    @property
    def release_month(self) -> date:
        """A file's release is its last month column."""
        return self.months[-1]

    @property
    def source_row_count(self) -> int:
        return int(self.rows["source_row"].nunique()) if len(self.rows) else 0


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _month(column: str) -> date | None:
    match = MONTH_COLUMN.match(column.strip())
    return date(int(match.group(1)), int(match.group(2)), 1) if match else None


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # utf-8-sig counts offsets after the byte order mark; the file's offset includes it.
        offset = exc.start + (len(BOM) if data.startswith(BOM) else 0)
        raise ContractError(
            path, f"byte {offset}", "the file must be UTF-8 text (a CSV export)"
        ) from exc


def _reader(text: str) -> Iterator[list[str]]:
    """A csv reader over text with any line ending (Excel for Mac still writes bare CR)."""
    return csv.reader(io.StringIO(text, newline=None))


def detect_layout(path: Path, header: list[str]) -> Layout:
    """Returns the layout whose key columns open the header, or says why none does."""
    keys = tuple(column.strip() for column in header[:3])
    for layout in LAYOUTS:
        if keys == layout.key_columns:
            return layout
    if keys == WARD_LEVEL_HEADER:
        raise ContractError(
            path, "header", "this is a ward-level file; raw/met/recorded_crime/ takes borough level"
        )
    known = "; ".join(",".join(layout.key_columns) for layout in LAYOUTS)
    raise ContractError(
        path,
        "header, columns 1-3",
        f"expected the key columns of a known layout ({known}), found {','.join(keys)}",
    )


def parse_months(path: Path, header: list[str]) -> tuple[date, ...]:
    """Checks that every column after the keys is a month and that they run without gaps."""
    months: list[date] = []
    for position, column in enumerate(header[3:], start=4):
        month = _month(column)
        if month is None:
            raise ContractError(
                path, f"header, column {position} ({column!r})", "expected a month as YYYYMM"
            )
        if months and month != _next_month(months[-1]):
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


def read_header(path: Path) -> list[str]:
    """Reads only the header line: cheap enough for a sensor to call on every tick."""
    with path.open("rb") as handle:
        first_line = handle.readline(1 << 20)
    text = _decode(path, first_line)
    try:
        return [column.strip() for column in next(_reader(text), [])]
    except csv.Error as exc:
        raise ContractError(path, "row 1", f"not readable as CSV: {exc}") from exc


def release_month_of(path: Path) -> date:
    """The release of a file is its last month column; the header alone says it."""
    header = read_header(path)
    detect_layout(path, header)
    return parse_months(path, header)[-1]


def _records(path: Path, text: str, width: int) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=None))
    next(reader)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ContractError(
                path, f"row {reader.line_num}", f"not readable as CSV: {exc}"
            ) from exc
        if not record or all(not value.strip() for value in record):
            continue
        if len(record) != width:
            raise ContractError(
                path,
                f"row {reader.line_num}",
                f"expected {width} fields like the header, found {len(record)}",
            )
        yield reader.line_num, record


def parse_mps_file(path: Path) -> ParsedFile:
    """Parses one MPS borough-level file, or raises ContractError at the first broken rule.

    Rules: a known layout; month columns `YYYYMM`, consecutive; every row as wide as the header;
    key fields present; counts whole numbers >= 0; no (major, minor, borough) twice.
    """
    data = path.read_bytes()
    text = _decode(path, data)
    try:
        header = [column.strip() for column in next(_reader(text), [])]
    except csv.Error as exc:
        raise ContractError(path, "row 1", f"not readable as CSV: {exc}") from exc
    if not any(header):
        raise ContractError(path, "row 1", "the file is empty; expected a header")
    layout = detect_layout(path, header)
    months = parse_months(path, header)
    key_names = (layout.major_column, layout.minor_column, layout.borough_column)
    key_positions = [header.index(name) for name in key_names]

    seen: dict[tuple[str, str, str], int] = {}
    source_rows: list[int] = []
    keys: list[tuple[str, str, str]] = []
    counts: list[list[int]] = []
    for line, record in _records(path, text, len(header)):
        key = tuple(record[i].strip() for i in key_positions)
        for name, value in zip(key_names, key, strict=True):
            if not value:
                raise ContractError(path, f"row {line}, column {name!r}", "must not be empty")
        if key in seen:
            raise ContractError(
                path,
                f"row {line}",
                f"({', '.join(key)}) already appears on row {seen[key]}; "
                "a category and borough appear once per file",
            )
        seen[key] = line
        values: list[int] = []
        for column, raw in zip(header[3:], record[3:], strict=True):
            value = raw.strip()
            if not WHOLE_NUMBER.match(value):
                raise ContractError(
                    path,
                    f"row {line}, column {column!r}",
                    f"counts must be whole numbers >= 0, found {raw!r}",
                )
            values.append(int(value))
        source_rows.append(line)
        keys.append(key)
        counts.append(values)
    if not counts:
        raise ContractError(path, "row 2", "the file has a header but no data rows")

    wide = pd.DataFrame(counts, columns=list(months), dtype="int64")
    wide.insert(0, "source_row", source_rows)
    wide.insert(1, "major_text", [k[0] for k in keys])
    wide.insert(2, "minor_text", [k[1] for k in keys])
    wide.insert(3, "borough_name", [k[2] for k in keys])
    rows = wide.melt(
        id_vars=["source_row", "major_text", "minor_text", "borough_name"],
        var_name="month",
        value_name="offence_count",
    )
    rows["month"] = pd.to_datetime(rows["month"])
    rows = rows.sort_values(["source_row", "month"], kind="stable").reset_index(drop=True)
    return ParsedFile(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        layout=layout,
        months=months,
        rows=rows,
    )
