"""sync_source for Met recorded crime against a real DuckDB file and a folder of real slices.

The landing folder is `raw/met/recorded_crime` in tmp_path; the warehouse is a DuckDB file
beside it. What is expected is worked out here from the fixture bytes (hashlib, the csv module)
and from what the source contract says (each slice's layout and release, a release published
the day after its last month), never from the parser or the loader. "Nothing changed" is
checked on a full ordered dump of the raw table and of the ledger, every column of every row.
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

from orchestration.landing.load import (
    LEDGER,
    LandingFolderMissing,
    SourceNotSetUp,
    SyncReport,
    landed_files,
    sync_source,
)
from orchestration.sources.met_recorded_crime import SOURCE

TABLE = "raw.met_recorded_crime"
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
# Long after every fixture's last month: no file holds a period still under way.
TODAY = date(2026, 11, 27)
FIRST_LOAD = datetime(2024, 3, 1, 6, 0, 0, tzinfo=UTC)
SECOND_LOAD = datetime(2024, 4, 1, 6, 0, 0, tzinfo=UTC)
THIRD_LOAD = datetime(2024, 5, 1, 6, 0, 0, tzinfo=UTC)


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    return tmp_path / "raw"


@pytest.fixture
def landing(raw_dir: Path) -> Path:
    folder = raw_dir / "met" / "recorded_crime"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def sync(con: duckdb.DuckDBPyConnection, raw_dir: Path, loaded_at: datetime) -> SyncReport:
    return sync_source(con, SOURCE, raw_dir, today=TODAY, loaded_at=loaded_at)


def _land(landing: Path, *names: str) -> None:
    for name in names:
        shutil.copyfile(FIXTURES / name, landing / name)


def _records(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    return records[0], records[1:]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _month(column: str) -> date:
    return datetime.strptime(column, "%Y%m").date()


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _dump(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every column of every row of the raw table, in a total order."""
    return con.execute(f"select * from {TABLE} order by all").fetchall()


def _ledger_dump(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(f"select * from {LEDGER} order by all").fetchall()


def _rows_of(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple]:
    return con.execute(
        f"select * from {TABLE} where source_file = ? order by all", [name]
    ).fetchall()


def _ledger(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple]:
    """(sha256, status, check, location, rule) of every version of `name` in the ledger."""
    return con.execute(
        f"select source_sha256, status, check_name, location, rule from {LEDGER} "
        "where source = ? and source_file = ? order by first_seen_at, source_sha256",
        [SOURCE.key, name],
    ).fetchall()


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _names(verdicts: list) -> list[str]:
    return sorted(verdict.name for verdict in verdicts)


def _with_one_count_changed(path: Path, line: int, new_value: str) -> None:
    """Rewrites `path` with the last count on `line` (1-based) replaced; CRLF kept."""
    lines = path.read_bytes().split(b"\r\n")
    fields = next(csv.reader([lines[line - 1].decode()]))
    fields[-1] = new_value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(fields)
    lines[line - 1] = buffer.getvalue().encode()
    path.write_bytes(b"\r\n".join(lines))


def _with_borough_renamed(path: Path, line: int, borough: str, new_name: str) -> None:
    """Rewrites `path` with the borough on `line` (1-based) renamed; CRLF kept."""
    lines = path.read_bytes().split(b"\r\n")
    assert f",{borough},".encode() in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(f",{borough},".encode(), f",{new_name},".encode())
    path.write_bytes(b"\r\n".join(lines))


# --- loading ----------------------------------------------------------------------------------


def test_loading_a_folder_loads_every_file_with_its_lineage(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, landing: Path
) -> None:
    _land(landing, *ALL)
    report = sync(con, raw_dir, FIRST_LOAD)

    assert _names(report.loaded) == sorted(ALL)
    assert report.unchanged == [] and report.removed == [] and report.refused == []
    expected_total = 0
    for name in ALL:
        header, body = _records(FIXTURES / name)
        long_rows = len(body) * (len(header) - 3)
        expected_total += long_rows
        lineage = con.execute(
            f"""
            select distinct source_sha256, source_layout, release, released_on, loaded_at
            from {TABLE} where source_file = ?
            """,
            [name],
        ).fetchall()
        assert lineage == [
            (
                _sha(FIXTURES / name),
                LAYOUT[name],
                f"{RELEASE[name]:%Y-%m}",
                _next_month(RELEASE[name]),
                _naive_utc(FIRST_LOAD),
            )
        ]
        counts = con.execute(
            f"""
            select count(*), count(distinct source_row), min(source_row), max(source_row),
                   count(distinct month), min(month), max(month)
            from {TABLE} where source_file = ?
            """,
            [name],
        ).fetchone()
        # Line 1 is the header, so data rows are lines 2 .. len(body) + 1.
        assert counts == (
            long_rows,
            len(body),
            2,
            len(body) + 1,
            6,
            _month(header[3]),
            RELEASE[name],
        )
    assert (
        report.total_rows
        == expected_total
        == con.execute(f"select count(*) from {TABLE}").fetchone()[0]
    )
    assert [(f.name, f.sha256, f.release) for f in report.accepted] == [
        (name, _sha(FIXTURES / name), f"{RELEASE[name]:%Y-%m}")
        for name in sorted(ALL, key=RELEASE.__getitem__)
    ]
    assert report.latest is not None and report.latest.name == CONNECT


def test_every_accepted_file_has_one_accepted_ledger_row_with_its_release_and_periods(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, landing: Path
) -> None:
    _land(landing, *ALL)
    sync(con, raw_dir, FIRST_LOAD)

    expected = []
    for name in ALL:
        header, body = _records(FIXTURES / name)
        expected.append(
            (
                SOURCE.key,
                name,
                _sha(FIXTURES / name),
                f"{RELEASE[name]:%Y-%m}",
                _next_month(RELEASE[name]),
                _month(header[3]),
                _month(header[-1]),
                len(body) * (len(header) - 3),
                "accepted",
                None,
                None,
                None,
                _naive_utc(FIRST_LOAD),
                _naive_utc(FIRST_LOAD),
            )
        )
    assert _ledger_dump(con) == sorted(expected)


def test_each_loaded_row_holds_the_count_on_its_line_of_the_file(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, landing: Path
) -> None:
    _land(landing, HISTORICAL)
    sync(con, raw_dir, FIRST_LOAD)
    header, body = _records(FIXTURES / HISTORICAL)
    expected = sorted(
        (line, r[0], r[1], r[2], _month(column), int(value))
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
    con: duckdb.DuckDBPyConnection, raw_dir: Path, landing: Path
) -> None:
    _land(landing, *ALL)
    sync(con, raw_dir, FIRST_LOAD)
    before, ledger_before = _dump(con), _ledger_dump(con)

    report = sync(con, raw_dir, SECOND_LOAD)

    assert report.loaded == [] and report.removed == [] and report.refused == []
    assert _names(report.unchanged) == sorted(ALL)
    assert all(v.sha256 == _sha(landing / v.name) for v in report.unchanged)
    assert _dump(con) == before
    assert _ledger_dump(con) == ledger_before
    assert con.execute(f"select distinct loaded_at from {TABLE}").fetchall() == [
        (_naive_utc(FIRST_LOAD),)
    ]


def test_two_releases_that_share_a_month_are_both_kept(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, landing: Path
) -> None:
    # The 24-month slice runs 2021-03 to 2021-08, the Historical slice 2021-08 to 2022-01.
    _land(landing, MONTHS_24, HISTORICAL)
    sync(con, raw_dir, FIRST_LOAD)

    expected = []
    for name in (MONTHS_24, HISTORICAL):
        header, body = _records(FIXTURES / name)
        row = next(r for r in body if r[1:3] == ["Violence with Injury", "Barnet"])
        expected.append((f"{RELEASE[name]:%Y-%m}", int(row[header.index("202108")])))
    shared = con.execute(
        f"""
        select release, offence_count from {TABLE}
        where borough_name = 'Barnet' and minor_text = 'Violence with Injury'
          and month = date '2021-08-01'
        order by release
        """
    ).fetchall()
    assert shared == expected
    months_in_both = con.execute(
        f"select month from {TABLE} group by month having count(distinct release) = 2"
    ).fetchall()
    assert months_in_both == [(date(2021, 8, 1),)]


def test_dotfiles_and_office_lock_files_in_the_folder_are_ignored(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, landing: Path
) -> None:
    _land(landing, MONTHS_24)
    # A download in progress, a hidden copy and Excel's lock file: none is a landed file, and
    # each would be refused if it were.
    (landing / ".x.part").write_bytes(b"MajorText,MinorText,LookUp_Boro")
    (landing / ".MPS_half_written.csv").write_bytes(b"\xff\xfe not csv")
    (landing / "~$MPS.xlsx").write_bytes(b"\x00lock")

    assert landed_files(landing) == [landing / MONTHS_24]
    report = sync(con, raw_dir, FIRST_LOAD)

    assert [v.name for v in report.verdicts] == [MONTHS_24]
    assert con.execute(f"select distinct source_file from {TABLE}").fetchall() == [(MONTHS_24,)]
    assert con.execute(f"select distinct source_file from {LEDGER}").fetchall() == [(MONTHS_24,)]


# --- changes: a file changed, removed, the folder emptied or gone -----------------------------


def test_a_changed_file_replaces_its_own_rows_only(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, landing: Path
) -> None:
    _land(landing, MONTHS_24, HISTORICAL, CONNECT)
    sync(con, raw_dir, FIRST_LOAD)
    others_before = _rows_of(con, HISTORICAL) + _rows_of(con, CONNECT)
    rows_before = len(_rows_of(con, MONTHS_24))

    # A revised copy under the same name: line 13 is Barnet, Violence with Injury.
    _with_one_count_changed(landing / MONTHS_24, 13, "999")
    new_sha = _sha(landing / MONTHS_24)
    report = sync(con, raw_dir, SECOND_LOAD)

    assert [v.name for v in report.loaded] == [MONTHS_24]
    assert report.loaded[0].sha256 == new_sha
    assert _names(report.unchanged) == sorted([HISTORICAL, CONNECT])
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


def test_a_changed_file_supersedes_its_earlier_version_in_the_ledger(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, landing: Path
) -> None:
    _land(landing, MONTHS_24)
    sync(con, raw_dir, FIRST_LOAD)
    _with_one_count_changed(landing / MONTHS_24, 13, "999")
    sync(con, raw_dir, SECOND_LOAD)

    assert _ledger(con, MONTHS_24) == [
        (_sha(FIXTURES / MONTHS_24), "superseded", None, None, None),
        (_sha(landing / MONTHS_24), "accepted", None, None, None),
    ]


def test_a_file_removed_from_the_folder_has_its_rows_removed(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, landing: Path
) -> None:
    _land(landing, MONTHS_24, HISTORICAL)
    sync(con, raw_dir, FIRST_LOAD)
    kept_before = _rows_of(con, HISTORICAL)

    (landing / MONTHS_24).unlink()
    report = sync(con, raw_dir, SECOND_LOAD)

    assert [(v.name, v.sha256) for v in report.removed] == [(MONTHS_24, _sha(FIXTURES / MONTHS_24))]
    assert report.loaded == []
    assert _rows_of(con, MONTHS_24) == []
    assert _rows_of(con, HISTORICAL) == kept_before
    assert [f.name for f in report.accepted] == [HISTORICAL]
    assert _ledger(con, MONTHS_24) == [(_sha(FIXTURES / MONTHS_24), "removed", None, None, None)]
    assert _ledger(con, HISTORICAL) == [(_sha(FIXTURES / HISTORICAL), "accepted", None, None, None)]


def test_an_emptied_folder_removes_every_row_as_the_mirror_of_the_folder(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, landing: Path
) -> None:
    _land(landing, MONTHS_24, PRE2019)
    sync(con, raw_dir, FIRST_LOAD)
    for name in (MONTHS_24, PRE2019):
        (landing / name).unlink()
    (landing / ".next.part").write_bytes(b"")  # a download under way is not a landed file

    report = sync(con, raw_dir, SECOND_LOAD)

    assert _names(report.removed) == sorted([MONTHS_24, PRE2019])
    assert _dump(con) == [] and report.total_rows == 0 and report.accepted == []
    assert {status for (_, status, *_) in _ledger(con, MONTHS_24) + _ledger(con, PRE2019)} == {
        "removed"
    }


def test_a_missing_folder_raises_and_keeps_what_was_loaded(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, landing: Path
) -> None:
    # A wrong SCP_RAW_DIR or an unmounted share is not a reason to drop every release.
    _land(landing, MONTHS_24)
    sync(con, raw_dir, FIRST_LOAD)
    before, ledger_before = _dump(con), _ledger_dump(con)
    shutil.rmtree(landing)

    with pytest.raises(LandingFolderMissing) as caught:
        sync(con, raw_dir, SECOND_LOAD)

    assert str(landing) in str(caught.value)
    assert isinstance(caught.value, FileNotFoundError)
    assert _dump(con) == before
    assert _ledger_dump(con) == ledger_before


@pytest.mark.parametrize("folder", ["missing", "empty", "only a hidden file"])
def test_a_source_that_never_landed_a_file_is_not_set_up_and_its_table_exists_empty(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, folder: str
) -> None:
    landing = raw_dir / "met" / "recorded_crime"
    if folder != "missing":
        landing.mkdir(parents=True)
    if folder == "only a hidden file":
        (landing / ".partial-download.csv.part").write_text("month,borough\n")

    with pytest.raises(SourceNotSetUp) as caught:
        sync(con, raw_dir, FIRST_LOAD)

    assert "not set up" in str(caught.value) and str(landing) in str(caught.value)
    # The models built on it build empty instead of failing for want of a table.
    assert con.execute(f"select count(*) from {TABLE}").fetchone() == (0,)
    assert con.execute(f"select count(*) from {LEDGER}").fetchone() == (0,)


# --- refusals ---------------------------------------------------------------------------------


def test_a_bad_file_next_to_good_ones_is_refused_by_name_while_the_good_ones_load(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, landing: Path
) -> None:
    _land(landing, MONTHS_24, HISTORICAL, PRE2019)
    sync(con, raw_dir, FIRST_LOAD)
    months_24_before = _rows_of(con, MONTHS_24)

    # In the same run: a new good file, a changed good file, a removed file, and a bad file
    # (a copy of a real slice with one negative count on line 7). Only the bad file is refused.
    _land(landing, CONNECT)
    _with_one_count_changed(landing / HISTORICAL, 13, "1")
    (landing / PRE2019).unlink()
    bad = landing / "MPS_Borough_Level_Crime_most_recent_24_months_202108-202201.csv"
    shutil.copyfile(FIXTURES / MONTHS_24, bad)
    _with_one_count_changed(bad, 7, "-4")
    last_month = _records(FIXTURES / MONTHS_24)[0][-1]

    report = sync(con, raw_dir, SECOND_LOAD)

    assert [v.name for v in report.refused] == [bad.name]
    refusal = report.refused[0]
    assert (refusal.check, refusal.where) == ("contract", f"row 7, column '{last_month}'")
    assert "whole numbers" in refusal.rule and "'-4'" in refusal.rule
    assert refusal.message == f"{bad.name}: {refusal.where}: {refusal.rule}"
    assert refusal.sha256 == _sha(bad)
    assert _ledger(con, bad.name) == [
        (_sha(bad), "refused", "contract", refusal.where, refusal.rule)
    ]
    assert _rows_of(con, bad.name) == []

    assert _names(report.loaded) == sorted([CONNECT, HISTORICAL])
    assert [v.name for v in report.removed] == [PRE2019]
    assert [v.name for v in report.unchanged] == [MONTHS_24]
    assert _rows_of(con, MONTHS_24) == months_24_before
    assert _rows_of(con, PRE2019) == []
    assert con.execute(
        f"select distinct source_sha256 from {TABLE} where source_file = ?", [HISTORICAL]
    ).fetchall() == [(_sha(landing / HISTORICAL),)]
    header, body = _records(FIXTURES / CONNECT)
    assert len(_rows_of(con, CONNECT)) == len(body) * (len(header) - 3)


def test_every_bad_file_in_a_run_is_named_with_its_place_and_rule(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, landing: Path
) -> None:
    _land(landing, MONTHS_24)
    (landing / "a_ward_file.csv").write_bytes(
        b"MajorText,MinorText,WardName,WardCode,LookUp_BoroughName,202208\r\n"
        b"Burglary,Domestic Burglary,Underhill,E05000063,Barnet,3\r\n"
    )
    (landing / "b_empty.csv").write_bytes(b"")
    # Line 13 of the 24-month slice is Barnet, Violence with Injury: the contract holds, but
    # the gate knows no borough of that name.
    gate = landing / "c_unknown_borough.csv"
    shutil.copyfile(FIXTURES / MONTHS_24, gate)
    _with_borough_renamed(gate, 13, "Barnet", "Gotham City")

    report = sync(con, raw_dir, FIRST_LOAD)

    refused = {v.name: v for v in report.refused}
    assert sorted(refused) == ["a_ward_file.csv", "b_empty.csv", "c_unknown_borough.csv"]
    assert (refused["a_ward_file.csv"].check, refused["a_ward_file.csv"].where) == (
        "contract",
        "header",
    )
    assert "ward-level" in refused["a_ward_file.csv"].rule
    assert (refused["b_empty.csv"].check, refused["b_empty.csv"].where) == ("contract", "file")
    assert "empty" in refused["b_empty.csv"].rule
    unknown = refused["c_unknown_borough.csv"]
    assert (unknown.check, unknown.where) == ("known_boroughs", "row 13")
    assert "Gotham City" in unknown.rule
    for name, verdict in refused.items():
        assert verdict.message.startswith(f"{name}: ")
        assert _ledger(con, name) == [
            (_sha(landing / name), "refused", verdict.check, verdict.where, verdict.rule)
        ]
    assert [v.name for v in report.loaded] == [MONTHS_24]
    assert con.execute(f"select distinct source_file from {TABLE}").fetchall() == [(MONTHS_24,)]


@pytest.mark.parametrize(
    ("fault", "check"),
    [("negative count", "contract"), ("unknown borough", "known_boroughs")],
)
def test_a_refused_replacement_leaves_the_previous_versions_rows_in_place(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, landing: Path, fault: str, check: str
) -> None:
    _land(landing, MONTHS_24, HISTORICAL)
    sync(con, raw_dir, FIRST_LOAD)
    before = _dump(con)

    if fault == "negative count":
        _with_one_count_changed(landing / MONTHS_24, 7, "-4")
    else:
        _with_borough_renamed(landing / MONTHS_24, 13, "Barnet", "Gotham City")
    report = sync(con, raw_dir, SECOND_LOAD)

    assert [(v.name, v.check) for v in report.refused] == [(MONTHS_24, check)]
    assert report.loaded == [] and report.removed == []
    assert _dump(con) == before
    assert [f.sha256 for f in report.accepted if f.name == MONTHS_24] == [
        _sha(FIXTURES / MONTHS_24)
    ]
    refusal = report.refused[0]
    assert _ledger(con, MONTHS_24) == [
        (_sha(FIXTURES / MONTHS_24), "accepted", None, None, None),
        (_sha(landing / MONTHS_24), "refused", check, refusal.where, refusal.rule),
    ]


def test_a_refused_file_put_right_is_accepted_on_the_next_sync(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, landing: Path
) -> None:
    _land(landing, MONTHS_24)
    _with_one_count_changed(landing / MONTHS_24, 7, "-4")
    first = sync(con, raw_dir, FIRST_LOAD)
    assert [v.name for v in first.refused] == [MONTHS_24]
    assert _dump(con) == []

    _land(landing, MONTHS_24)  # the publisher's file, as it should have been
    second = sync(con, raw_dir, SECOND_LOAD)

    assert [v.name for v in second.loaded] == [MONTHS_24]
    assert con.execute(f"select distinct source_sha256 from {TABLE}").fetchall() == [
        (_sha(FIXTURES / MONTHS_24),)
    ]
    assert (_sha(FIXTURES / MONTHS_24), "accepted", None, None, None) in _ledger(con, MONTHS_24)


def test_a_refusal_stands_until_the_accepted_version_is_put_back(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, landing: Path
) -> None:
    # The refusal is of one version: with the accepted version back in the folder under the
    # same name, nothing refused is left to make the source stale.
    _land(landing, MONTHS_24)
    accepted_sha = _sha(landing / MONTHS_24)
    sync(con, raw_dir, FIRST_LOAD)
    before = _dump(con)

    _with_one_count_changed(landing / MONTHS_24, 7, "-4")
    refused_sha = _sha(landing / MONTHS_24)
    # Refused, and still refused on the next sync while that version stays.
    for when in (SECOND_LOAD, THIRD_LOAD):
        assert [v.name for v in sync(con, raw_dir, when).refused] == [MONTHS_24]
        assert [(sha, status) for sha, status, *_ in _ledger(con, MONTHS_24)] == [
            (accepted_sha, "accepted"),
            (refused_sha, "refused"),
        ]

    _land(landing, MONTHS_24)
    restored = sync(con, raw_dir, THIRD_LOAD + (THIRD_LOAD - SECOND_LOAD))

    assert restored.refused == [] and restored.loaded == []
    assert [(sha, status) for sha, status, *_ in _ledger(con, MONTHS_24)] == [
        (accepted_sha, "accepted"),
        (refused_sha, "withdrawn"),
    ]
    assert _dump(con) == before


def test_the_ledger_follows_a_file_from_accepted_to_superseded_to_removed(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, landing: Path
) -> None:
    _land(landing, MONTHS_24)
    first_sha = _sha(landing / MONTHS_24)
    sync(con, raw_dir, FIRST_LOAD)
    assert [status for _, status, *_ in _ledger(con, MONTHS_24)] == ["accepted"]

    _with_one_count_changed(landing / MONTHS_24, 13, "999")
    second_sha = _sha(landing / MONTHS_24)
    sync(con, raw_dir, SECOND_LOAD)
    assert [(sha, status) for sha, status, *_ in _ledger(con, MONTHS_24)] == [
        (first_sha, "superseded"),
        (second_sha, "accepted"),
    ]

    (landing / MONTHS_24).unlink()
    sync(con, raw_dir, THIRD_LOAD)
    assert [(sha, status) for sha, status, *_ in _ledger(con, MONTHS_24)] == [
        (first_sha, "superseded"),
        (second_sha, "removed"),
    ]
    checked = con.execute(
        f"select source_sha256, first_seen_at, checked_at from {LEDGER} order by first_seen_at"
    ).fetchall()
    assert checked == [
        (first_sha, _naive_utc(FIRST_LOAD), _naive_utc(SECOND_LOAD)),
        (second_sha, _naive_utc(SECOND_LOAD), _naive_utc(THIRD_LOAD)),
    ]


# --- regressions -------------------------------------------------------------------------------


def test_a_file_with_a_header_and_no_rows_is_refused_on_every_sync_and_never_loaded(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, landing: Path
) -> None:
    """A header-only file once parsed to zero rows, so nothing in the table recorded it and
    every later sync found it "new". It is refused now (a borough-level file always has rows),
    on every sync while it stays, with one ledger row that keeps when it was first seen.
    """
    _land(landing, MONTHS_24)
    header_only = landing / "header_only.csv"
    header_only.write_bytes(b"MajorText,MinorText,LookUp_BoroughName,202107,202108\r\n")

    reports = [sync(con, raw_dir, loaded_at) for loaded_at in (FIRST_LOAD, SECOND_LOAD)]

    assert [[v.name for v in r.refused] for r in reports] == [["header_only.csv"]] * 2
    assert [[v.name for v in r.loaded] for r in reports] == [[MONTHS_24], []]
    assert reports[1].refused[0].where == "row 2"
    assert con.execute(
        f"select source_sha256, status, first_seen_at, checked_at from {LEDGER} "
        "where source_file = 'header_only.csv'"
    ).fetchall() == [
        (_sha(header_only), "refused", _naive_utc(FIRST_LOAD), _naive_utc(SECOND_LOAD))
    ]
    assert _rows_of(con, "header_only.csv") == []


def test_a_raw_table_an_older_version_declared_otherwise_is_rebuilt(tmp_path: Path) -> None:
    """Same column names, but a column's NULL rule or type differs from the declaration (an
    older version of the project: the ASB feed's repeat calls became optional): the table is
    rebuilt as declared, and reloaded from the folder, or the new rows could never load."""
    from orchestration.landing.load import ensure_tables

    def offence_count() -> tuple:
        return con.execute(
            "select data_type, is_nullable from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'met_recorded_crime' "
            "and column_name = 'offence_count'"
        ).fetchone()

    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        assert ensure_tables(con, SOURCE) is False
        assert ensure_tables(con, SOURCE) is False  # as declared: left alone
        declared = offence_count()
        assert declared == ("BIGINT", "NO")
        con.execute(f"alter table {TABLE} alter column offence_count drop not null")
        assert ensure_tables(con, SOURCE) is True
        assert offence_count() == declared
        con.execute(f"alter table {TABLE} alter column offence_count type varchar")
        assert ensure_tables(con, SOURCE) is True
        assert offence_count() == declared


def test_a_suite_of_each_files_own_rows_reads_only_the_files_being_landed(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, landing: Path
) -> None:
    # known_boroughs judges each row on its own: one row per source row of the files it reads.
    _land(landing, MONTHS_24)
    sync(con, raw_dir, FIRST_LOAD)
    _land(landing, HISTORICAL)
    report = sync(con, raw_dir, SECOND_LOAD)
    assert _names(report.loaded) == [HISTORICAL]
    outcomes = {outcome.suite.name: outcome for outcome in report.outcomes}
    _, body = _records(FIXTURES / HISTORICAL)
    assert outcomes["known_boroughs"].result.rows == len(body)
    both = sum(len(_records(FIXTURES / name)[1]) for name in (MONTHS_24, HISTORICAL))
    assert outcomes["known_boroughs"].result.rows < both

    # Nothing new: the per-file suites judge nothing and pass, without reading the table.
    report = sync(con, raw_dir, THIRD_LOAD)
    outcomes = {outcome.suite.name: outcome for outcome in report.outcomes}
    assert outcomes["known_boroughs"].passed
    assert outcomes["known_boroughs"].result.rows == 0
    assert "no new file to judge" in outcomes["known_boroughs"].result.summary()
