"""A release that takes periods over from an earlier one says so: which periods, from which
file, and which figures changed. Run on the Met's ASB calls feed (its sample in raw/), against
a real DuckDB file: a re-sent extract overlapping the sample, then taken away again.

What is expected is worked out from the files' rows with the csv module, never from the loader.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.landing.load import sync_source
from orchestration.landing.source import Source
from orchestration.sources.met_asb_calls import SOURCE
from tests.conftest import SAMPLE_RAW

# The latest of the sample extracts (the one before it has no repeat calls).
SAMPLE = max((SAMPLE_RAW / SOURCE.folder).glob("*.csv"))
RESENT = "asb_calls_barnet_202009-202106.csv"
TODAY = date(2026, 11, 27)


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def _landed_alone(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, source: Source, sample: Path
) -> tuple[Path, Path]:
    """(raw folder, landing folder) with `sample` landed on its own: nothing handed over."""
    raw = tmp_path / "raw"
    folder = source.landing_folder(raw)
    folder.mkdir(parents=True)
    shutil.copyfile(sample, folder / sample.name)
    assert sync_source(con, source, raw, today=TODAY).handovers == []
    return raw, folder


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def test_a_resent_extract_names_the_periods_it_takes_over_and_the_figure_it_changed(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    raw, folder = _landed_alone(tmp_path, con, SOURCE, SAMPLE)

    header, *body = _rows(SAMPLE)
    months = [row[0] for row in body]
    kept = [row for row in body if row[0] >= "2020-09"]
    changed = next(row for row in kept if row[0] == "2021-03")
    was = changed[2]
    changed[2] = str(int(was) + 98)
    extra = list(kept[-1])
    extra[0] = "2021-06"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *kept, extra])
    (folder / RESENT).write_text(buffer.getvalue(), encoding="utf-8")

    report = sync_source(con, SOURCE, raw, today=TODAY)
    taken = [m for m in months if m >= "2020-09"]
    assert [str(h) for h in report.handovers] == [
        f"{month}: {RESENT} replaces {SAMPLE.name}"
        + (
            f"; changed: Barnet asb_calls {int(was):,} -> {int(was) + 98:,}"
            if month == "2021-03"
            else " (the same figures)"
        )
        for month in taken
    ]

    (folder / RESENT).unlink()
    report = sync_source(con, SOURCE, raw, today=TODAY)
    assert [str(h) for h in report.handovers] == [
        *(
            f"{month}: {SAMPLE.name} replaces {RESENT}"
            + (
                f"; changed: Barnet asb_calls {int(was) + 98:,} -> {int(was):,}"
                if month == "2021-03"
                else " (the same figures)"
            )
            for month in taken
        ),
        f"2021-06: no file holds it now ({RESENT} is gone)",
    ]


def test_a_replaced_ward_file_lists_each_months_first_six_changes_in_key_order(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    """Many figures changed in one month, one in another, and one of the ward the Met lists
    under two boroughs (Heathrow Villages): each month names its first six by borough, ward and
    category, then how many more."""
    from orchestration.sources.met_ward_crime import SOURCE as WARDS

    sample = (
        SAMPLE_RAW
        / WARDS.folder
        / "MPS_Ward_Level_Crime_most_recent_24_months_202109-202308_wards2022.csv"
    )
    raw, folder = _landed_alone(tmp_path, con, WARDS, sample)

    header, *body = _rows(sample)
    edited = [list(row) for row in body]
    january, may = header.index("202201"), header.index("202305")
    heathrow = [i for i, row in enumerate(body) if row[3] == "E05013570"]
    twice = next(i for i in heathrow if sum(body[j][:2] == body[i][:2] for j in heathrow) == 2)
    for step, index in enumerate([*range(100, 900, 100), twice][:9]):
        edited[index][january] = str(int(body[index][january]) + step + 1)
    edited[5][may] = str(int(body[5][may]) + 5)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *edited])
    (folder / sample.name).write_text(buffer.getvalue(), encoding="utf-8")

    def expected(month: str) -> str:
        column = header.index(month)
        changed = sorted(
            (new[4], new[3], new[0], new[1], int(old[column]), int(new[column]))
            for old, new in zip(body, edited, strict=True)
            if old[column] != new[column]
        )
        said = (
            f"{month[:4]}-{month[4:]}: {sample.name} replaces the earlier version of {sample.name}"
        )
        if not changed:
            return f"{said} (the same figures)"
        listed = ", ".join(
            f"{b} {w} {major} {minor} {was:,} -> {now:,}"
            for b, w, major, minor, was, now in changed[:6]
        )
        more = f" and {len(changed) - 6} more" if len(changed) > 6 else ""
        return f"{said}; changed: {listed}{more}"

    report = sync_source(con, WARDS, raw, today=TODAY)
    assert [str(h) for h in report.handovers] == [expected(month) for month in header[5:]]
    # The case the test is for: nine changes in January, the ward listed under two boroughs
    # among the six named.
    assert expected("202201").endswith(" and 3 more") and "E05013570" in expected("202201")
