"""The local monthly feeds' layout: `month,borough,<count>...`, one row per borough and month.

The partnership receives the Met's ASB calls and domestic abuse incidents as monthly extracts
(no open MPS file has them). Both share this long layout, so one parser reads both, told only
their count columns. A file's release is its last month; it counts as released the day after
that month ends.
"""

from __future__ import annotations

import hashlib
import re
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

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# ASCII digits only, and at most 18 of them: a count must fit the warehouse's BIGINT.
WHOLE_NUMBER = re.compile(r"^[0-9]{1,18}$")


def _release(months: list[date]) -> Release:
    last = max(months)
    return Release(
        label=f"{last:%Y-%m}",
        first_period=min(months),
        last_period=last,
        released_on=Grain.MONTH.next_period(last),
        last_period_where="column 'month'",
    )


class MonthlyBoroughCountsParser:
    """`month,borough,<counts>`: months `YYYY-MM`, boroughs by name, counts whole and >= 0."""

    def __init__(self, count_columns: tuple[str, ...]) -> None:
        self.count_columns = count_columns
        self.header = ["month", "borough", *count_columns]

    def _rows(self, path: Path) -> tuple[bytes, list[tuple[int, date, str, list[int]]]]:
        data = read_bytes(path)
        text = decode_text(path, data)
        header = csv_header(path, text)
        if header != self.header:
            raise ContractError(
                path, "header", f"expected {','.join(self.header)}, found {','.join(header)}"
            )
        rows: list[tuple[int, date, str, list[int]]] = []
        seen: dict[tuple[date, str], int] = {}
        for line, record in csv_records(path, text, len(self.header)):
            month_text, borough = record[0].strip(), record[1].strip()
            match = MONTH.match(month_text)
            if not match:
                raise ContractError(
                    path, f"row {line}, column 'month'", f"expected YYYY-MM, found {record[0]!r}"
                )
            month = date(int(match.group(1)), int(match.group(2)), 1)
            if not borough:
                raise ContractError(path, f"row {line}, column 'borough'", "must not be empty")
            counts = []
            for column, raw in zip(self.count_columns, record[2:], strict=True):
                if not WHOLE_NUMBER.match(raw.strip()):
                    raise ContractError(
                        path,
                        f"row {line}, column {column!r}",
                        f"counts must be whole numbers >= 0 of at most 18 digits, found {raw!r}",
                    )
                counts.append(int(raw.strip()))
            key = (month, borough.lower())
            if key in seen:
                raise ContractError(
                    path,
                    f"row {line}",
                    f"{month_text} {borough} already appears on row {seen[key]}; a borough and "
                    "month appear once per file",
                )
            seen[key] = line
            rows.append((line, month, borough, counts))
        if not rows:
            raise ContractError(path, "row 2", "the file has a header but no data rows")
        return data, rows

    def peek(self, path: Path) -> Release:
        return _release([month for _, month, _, _ in self._rows(path)[1]])

    def parse(self, path: Path) -> ParsedFile:
        data, rows = self._rows(path)
        frame = pd.DataFrame(
            [(line, month, borough, *counts) for line, month, borough, counts in rows],
            columns=["source_row", "month", "borough_name", *self.count_columns],
        )
        frame["month"] = pd.to_datetime(frame["month"])
        return ParsedFile(
            path=path,
            sha256=hashlib.sha256(data).hexdigest(),
            release=_release([month for _, month, _, _ in rows]),
            rows=frame,
        )
