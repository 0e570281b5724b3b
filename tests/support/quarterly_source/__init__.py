"""A quarterly source declared only for the tests: a new source is a folder and a declaration.

`test_quarterly` lands `quarter,borough,count` CSV files in `raw/test/quarterly/`, has one GX
suite at its gate, a dbt staging model and a mart of its own dbt group, and a check across
sources (its counts never exceed the Met's recorded crime for the borough and quarter). The
session's pipeline runs with it beside Met recorded crime, in the same graph, so a test can
break it and see that it fails alone.
"""

from __future__ import annotations

import hashlib
import re
import shutil
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
from orchestration.landing.shared_suites import known_boroughs
from orchestration.landing.source import Grain, ParsedFile, Release, Source
from orchestration.quality.cross_source import CrossSourceCheck

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "sample" / "quarterly_counts_2020Q1-2021Q1.csv"
HEADER = ["quarter", "borough", "count"]
QUARTER = re.compile(r"^(\d{4}) Q([1-4])$")
WHOLE_NUMBER = re.compile(r"^[0-9]{1,18}$")


def _quarter(path: Path, line: int, value: str) -> date:
    match = QUARTER.match(value.strip())
    if not match:
        raise ContractError(
            path, f"row {line}, column 'quarter'", f"expected YYYY Qn, found {value!r}"
        )
    return date(int(match.group(1)), 3 * int(match.group(2)) - 2, 1)


def _release(quarters: list[date]) -> Release:
    last = max(quarters)
    return Release(
        label=f"{last.year} Q{(last.month - 1) // 3 + 1}",
        first_period=min(quarters),
        last_period=last,
        released_on=Grain.QUARTER.next_period(last),
        last_period_where="column 'quarter'",
    )


class QuarterlyCountsParser:
    """`quarter,borough,count`, one row per quarter and borough."""

    def _rows(self, path: Path) -> tuple[bytes, list[tuple[int, date, str, int]]]:
        data = read_bytes(path)
        text = decode_text(path, data)
        header = csv_header(path, text)
        if header != HEADER:
            raise ContractError(
                path, "header", f"expected {','.join(HEADER)}, found {','.join(header)}"
            )
        rows, seen = [], {}
        for line, (quarter, borough, count) in csv_records(path, text, len(HEADER)):
            start = _quarter(path, line, quarter)
            if not borough.strip():
                raise ContractError(path, f"row {line}, column 'borough'", "must not be empty")
            if not WHOLE_NUMBER.match(count.strip()):
                raise ContractError(
                    path,
                    f"row {line}, column 'count'",
                    f"counts must be whole numbers >= 0 of at most 18 digits, found {count!r}",
                )
            key = (start, borough.strip().lower())
            if key in seen:
                raise ContractError(
                    path, f"row {line}", f"{quarter} {borough} already appears on row {seen[key]}"
                )
            seen[key] = line
            rows.append((line, start, borough.strip(), int(count)))
        if not rows:
            raise ContractError(path, "row 2", "the file has a header but no data rows")
        return data, rows

    def peek(self, path: Path) -> Release:
        return _release([start for _, start, _, _ in self._rows(path)[1]])

    def parse(self, path: Path) -> ParsedFile:
        data, rows = self._rows(path)
        frame = pd.DataFrame(
            rows, columns=["source_row", "quarter_start", "borough_name", "incident_count"]
        )
        frame["quarter_start"] = pd.to_datetime(frame["quarter_start"])
        return ParsedFile(
            path=path,
            sha256=hashlib.sha256(data).hexdigest(),
            release=_release([start for _, start, _, _ in rows]),
            rows=frame,
        )


SOURCE = Source(
    key="test_quarterly",
    title="Test quarterly counts",
    folder="test/quarterly",
    file_types=(".csv",),
    parser=QuarterlyCountsParser(),
    columns={
        "quarter_start": "date not null",
        "borough_name": "varchar not null",
        "incident_count": "bigint not null",
    },
    grain=Grain.QUARTER,
    release_rule="The latest release that contains a quarter gives its counts.",
    suites=(known_boroughs(),),
    dbt_staging=("stg_test__quarterly_counts",),
    delivery_day=20,
    licence="invented test figures",
    expectations_dir=HERE / "expectations",
)

CROSS_CHECK = CrossSourceCheck(
    name="quarterly_counts_within_recorded_crime",
    rule="a borough's quarterly count never exceeds the Met's recorded crime for that quarter",
    sources=("test_quarterly", "met_recorded_crime"),
    directory=HERE / "expectations",
    index_columns=("borough_name", "quarter_start"),
)


def install_dbt_models(project_dir: Path) -> None:
    """Adds the source's dbt files to a copy of the dbt project."""
    shutil.copytree(HERE / "dbt", project_dir / "models", dirs_exist_ok=True)
