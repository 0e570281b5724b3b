"""MOPAC User Satisfaction Survey return: victims' satisfaction, by BCU and for London.

No public file exists, so the contract is the project's (`docs/source_contracts.md`): a tidy
UTF-8 CSV, `quarter,area,measure,percent`, one row per quarter, area and measure. A row for a
whole financial year (`2020/21`) is a baseline the board measures against.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from orchestration.landing.contract import (
    ContractError,
    csv_header,
    csv_records,
    decode_text,
    percentage,
    read_bytes,
)
from orchestration.landing.returns import columns_by_name, quarter_of, quarterly_release
from orchestration.landing.source import ParsedFile, Release
from orchestration.lib.periods import Period

COLUMNS = ("quarter", "area", "measure", "percent")


@dataclass(frozen=True)
class _Row:
    line: int
    quarter_text: str
    period: Period
    area: str
    measure: str
    percent: float


class UssParser:
    """`quarter,area,measure,percent`, one row per quarter (or baseline year), area, measure."""

    def _rows(self, path: Path) -> tuple[bytes, list[_Row]]:
        data = read_bytes(path)
        text = decode_text(path, data)
        header = csv_header(path, text)
        column = columns_by_name(path, header, COLUMNS)
        rows: list[_Row] = []
        seen: dict[tuple[date, date, str, str], int] = {}
        for line, record in csv_records(path, text, len(header)):
            quarter, area, measure, value = (record[column[name]].strip() for name in COLUMNS)
            period = quarter_of(path, f"row {line}, column 'quarter'", quarter, years=True)
            for name, text_value in (("area", area), ("measure", measure)):
                if not text_value:
                    raise ContractError(path, f"row {line}, column {name!r}", "must not be empty")
            key = (period.start, period.end, area.lower(), measure.lower())
            if key in seen:
                raise ContractError(
                    path,
                    f"row {line}",
                    f"{quarter}, {area}, {measure} already appears on row {seen[key]}",
                )
            seen[key] = line
            percent = percentage(path, f"row {line}, column 'percent'", value)
            rows.append(_Row(line, quarter, period, area, measure, percent))
        if not rows:
            raise ContractError(path, "row 2", "the file has a header but no data rows")
        return data, rows

    @staticmethod
    def _release(rows: list[_Row]) -> Release:
        where: dict[date, str] = {}
        for row in rows:
            where.setdefault(row.period.last_quarter_start, f"row {row.line}, column 'quarter'")
        return quarterly_release((row.period for row in rows), where)

    def peek(self, path: Path) -> Release:
        return self._release(self._rows(path)[1])

    def parse(self, path: Path) -> ParsedFile:
        data, rows = self._rows(path)
        frame = pd.DataFrame(
            {
                "source_row": [row.line for row in rows],
                "quarter_text": [row.quarter_text for row in rows],
                "period_start": pd.to_datetime([row.period.start for row in rows]),
                "period_end": pd.to_datetime([row.period.end for row in rows]),
                "area_name": [row.area for row in rows],
                "measure": [row.measure for row in rows],
                "percent": [row.percent for row in rows],
            }
        )
        return ParsedFile(
            path=path,
            sha256=hashlib.sha256(data).hexdigest(),
            release=self._release(rows),
            rows=frame,
        )
