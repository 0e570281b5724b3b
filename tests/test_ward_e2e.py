"""End to end: ward-level recorded crime from the session's run on the two real ward files.

raw/met/ward_crime/ holds the Met's ward file to August 2022 (the old wards) and its file to
August 2023 (the 2022 wards, back-cast to September 2021). Expected figures are worked out here
from those files with the csv module (which rows each measure counts: tests/support/reference),
and ward counts from the ONS codes the source contract names; never from the marts' own SQL.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest

from orchestration.lib.boroughs import Borough
from orchestration.lib.duck import published
from orchestration.publish.pack import build_pack
from tests.conftest import SAMPLE_RAW, PipelineRun
from tests.support.reference import MEASURE_ROWS, month_add, seed_rows

# On the worker that runs the session's refresh (tests/conftest.py), with every test that reads it.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("session")]

WARD_DIR = SAMPLE_RAW / "met" / "ward_crime"
OLD_FILE = WARD_DIR / "MPS_Ward_Level_Crime_most_recent_24_months_202009-202208.csv"
NEW_FILE = WARD_DIR / "MPS_Ward_Level_Crime_most_recent_24_months_202109-202308_wards2022.csv"
BARNET = Borough("E09000003", "Barnet")
# Barnet's wards: 21 before May 2022 (E05000043-E05000063), 24 after (E05013628-E05013651).
BARNET_OLD = {f"E050000{n:02d}" for n in range(43, 64)}
BARNET_NEW = {f"E050136{n:02d}" for n in range(28, 52)}
# Bexley's wards did not change in 2022: both files carry the same codes.
BEXLEY = "Bexley"
KEYS = 5


def volumes(path: Path) -> dict[tuple[str, str, str, str], int]:
    """(measure, borough, ward code, YYYYMM) -> offences, for the board's measures."""
    totals: dict[tuple[str, str, str, str], int] = defaultdict(int)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        for row in reader:
            major, minor, _, code, borough = row[:KEYS]
            for measure, counts in MEASURE_ROWS.items():
                if counts(major, minor):
                    for month, value in zip(header[KEYS:], row[KEYS:], strict=True):
                        totals[measure, borough, code, month] += int(value)
    return totals


def ward_names(path: Path, borough: str) -> dict[str, str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row[3]: row[2] for row in csv.reader(handle) if row[4] == borough}


def months(last: str, count: int) -> list[str]:
    return [month_add(last, -i) for i in range(count)]


@pytest.fixture(scope="module")
def old() -> dict:
    return volumes(OLD_FILE)


@pytest.fixture(scope="module")
def new() -> dict:
    return volumes(NEW_FILE)


def query(pipeline: PipelineRun, sql: str, *params: object) -> list[tuple]:
    with published(pipeline.published_db) as con:
        return con.execute(sql, list(params)).fetchall()


def test_dim_ward_holds_barnets_old_and_2022_wards_by_code(pipeline: PipelineRun) -> None:
    rows = query(
        pipeline,
        "select ward_generation, ward_code, valid_from, valid_to from dim_ward "
        "where borough_code = ?",
        BARNET.code,
    )
    by_generation = defaultdict(set)
    for generation, code, _, _ in rows:
        by_generation[generation].add(code)
    assert by_generation == {"2022": BARNET_NEW, "pre-2022": BARNET_OLD}
    # The 2022 wards took effect at the borough elections of 5 May 2022.
    assert {(r[2], r[3]) for r in rows if r[0] == "2022"} == {(dt.date(2022, 5, 5), None)}
    assert {(r[2], r[3]) for r in rows if r[0] == "pre-2022"} == {(None, dt.date(2022, 5, 4))}


def test_2023_ward_figures_match_the_2022_ward_file(pipeline: PipelineRun, new: dict) -> None:
    """August 2023: both 12-month windows lie inside the 2022-ward file, nothing apportioned."""
    rows = query(
        pipeline,
        "select ward_code, measure, r12_volume, r12_volume_prev, borough_rank, borough_rank_of, "
        "months_apportioned from kpi_ward_overview "
        "where borough_code = ? and reporting_month = date '2023-08-01'",
        BARNET.code,
    )
    assert {(code, measure) for code, measure, *_ in rows} == {
        (code, measure) for code in BARNET_NEW for measure in MEASURE_ROWS
    }
    for code, measure, r12, r12_prev, rank, rank_of, apportioned in rows:
        assert r12 == sum(new[measure, "Barnet", code, m] for m in months("202308", 12))
        assert r12_prev == sum(
            new[measure, "Barnet", code, m] for m in months(month_add("202308", -12), 12)
        )
        # Rank 1 = the fewest; tied wards share the lower rank.
        others = [r for c, ms, r, *_ in rows if ms == measure and c != code]
        assert rank == 1 + sum(other < r12 for other in others)
        assert rank_of == 24 and apportioned == 0


def test_apportioned_months_keep_the_boroughs_total_from_the_old_ward_file(
    pipeline: PipelineRun, old: dict, new: dict
) -> None:
    """August 2022: the previous 12 months (Sep 2020 - Aug 2021) precede the 2022-ward file, so
    each new ward's figure is apportioned; together they are the old wards' total."""
    rows = query(
        pipeline,
        "select measure, sum(r12_volume), sum(r12_volume_prev), min(months_apportioned), "
        "max(months_apportioned), count(*) from kpi_ward_overview "
        "where borough_code = ? and reporting_month = date '2022-08-01' group by measure",
        BARNET.code,
    )
    assert {row[0] for row in rows} == set(MEASURE_ROWS)
    for measure, r12, r12_prev, fewest, most, wards in rows:
        assert wards == 24 and fewest == most == 12
        observed = sum(
            new[measure, "Barnet", c, m] for c in BARNET_NEW for m in months("202208", 12)
        )
        earlier = sum(
            old[measure, "Barnet", c, m] for c in BARNET_OLD for m in months("202108", 12)
        )
        assert r12 == pytest.approx(observed, abs=1e-6)
        assert r12_prev == pytest.approx(earlier, abs=1e-6)


def test_a_borough_whose_wards_did_not_change_has_nothing_apportioned(
    pipeline: PipelineRun, old: dict, new: dict
) -> None:
    codes = set(ward_names(NEW_FILE, BEXLEY))
    assert codes == set(ward_names(OLD_FILE, BEXLEY)), "Bexley keeps its ward codes"
    rows = query(
        pipeline,
        "select ward_code, measure, r12_volume_prev, months_apportioned from kpi_ward_overview "
        "where borough_name = ? and reporting_month = date '2022-08-01'",
        BEXLEY,
    )
    assert {code for code, *_ in rows} == codes
    for code, measure, r12_prev, apportioned in rows:
        assert apportioned == 0
        # Sep 2020 - Aug 2021: only the earlier file has those months.
        assert r12_prev == sum(old[measure, BEXLEY, code, m] for m in months("202108", 12))


def _minor_keys() -> dict[tuple[str, str], str]:
    """(major, minor) as the 2019-layout files write them -> the canonical minor category."""
    return {
        (row["source_major_text"], row["source_minor_text"]): row["minor_category_key"]
        for row in seed_rows("crime_category_map")
        if row["source_layout"] == "mps_2019"
    }


def test_the_ward_fact_is_the_files_cells_with_the_omitted_zeros(pipeline: PipelineRun) -> None:
    """Each ward month from the latest file holding it: Sep 2021 on from the 2022-ward file."""
    keys = _minor_keys()
    expected: dict[tuple[str, str, dt.date], int] = defaultdict(int)
    for path, wards in ((OLD_FILE, BARNET_OLD), (NEW_FILE, BARNET_NEW)):
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            for row in reader:
                if row[3] in wards:
                    for month, value in zip(header[KEYS:], row[KEYS:], strict=True):
                        day = dt.datetime.strptime(month, "%Y%m").date()
                        expected[row[3], keys[row[0], row[1]], day] += int(value)
    rows = query(
        pipeline,
        "select ward_code, minor_category_key, month, offence_count, is_zero_filled "
        "from fct_ward_crime_monthly where borough_code = ?",
        BARNET.code,
    )
    actual = {(code, minor, month): count for code, minor, month, count, _ in rows}
    assert len(actual) == len(rows), "one row per ward, category and month"
    # Every cell the files have, each once (the 2022-ward file's months are not double counted),
    # and the cells they omit are zero-filled rows.
    assert {key: count for key, count in actual.items() if count} == {
        key: count for key, count in expected.items() if count
    }
    assert all(count == 0 for *_, count, zero_filled in rows if zero_filled)
    # Each generation keeps its own months: the old wards to August 2022 (their last file),
    # the 2022 wards from September 2021 (their file's first month).
    spans = {
        generation: (min(months), max(months))
        for generation, codes in (("old", BARNET_OLD), ("2022", BARNET_NEW))
        for months in [[month for code, _, month in actual if code in codes]]
    }
    assert spans == {
        "old": (dt.date(2020, 9, 1), dt.date(2022, 8, 1)),
        "2022": (dt.date(2021, 9, 1), dt.date(2023, 8, 1)),
    }


# Boroughs whose grid is compared row by row: the City (an alias and a handful of wards),
# Hillingdon (Heathrow Villages), Bexley (its codes did not change in 2022) and Barnet.
GRID_BOROUGHS = ("E09000001", "E09000017", "E09000004", BARNET.code)


def test_every_boroughs_ward_grid_is_its_latest_files_rows_and_omitted_zeros(
    pipeline: PipelineRun,
) -> None:
    """The grid: for each borough, ward generation and month, the latest file that has it, each
    of that file's wards of the borough times each category the file carries, its cells summed
    (Heathrow Villages is on two rows, under two boroughs' names) and 0 where the file has no row
    for the ward and category. Worked out from the two files with the csv module and the seeds
    that place a ward (wards_2022, borough_name_aliases) and name a category
    (crime_category_map): every borough's row count and offences, and four boroughs row by row."""
    wards_2022 = {row["ward_code"]: row["borough_code"] for row in seed_rows("wards_2022")}
    aliases = {
        row["source_name"].lower(): row["borough_code"] for row in seed_rows("borough_name_aliases")
    }
    categories = {
        (row["source_major_text"].lower(), row["source_minor_text"].lower()): row[
            "minor_category_key"
        ]
        for row in seed_rows("crime_category_map")
        if row["source_layout"] == "mps_2019"
    }
    wards: dict[str, set[tuple]] = defaultdict(set)  # file -> (borough, is 2022, code, name)
    carried: dict[str, set[str]] = defaultdict(set)  # file -> the categories it carries
    cells: dict[tuple, int] = defaultdict(int)  # (file, ward, category, month) -> offences
    chosen: dict[tuple, tuple[dt.date, str]] = {}  # (borough, is 2022, month) -> (release, file)
    for path in (OLD_FILE, NEW_FILE):
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            days = [dt.datetime.strptime(month, "%Y%m").date() for month in header[KEYS:]]
            for row in reader:
                major, minor, name, code, borough_name = (cell.strip() for cell in row[:KEYS])
                is_2022 = code in wards_2022
                borough = wards_2022[code] if is_2022 else aliases.get(borough_name.lower())
                category = categories.get(
                    (major.lower(), minor.lower()), f"unmapped:{major.lower()}/{minor.lower()}"
                )
                wards[path.name].add((borough, is_2022, code, name))
                carried[path.name].add(category)
                for day, value in zip(days, row[KEYS:], strict=True):
                    cells[path.name, code, category, day] += int(value)
                    key = (borough, is_2022, day)
                    # A file's release is its last month; the later release has the month.
                    chosen[key] = max(chosen.get(key, (dt.date.min, "")), (max(days), path.name))
    expected: dict[tuple, tuple[int, bool]] = {}
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # borough -> [rows, offences]
    for (borough, is_2022, day), (_, name) in chosen.items():
        for ward_borough, ward_is_2022, code, _ in wards[name]:
            if (ward_borough, ward_is_2022) != (borough, is_2022):
                continue
            for category in carried[name]:
                found = cells.get((name, code, category, day))
                totals[borough][0] += 1
                totals[borough][1] += found or 0
                if borough in GRID_BOROUGHS:
                    expected[name, borough, code, category, day] = (found or 0, found is None)
    counted = query(
        pipeline,
        "select borough_code, count(*), sum(offence_count) from fct_ward_crime_monthly "
        "group by borough_code",
    )
    assert {borough: [rows, offences] for borough, rows, offences in counted} == totals
    rows = query(
        pipeline,
        "select source_file, borough_code, ward_code, minor_category_key, month, offence_count, "
        "is_zero_filled from fct_ward_crime_monthly where borough_code in (?, ?, ?, ?)",
        *GRID_BOROUGHS,
    )
    actual = {tuple(row[:5]): (row[5], row[6]) for row in rows}
    assert len(actual) == len(rows), "one row per file, borough, ward, category and month"
    assert actual == expected
    # Heathrow Villages' two rows are one ward of Hillingdon, their cells summed.
    heathrow = {key for key in actual if key[2] == "E05013570"}
    assert heathrow and {key[1] for key in heathrow} == {"E09000017"}
    assert any(count for key, (count, _) in actual.items() if key in heathrow)


def test_the_crosswalk_beats_the_borough_share_split_for_barnet(pipeline: PipelineRun) -> None:
    rows = query(
        pipeline,
        "select old_ward_code, new_ward_code, weight, holdout_wape, baseline_wape "
        "from fct_ward_crosswalk where borough_code = ?",
        BARNET.code,
    )
    assert {r[0] for r in rows} == BARNET_OLD and {r[1] for r in rows} <= BARNET_NEW
    sums: dict[str, float] = defaultdict(float)
    for old_code, _, weight, _, _ in rows:
        sums[old_code] += weight
    assert all(abs(total - 1.0) < 1e-9 for total in sums.values())
    # One error pair per borough, on every row of it.
    ((holdout, baseline),) = {(r[3], r[4]) for r in rows}
    assert holdout < baseline


class _WardTable(HTMLParser):
    """The wards section's table: row header (ward name) -> its cells' text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self._in_section = self._in_body = False
        self._cell: list[str] | None = None
        self._row: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "section":
            self._in_section = values.get("id") == "wards"
        elif self._in_section and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif self._in_body and tag in ("th", "td") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif self._in_body and tag == "tr":
            self.rows[self._row[0]] = self._row[1:]
            self._row = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_the_pack_lists_each_of_barnets_2022_wards_with_its_12_months(
    pipeline: PipelineRun, new: dict, tmp_path: Path
) -> None:
    output = build_pack(pipeline.published_db, tmp_path, BARNET, dt.date(2023, 8, 1))
    table = _WardTable()
    table.feed(output.html_path.read_text(encoding="utf-8"))
    names = ward_names(NEW_FILE, "Barnet")
    assert set(table.rows) == set(names.values())
    for code, name in names.items():
        cells = table.rows[name]
        assert len(cells) == len(MEASURE_ROWS)
        for measure, cell in zip(MEASURE_ROWS, cells, strict=True):
            r12 = sum(new[measure, "Barnet", code, m] for m in months("202308", 12))
            assert cell.split()[0] == f"{r12:,}", (name, measure, cell)
