"""The MPS borough-level recorded crime file: layouts, contract, and parsing to long rows.

The Met publishes one wide CSV per release: three key columns, then one column per month
(`YYYYMM`). Four real layouts exist (see `docs/source_contracts.md`); each is recognised by its
key columns. Labels are kept exactly as the file has them: mapping them to canonical
categories is data (the dbt seed `crime_category_map`), not code.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from orchestration.landing.contract import (
    ContractError,
    csv_header,
    csv_records,
    decode_text,
    read_bytes,
)
from orchestration.landing.source import Grain, ParsedFile, Release

MONTH_COLUMN = re.compile(r"^(\d{4})(0[1-9]|1[0-2])$")
# ASCII digits only, and at most 18 of them: a count must fit the warehouse's BIGINT.
WHOLE_NUMBER = re.compile(r"^[0-9]{1,18}$")
# How far down a title line may push the header before the file is simply not an MPS file.
_HEADER_SEARCH_LINES = 5


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


def _month(column: str) -> date | None:
    match = MONTH_COLUMN.match(column.strip())
    return date(int(match.group(1)), int(match.group(2)), 1) if match else None


def _layout_of(header: list[str]) -> Layout | None:
    keys = tuple(column.strip() for column in header[:3])
    return next((layout for layout in LAYOUTS if keys == layout.key_columns), None)


def detect_layout(path: Path, header: list[str], text: str | None = None) -> Layout:
    """Returns the layout whose key columns open the header, or says why none does."""
    layout = _layout_of(header)
    if layout:
        return layout
    keys = tuple(column.strip() for column in header[:3])
    if keys == WARD_LEVEL_HEADER:
        raise ContractError(
            path, "header", "this is a ward-level file; raw/met/recorded_crime/ takes borough level"
        )
    if text is not None:
        for line, candidate in enumerate(text.splitlines()[1:_HEADER_SEARCH_LINES], start=2):
            if _layout_of(candidate.split(",")):
                raise ContractError(
                    path,
                    "row 1",
                    f"the header is on row {line}: remove the title line(s) above it "
                    "(the first line must be the header)",
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
        if month in months:
            first = months.index(month) + 4
            raise ContractError(
                path,
                f"header, column {position} ({column!r})",
                f"month {month:%Y%m} appears twice (columns {first} and {position}); "
                "each month is one column",
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


def _release(months: tuple[date, ...], header: list[str]) -> Release:
    """A file's release is its last month column, published once that month has ended."""
    return Release(
        label=f"{months[-1]:%Y-%m}",
        first_period=months[0],
        last_period=months[-1],
        released_on=Grain.MONTH.next_period(months[-1]),
        last_period_where=f"header, column {len(header)} ({header[-1]!r})",
    )


class MpsRecordedCrimeParser:
    """Parses the MPS borough-level file in any of its published layouts."""

    def peek(self, path: Path) -> Release:
        """The release from the header line alone: cheap enough for a sensor on every tick."""
        try:
            with path.open("rb") as handle:
                first_line = handle.readline(1 << 20)
        except OSError as exc:
            raise ContractError(path, "file", f"cannot be read: {exc.strerror or exc}") from exc
        header = csv_header(path, decode_text(path, first_line))
        detect_layout(path, header)
        return _release(parse_months(path, header), header)

    def parse(self, path: Path) -> ParsedFile:
        """Parses one file, or raises ContractError at the first broken rule.

        Rules: a known layout; month columns `YYYYMM`, consecutive, none twice; every row as wide
        as the header; key fields present; counts whole numbers >= 0 that fit a BIGINT; no
        (major, minor, borough) twice; at least one data row.
        """
        data = read_bytes(path)
        text = decode_text(path, data)
        header = csv_header(path, text)
        layout = detect_layout(path, header, text)
        months = parse_months(path, header)
        key_names = (layout.major_column, layout.minor_column, layout.borough_column)
        key_positions = [header.index(name) for name in key_names]

        seen: dict[tuple[str, ...], int] = {}
        source_rows: list[int] = []
        keys: list[tuple[str, ...]] = []
        counts: list[list[int]] = []
        for line, record in csv_records(path, text, len(header)):
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
                        f"counts must be whole numbers >= 0 of at most 18 digits, found {raw!r}",
                    )
                values.append(int(value))
            source_rows.append(line)
            keys.append(key)
            counts.append(values)
        if not counts:
            raise ContractError(
                path, "row 2", "the file has a header but no data rows; a file holds at least one"
            )

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
        rows.insert(1, "source_layout", layout.name)
        rows = rows.sort_values(["source_row", "month"], kind="stable").reset_index(drop=True)
        return ParsedFile(
            path=path,
            sha256=hashlib.sha256(data).hexdigest(),
            release=_release(months, header),
            rows=rows,
            details={"layout": layout.name},
        )
