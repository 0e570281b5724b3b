"""sync_recorded_crime against a real DuckDB file in tmp_path and a landing folder of real slices.

What is expected is worked out here from the fixture bytes (hashlib, the csv module) and from
what the source contract says, never from the parser. "Nothing changed" is checked on a full
ordered dump of the table, every column of every row.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.met.load import TABLE, FilesRejected, landed_files, sync_recorded_crime

FIXTURES = Path(__file__).parent / "fixtures" / "mps"
MONTHS_24 = "mps_2019_24_months_201909-202108_slice.csv"
HISTORICAL = "mps_2019_historical_201004-202201_slice.csv"
CONNECT = "mps_connect_2024_201004-202210_slice.csv"
PRE2019 = "mps_historic_pre2019_200801-201812_slice.csv"
ALL = (MONTHS_24, HISTORICAL, CONNECT, PRE2019)
# From the source contract: each fixture's layout and release (its last month column).
LAYOUT = {
    MONTHS_24: "mps_2019",
    HISTORICAL: "mps_2019",
    CONNECT: "mps_connect_2024",
    PRE2019: "mps_historic_pre2019",
}
RELEASE = {
    MONTHS_24: date(2021, 8, 1),
    HISTORICAL: date(2022, 1, 1),
    CONNECT: date(2022, 10, 1),
    PRE2019: date(2018, 12, 1),
}
FIRST_LOAD = datetime(2024, 3, 1, 6, 0, 0, tzinfo=UTC)
SECOND_LOAD = datetime(2024, 4, 1, 6, 0, 0, tzinfo=UTC)


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "raw" / "met" / "recorded_crime"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def _land(landing: Path, *names: str) -> None:
    for name in names:
        shutil.copyfile(FIXTURES / name, landing / name)


def _records(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    return records[0], records[1:]


def _dump(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every column of every row, in a total order."""
    return con.execute(f"select * from {TABLE} order by all").fetchall()


def _rows_of(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple]:
    return con.execute(
        f"select * from {TABLE} where source_file = ? order by all", [name]
    ).fetchall()


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _with_one_count_changed(path: Path, line: int, new_value: str) -> None:
    """Rewrites `path` with the last count on `line` (1-based) replaced; CRLF kept."""
    lines = path.read_bytes().split(b"\r\n")
    fields = next(csv.reader([lines[line - 1].decode()]))
    fields[-1] = new_value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(fields)
    lines[line - 1] = buffer.getvalue().encode()
    path.write_bytes(b"\r\n".join(lines))


def test_loading_a_folder_loads_every_file_with_its_lineage(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    _land(landing, *ALL)
    report = sync_recorded_crime(con, landing, loaded_at=FIRST_LOAD)

    assert sorted(loaded.source_file for loaded in report.loaded) == sorted(ALL)
    assert report.unchanged == [] and report.removed == []
    expected_total = 0
    for name in ALL:
        header, body = _records(FIXTURES / name)
        expected_total += len(body) * (len(header) - 3)
        lineage = con.execute(
            f"""
            select distinct source_sha256, source_layout, release_month, loaded_at
            from {TABLE} where source_file = ?
            """,
            [name],
        ).fetchall()
        sha = hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest()
        assert lineage == [(sha, LAYOUT[name], RELEASE[name], _naive_utc(FIRST_LOAD))]
        counts = con.execute(
            f"""
            select count(*), count(distinct source_row), min(source_row), max(source_row),
                   count(distinct month), max(month)
            from {TABLE} where source_file = ?
            """,
            [name],
        ).fetchone()
        # Line 1 is the header, so data rows are lines 2 .. len(body) + 1.
        assert counts == (
            len(body) * (len(header) - 3),
            len(body),
            2,
            len(body) + 1,
            6,
            RELEASE[name],
        )
    assert (
        report.total_rows
        == expected_total
        == con.execute(f"select count(*) from {TABLE}").fetchone()[0]
    )
    assert report.releases == sorted(RELEASE.values())


def test_each_loaded_row_holds_the_count_on_its_line_of_the_file(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    _land(landing, HISTORICAL)
    sync_recorded_crime(con, landing, loaded_at=FIRST_LOAD)
    header, body = _records(FIXTURES / HISTORICAL)
    expected = sorted(
        (line, r[0], r[1], r[2], datetime.strptime(column, "%Y%m").date(), int(value))
        for line, r in enumerate(body, start=2)
        for column, value in zip(header[3:], r[3:], strict=True)
    )
    loaded = con.execute(
        f"""
        select source_row, major_text, minor_text, borough_name, month, offence_count
        from {TABLE} order by all
        """
    ).fetchall()
    assert loaded == expected


def test_loading_the_same_folder_twice_changes_nothing(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    _land(landing, *ALL)
    sync_recorded_crime(con, landing, loaded_at=FIRST_LOAD)
    before = _dump(con)

    report = sync_recorded_crime(con, landing, loaded_at=SECOND_LOAD)

    assert report.loaded == [] and report.removed == [] and not report.changed
    assert sorted(report.unchanged) == sorted(ALL)
    assert _dump(con) == before
    assert con.execute(f"select distinct loaded_at from {TABLE}").fetchall() == [
        (_naive_utc(FIRST_LOAD),)
    ]


def test_two_releases_that_share_a_month_are_both_kept(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    # The 24-month slice runs 2021-03 to 2021-08, the Historical slice 2021-08 to 2022-01.
    _land(landing, MONTHS_24, HISTORICAL)
    sync_recorded_crime(con, landing, loaded_at=FIRST_LOAD)

    expected = []
    for name in (MONTHS_24, HISTORICAL):
        header, body = _records(FIXTURES / name)
        row = next(r for r in body if r[1:3] == ["Violence with Injury", "Barnet"])
        expected.append((RELEASE[name], int(row[header.index("202108")])))
    shared = con.execute(
        f"""
        select release_month, offence_count from {TABLE}
        where borough_name = 'Barnet' and minor_text = 'Violence with Injury'
          and month = date '2021-08-01'
        order by release_month
        """
    ).fetchall()
    assert shared == expected
    months_in_both = con.execute(
        f"""
        select month from {TABLE} group by month
        having count(distinct release_month) = 2
        """
    ).fetchall()
    assert months_in_both == [(date(2021, 8, 1),)]


def test_a_changed_file_replaces_its_own_rows_only(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    _land(landing, MONTHS_24, HISTORICAL, CONNECT)
    sync_recorded_crime(con, landing, loaded_at=FIRST_LOAD)
    others_before = _rows_of(con, HISTORICAL) + _rows_of(con, CONNECT)
    rows_before = len(_rows_of(con, MONTHS_24))

    # A revised copy under the same name: line 13 is Barnet, Violence with Injury.
    _with_one_count_changed(landing / MONTHS_24, 13, "999")
    new_sha = hashlib.sha256((landing / MONTHS_24).read_bytes()).hexdigest()
    report = sync_recorded_crime(con, landing, loaded_at=SECOND_LOAD)

    assert [loaded.source_file for loaded in report.loaded] == [MONTHS_24]
    assert sorted(report.unchanged) == sorted([HISTORICAL, CONNECT])
    assert _rows_of(con, HISTORICAL) + _rows_of(con, CONNECT) == others_before
    assert len(_rows_of(con, MONTHS_24)) == rows_before
    assert con.execute(
        f"select distinct source_sha256, loaded_at from {TABLE} where source_file = ?",
        [MONTHS_24],
    ).fetchall() == [(new_sha, _naive_utc(SECOND_LOAD))]
    assert con.execute(
        f"""
        select borough_name, minor_text, offence_count from {TABLE}
        where source_file = ? and source_row = 13 and month = date '2021-08-01'
        """,
        [MONTHS_24],
    ).fetchall() == [("Barnet", "Violence with Injury", 999)]


def test_a_file_removed_from_the_folder_has_its_rows_removed(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    _land(landing, MONTHS_24, HISTORICAL)
    sync_recorded_crime(con, landing, loaded_at=FIRST_LOAD)
    kept_before = _rows_of(con, HISTORICAL)

    (landing / MONTHS_24).unlink()
    report = sync_recorded_crime(con, landing, loaded_at=SECOND_LOAD)

    assert report.removed == [MONTHS_24] and report.loaded == [] and report.changed
    assert _rows_of(con, MONTHS_24) == []
    assert _rows_of(con, HISTORICAL) == kept_before
    assert report.releases == [RELEASE[HISTORICAL]]


def test_a_bad_file_next_to_good_ones_is_rejected_by_name_and_nothing_changes(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    _land(landing, MONTHS_24, HISTORICAL, PRE2019)
    sync_recorded_crime(con, landing, loaded_at=FIRST_LOAD)
    before = _dump(con)

    # In the same run: a new good file, a changed good file, a removed file, and a bad file
    # (a copy of a real slice with one negative count on line 7). None of it may land.
    _land(landing, CONNECT)
    _with_one_count_changed(landing / HISTORICAL, 13, "1")
    (landing / PRE2019).unlink()
    bad = landing / "MPS_Borough_Level_Crime_most_recent_24_months_202108-202201.csv"
    shutil.copyfile(FIXTURES / MONTHS_24, bad)
    _with_one_count_changed(bad, 7, "-4")

    with pytest.raises(FilesRejected) as caught:
        sync_recorded_crime(con, landing, loaded_at=SECOND_LOAD)

    assert [Path(error.file).name for error in caught.value.errors] == [bad.name]
    assert bad.name in str(caught.value) and "row 7" in str(caught.value)
    assert _dump(con) == before


def test_every_bad_file_in_a_run_is_named(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    _land(landing, MONTHS_24)
    (landing / "a_ward_file.csv").write_bytes(
        b"MajorText,MinorText,WardName,WardCode,LookUp_BoroughName,202208\r\n"
        b"Burglary,Domestic Burglary,Underhill,E05000063,Barnet,3\r\n"
    )
    (landing / "b_empty.csv").write_bytes(b"")

    with pytest.raises(FilesRejected) as caught:
        sync_recorded_crime(con, landing, loaded_at=FIRST_LOAD)

    named = sorted(Path(error.file).name for error in caught.value.errors)
    assert named == ["a_ward_file.csv", "b_empty.csv"]
    assert _dump(con) == []


def test_dotfiles_in_the_folder_are_ignored(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    _land(landing, MONTHS_24)
    # A download in progress and a hidden copy: neither is a landed file, both would be rejected.
    (landing / ".x.part").write_bytes(b"MajorText,MinorText,LookUp_Boro")
    (landing / ".MPS_half_written.csv").write_bytes(b"\xff\xfe not csv")

    assert landed_files(landing) == [landing / MONTHS_24]
    report = sync_recorded_crime(con, landing, loaded_at=FIRST_LOAD)

    assert [loaded.source_file for loaded in report.loaded] == [MONTHS_24]
    assert con.execute(f"select distinct source_file from {TABLE}").fetchall() == [(MONTHS_24,)]


def test_an_empty_folder_raises_file_not_found(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    with pytest.raises(FileNotFoundError):
        sync_recorded_crime(con, landing, loaded_at=FIRST_LOAD)


def test_a_folder_emptied_after_a_load_raises_and_keeps_what_was_loaded(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    # An empty landing zone is a broken refresh, not a reason to drop every release.
    _land(landing, MONTHS_24)
    sync_recorded_crime(con, landing, loaded_at=FIRST_LOAD)
    before = _dump(con)
    (landing / MONTHS_24).unlink()
    (landing / ".next.part").write_bytes(b"")

    with pytest.raises(FileNotFoundError):
        sync_recorded_crime(con, landing, loaded_at=SECOND_LOAD)
    assert _dump(con) == before


# --- regressions -------------------------------------------------------------------------------


def test_a_file_with_a_header_and_no_rows_is_not_reloaded_on_every_sync(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    """A header-only file once parsed to zero rows, so nothing in the table recorded it and
    every later sync found it "new" (changed=True although no byte changed). It is now
    rejected: a borough-level file always has rows. Either behaviour passes this test.
    """
    _land(landing, MONTHS_24)
    (landing / "header_only.csv").write_bytes(
        b"MajorText,MinorText,LookUp_BoroughName,202107,202108\r\n"
    )
    outcomes: list[object] = []
    for loaded_at in (FIRST_LOAD, SECOND_LOAD):
        try:
            report = sync_recorded_crime(con, landing, loaded_at=loaded_at)
        except FilesRejected as rejected:
            outcomes.append([Path(error.file).name for error in rejected.errors])
        else:
            outcomes.append((report.changed, sorted(report.unchanged)))
    assert outcomes[1] in (["header_only.csv"], (False, sorted([MONTHS_24, "header_only.csv"])))
