"""An independent reading of MOPAC's Public Attitude Survey exports, for the end-to-end tests.

Written from docs/source_contracts.md with the codecs and csv modules only; it shares no code
with the parser or the dbt models, so the tests can hold the marts to it. Ranks follow
docs/kpi_definitions.md: among the London boroughs, 1 = the highest percentage, ties share the
best rank (1 + the number of boroughs with a strictly higher percentage).
"""

from __future__ import annotations

import calendar
import codecs
import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

# The London-wide column of a borough export.
LONDON_COLUMN = "MPS"


def _records(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16")
    else:
        text = data.decode("utf-8-sig")
    delimiter = "\t" if "\t" in text.split("\n", 1)[0] else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _percent(value: str) -> int:
    return int(value.strip().rstrip("%"))


@dataclass(frozen=True)
class BoroughFigure:
    percent: int
    rank: int
    rank_of: int


@dataclass(frozen=True)
class BoroughExport:
    """One `all_borough_police_*` export: its measure, the boroughs' figures and London's."""

    measure_label: str
    quarter_end: date
    boroughs: dict[str, BoroughFigure]
    london: int


def borough_export(path: Path) -> BoroughExport:
    header, proportions = _records(path)[:2]
    values = {
        area.strip(): _percent(value)
        for area, value in zip(header[3:], proportions[3:], strict=True)
    }
    london = values.pop(LONDON_COLUMN)
    boroughs = {
        area: BoroughFigure(
            percent=percent,
            rank=1 + sum(1 for other in values.values() if other > percent),
            rank_of=len(values),
        )
        for area, percent in values.items()
    }
    return BoroughExport(
        measure_label=proportions[1].strip(),
        quarter_end=quarter_end(proportions[0]),
        boroughs=boroughs,
        london=london,
    )


def quarter_end(text: str) -> date:
    """The last day of the survey quarter a PAS date names: 'Jun-22' and 'June 2022' are
    2022-06-30."""
    text = " ".join(text.split())
    for form in ("%b-%y", "%B %Y"):
        try:
            month = datetime.strptime(text, form).date()
        except ValueError:
            continue
        return date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
    raise ValueError(f"not a PAS date: {text!r}")


def london_series(path: Path) -> dict[tuple[date, str], int]:
    """(quarter end, measure label) -> percent, from a `date,measure,proportion` file."""
    header, *rows = _records(path)
    assert [name.lower() for name in header] == ["date", "measure", "proportion"]
    return {(quarter_end(d), measure.strip()): _percent(p) for d, measure, p in rows}


def previous_quarter_end(day: date) -> date:
    index = day.year * 12 + day.month - 1 - 3
    year, month = index // 12, index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])
