"""MOPAC Public Attitude Survey exports: three published layouts, read to one long shape.

MOPAC's PAS figures reach the borough as exports of its dashboards, in three layouts
(`docs/source_contracts.md`), each recognised by its header:

- `borough_export`: one measure per file, a column per borough plus `MPS`, a `Proportion` row
  (`61%`) and a `Rank` row (empty in every export seen so far). Exported tab-separated in UTF-16
  by one tool and comma-separated in UTF-8 by another, so both are read: the encoding from the
  byte order mark, the delimiter from the header line.
- `london_series`: the MPS-wide quarterly series, `date,measure,proportion`, `Jun-22` dates,
  integer percentages.
- `borough_trend`: one borough's trend (`Measure,Date,Borough Trends,Borough,Proportion`),
  `December 2014` dates, UTF-8 with a byte order mark.

Every figure becomes one row: area, measure label and survey quarter as the file names them,
the percentage, and the rank where the file gives one. Area and measure names are checked
against the reference data at the landing gate, not here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from orchestration.landing.contract import (
    ContractError,
    csv_header,
    csv_records,
    decode_text,
    percentage,
    read_bytes,
    sniff_delimiter,
    whole_number,
)
from orchestration.landing.source import Grain, ParsedFile, Release

ENCODINGS = ("utf-8", "utf-16")
# The London-wide series names no area: its figures are the MPS area's, as the file name says.
LONDON_SERIES_AREA = "MPS"
# How far down a title line may push the header before the file is simply not a PAS export.
_HEADER_SEARCH_LINES = 5
# MOPAC's two ways of writing a survey quarter: 'Jun-22' and 'June 2022'.
_DATE_FORMATS = ("%b-%y", "%B %Y")
_QUARTER_END_MONTHS = (3, 6, 9, 12)


@dataclass(frozen=True)
class Figure:
    """One percentage as the file gives it."""

    line: int
    area: str
    measure: str
    period_text: str
    period_start: date
    percent: float
    rank: int | None = None


def survey_quarter(path: Path, where: str, value: str) -> date:
    """The first day of the survey quarter a PAS date names ('Jun-22' -> 2022-04-01)."""
    text = " ".join(value.split())
    for form in _DATE_FORMATS:
        try:
            day = datetime.strptime(text, form).date()
        except ValueError:
            continue
        if day.month in _QUARTER_END_MONTHS:
            return Grain.QUARTER.period_start(day)
        raise ContractError(
            path,
            where,
            f"a PAS quarter ends in March, June, September or December; found {value!r}",
        )
    raise ContractError(
        path,
        where,
        f"expected a survey quarter such as 'Jun-22' or 'June 2022', found {value!r}",
    )


# The separators PAS exports come with: commas from one tool, tabs from another.
DELIMITERS = ",\t"


def _fields(header: list[str]) -> tuple[str, ...]:
    return tuple(field.strip().lower() for field in header)


@dataclass(frozen=True)
class Layout:
    """One published PAS layout, recognised by its header."""

    name: str
    header: str  # as documented, for messages
    matches: Callable[[list[str]], bool]
    read: Callable[[Path, str, str, list[str]], Iterator[Figure]]


def _borough_export(path: Path, text: str, delimiter: str, header: list[str]) -> Iterator[Figure]:
    """`Date,Measure,,<area>...`: a Proportion row and a Rank row per date and measure."""
    areas = [name.strip() for name in header[3:]]
    seen: dict[str, int] = {}
    for position, name in enumerate(areas, start=4):
        where = f"header, column {position} ({name!r})"
        if not name:
            raise ContractError(path, where, "every column after the third names an area")
        if name.lower() in seen:
            raise ContractError(
                path,
                where,
                f"area {name!r} appears twice (columns {seen[name.lower()]} and {position}); "
                "each area is one column",
            )
        seen[name.lower()] = position
    if not areas:
        raise ContractError(path, "header", "expected at least one area column after the third")
    proportions: dict[tuple[date, str], tuple[int, str, str, list[str]]] = {}
    ranks: dict[tuple[date, str], tuple[int, list[str]]] = {}
    for line, record in csv_records(path, text, len(header), delimiter):
        period_text, measure, kind = record[0].strip(), record[1].strip(), record[2].strip()
        start = survey_quarter(path, f"row {line}, column 1 ({header[0].strip()!r})", period_text)
        if not measure:
            raise ContractError(path, f"row {line}, column 2", "the measure must not be empty")
        key = (start, measure.lower())
        if kind.lower() not in ("proportion", "rank"):
            raise ContractError(
                path, f"row {line}, column 3", f"expected 'Proportion' or 'Rank', found {kind!r}"
            )
        first = proportions.get(key) if kind.lower() == "proportion" else ranks.get(key)
        if first is not None:
            raise ContractError(
                path,
                f"row {line}",
                f"the {kind} row of {period_text} {measure!r} already appears on row {first[0]}",
            )
        if kind.lower() == "proportion":
            proportions[key] = (line, period_text, measure, record[3:])
        else:
            ranks[key] = (line, record[3:])
    for key, (line, _values) in ranks.items():
        if key not in proportions:
            raise ContractError(
                path, f"row {line}", "a Rank row needs the Proportion row of its date and measure"
            )
    for key, (line, period_text, measure, values) in proportions.items():
        rank_line, rank_values = ranks.get(key, (0, [""] * len(areas)))
        for position, (area, value, rank) in enumerate(
            zip(areas, values, rank_values, strict=True), start=4
        ):
            column = f"column {position} ({area!r})"
            yield Figure(
                line=line,
                area=area,
                measure=measure,
                period_text=period_text,
                period_start=key[0],
                percent=percentage(path, f"row {line}, {column}", value),
                rank=whole_number(
                    path, f"row {rank_line}, {column}", rank, optional=True, what="ranks"
                ),
            )


def _london_series(path: Path, text: str, delimiter: str, header: list[str]) -> Iterator[Figure]:
    """`date,measure,proportion`: the MPS area's figures, one per row."""
    for line, (period_text, measure, value) in csv_records(path, text, len(header), delimiter):
        yield _long_figure(path, line, LONDON_SERIES_AREA, measure, period_text, value, header)


def _borough_trend(path: Path, text: str, delimiter: str, header: list[str]) -> Iterator[Figure]:
    """`Measure,Date,Borough Trends,Borough,Proportion`: one borough's trend."""
    for line, record in csv_records(path, text, len(header), delimiter):
        measure, period_text, _, area, value = record
        if not area.strip():
            raise ContractError(path, f"row {line}, column 'Borough'", "must not be empty")
        yield _long_figure(path, line, area.strip(), measure, period_text, value, header)


def _long_figure(
    path: Path,
    line: int,
    area: str,
    measure: str,
    period_text: str,
    value: str,
    header: list[str],
) -> Figure:
    names = {name.strip().lower(): name.strip() for name in header}
    if not measure.strip():
        raise ContractError(path, f"row {line}, column {names['measure']!r}", "must not be empty")
    return Figure(
        line=line,
        area=area,
        measure=measure.strip(),
        period_text=period_text.strip(),
        period_start=survey_quarter(path, f"row {line}, column {names['date']!r}", period_text),
        percent=percentage(path, f"row {line}, column {names['proportion']!r}", value),
    )


LAYOUTS: tuple[Layout, ...] = (
    Layout(
        "borough_export",
        "Date,Measure,,<areas...>",
        lambda header: len(header) > 3 and _fields(header)[:3] == ("date", "measure", ""),
        _borough_export,
    ),
    Layout(
        "london_series",
        "date,measure,proportion",
        lambda header: _fields(header) == ("date", "measure", "proportion"),
        _london_series,
    ),
    Layout(
        "borough_trend",
        "Measure,Date,Borough Trends,Borough,Proportion",
        lambda header: (
            _fields(header) == ("measure", "date", "borough trends", "borough", "proportion")
        ),
        _borough_trend,
    ),
)


def _shown(header: list[str]) -> str:
    fields = [field.strip() for field in header]
    return ",".join(fields[:5]) + (",..." if len(fields) > 5 else "")


def detect_layout(path: Path, header: list[str], text: str) -> Layout:
    """The layout whose header the file has, or a ContractError saying why none matches."""
    layout = next((layout for layout in LAYOUTS if layout.matches(header)), None)
    if layout:
        return layout
    for line, candidate in enumerate(text.splitlines()[1:_HEADER_SEARCH_LINES], start=2):
        fields = candidate.split(sniff_delimiter(candidate))
        if any(known.matches(fields) for known in LAYOUTS):
            raise ContractError(
                path,
                "row 1",
                f"the header is on row {line}: remove the title line(s) above it "
                "(the first line must be the header)",
            )
    known = "; ".join(layout.header for layout in LAYOUTS)
    raise ContractError(
        path, "header", f"expected the header of a PAS export ({known}), found {_shown(header)}"
    )


@dataclass(frozen=True)
class _Read:
    data: bytes
    layout: Layout
    figures: list[Figure]


def _release(figures: list[Figure]) -> Release:
    """A PAS file's release is the latest survey quarter it holds: the exports state no
    publication date, and a quarter's figures cannot exist before the quarter ends."""
    first = min(figure.period_start for figure in figures)
    last = max(figure.period_start for figure in figures)
    return Release(
        label=f"{Grain.QUARTER.period_end(last):%b-%y}",
        first_period=first,
        last_period=last,
        released_on=Grain.QUARTER.next_period(last),
        last_period_where=next(
            f"row {f.line}, date {f.period_text!r}" for f in figures if f.period_start == last
        ),
    )


class PasParser:
    """Reads any of the three PAS layouts."""

    def _read(self, path: Path) -> _Read:
        data = read_bytes(path)
        text = decode_text(path, data, ENCODINGS)
        delimiter = sniff_delimiter(text, DELIMITERS)
        header = csv_header(path, text, delimiter, accepted=DELIMITERS)
        layout = detect_layout(path, header, text)
        figures: list[Figure] = []
        seen: dict[tuple[str, str, date], int] = {}
        for figure in layout.read(path, text, delimiter, header):
            key = (figure.area.lower(), figure.measure.lower(), figure.period_start)
            if key in seen:
                raise ContractError(
                    path,
                    f"row {figure.line}",
                    f"{figure.area}, {figure.measure!r}, {figure.period_text} already appears "
                    f"on row {seen[key]}",
                )
            seen[key] = figure.line
            figures.append(figure)
        if not figures:
            raise ContractError(path, "row 2", "the file has a header but no data rows")
        return _Read(data, layout, figures)

    def peek(self, path: Path) -> Release:
        return _release(self._read(path).figures)

    def parse(self, path: Path) -> ParsedFile:
        read = self._read(path)
        frame = pd.DataFrame(
            {
                "source_row": [f.line for f in read.figures],
                "source_layout": read.layout.name,
                "area_name": [f.area for f in read.figures],
                "measure_label": [f.measure for f in read.figures],
                "period_text": [f.period_text for f in read.figures],
                "period_start": pd.to_datetime([f.period_start for f in read.figures]),
                "percent": [f.percent for f in read.figures],
                "published_rank": pd.array([f.rank for f in read.figures], dtype="Int64"),
            }
        )
        return ParsedFile(
            path=path,
            sha256=hashlib.sha256(read.data).hexdigest(),
            release=_release(read.figures),
            rows=frame,
            details={"layout": read.layout.name},
        )
