"""Vintages: the marts and the pack rebuilt as they stood on a past date, from the real MPS
files in raw/ (release 2021-08, published from 2021-09-01, and release 2022-01, from
2022-02-01). Built in a warehouse of its own, so the session's published copy is untouched.

The expected figures are computed here from the 2021-08 file alone with the csv module
(tests/support/reference.py), and differ from the 2022-01 release's: the Met revised them.
The build uses only the sources these tests read (SCP_SOURCES): the others are not used, so
they hold nothing back and cost nothing.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from orchestration.lib.duck import published
from tests.conftest import PROJECT_ROOT, run_refresh, session_definitions
from tests.support.reference import MEASURES, expected_overview

pytestmark = pytest.mark.e2e

EARLIER_FILE = "MPS_Borough_Level_Crime_most_recent_24_months_201909-202108.csv"
LATER_FILE = "MPS_Borough_Level_Crime_Historical_201004-202201.csv"
CENSUS_SEED = PROJECT_ROOT / "dbt_project" / "seeds" / "population_census2021.csv"
AS_OF = "2021-12-31"  # between the two releases
USED = "met_recorded_crime,mopac_pas,mopac_uss,mopac_iom"


@pytest.fixture(scope="module")
def as_of_run(
    pipeline: Any, extended_dbt_project: Any, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Any, Path]:
    """The refresh for 2021-08 as of 2021-12-31, in a warehouse of its own (dbt finds it
    through SCP_WAREHOUSE_DIR, set only while the run lasts)."""
    warehouse_dir = tmp_path_factory.mktemp("as_of") / "warehouse"
    with pytest.MonkeyPatch.context() as patcher:
        patcher.setenv("SCP_WAREHOUSE_DIR", str(warehouse_dir))
        patcher.setenv("SCP_SOURCES", USED)
        result = run_refresh(session_definitions(extended_dbt_project), "2021-08", as_of=AS_OF)
    return result, warehouse_dir


def overview(database: Path, month: date) -> dict[str, dict]:
    with published(database) as con:
        frame = con.execute(
            "select * from kpi_crime_overview where borough_name = 'Barnet' "
            "and reporting_month = ?",
            [month],
        ).df()
    return {row["measure"]: row for row in frame.to_dict("records")}


def test_a_build_as_of_a_date_between_two_releases_succeeds(as_of_run: tuple[Any, Path]) -> None:
    result, warehouse_dir = as_of_run
    assert result.success
    manifest = json.loads((warehouse_dir / "published" / "manifest.json").read_text())
    unused = {key for key, unit in manifest["sources"].items() if unit["status"] == "not set up"}
    assert "met_crime_dashboard" in unused and not unused & set(USED.split(","))
    assert manifest["sources"]["met_crime_dashboard"]["reason"] == (
        "not among the sources this partnership uses (SCP_SOURCES)"
    )


@pytest.mark.parametrize("measure", MEASURES)
def test_as_of_end_2021_barnet_august_2021_is_the_2021_08_releases_figures(
    as_of_run: tuple[Any, Path], pipeline_env: dict[str, Path], measure: str
) -> None:
    _, warehouse_dir = as_of_run
    folder = pipeline_env["SCP_RAW_DIR"] / "met" / "recorded_crime"
    expected = expected_overview(folder / EARLIER_FILE, CENSUS_SEED, "Barnet", "202108")[measure]
    row = overview(warehouse_dir / "published" / "marts.duckdb", date(2021, 8, 1))[measure]
    assert (row["ytd_volume"], row["r12_volume"], row["r12_volume_prev"]) == (
        expected.ytd,
        expected.r12,
        expected.r12_prev,
    )
    assert row["rate_per_1000"] == pytest.approx(expected.rate, rel=1e-12)
    assert (row["london_rank"], row["london_rank_of"]) == (expected.rank, expected.rank_of)


def test_the_later_release_revised_august_2021_so_as_of_is_what_chose_the_figures(
    as_of_run: tuple[Any, Path], pipeline: Any, pipeline_env: dict[str, Path]
) -> None:
    """Violence with injury, Barnet, R12 to August 2021: the two releases disagree, the as-of
    copy has the earlier one's figure and the session's (latest) copy the later one's."""
    _, warehouse_dir = as_of_run
    folder = pipeline_env["SCP_RAW_DIR"] / "met" / "recorded_crime"
    earlier = expected_overview(folder / EARLIER_FILE, CENSUS_SEED, "Barnet", "202108")
    later = expected_overview(folder / LATER_FILE, CENSUS_SEED, "Barnet", "202108")
    assert earlier["violence_with_injury"].r12 != later["violence_with_injury"].r12
    as_of = overview(warehouse_dir / "published" / "marts.duckdb", date(2021, 8, 1))
    latest = overview(pipeline.published_db, date(2021, 8, 1))
    assert as_of["violence_with_injury"]["r12_volume"] == earlier["violence_with_injury"].r12
    assert latest["violence_with_injury"]["r12_volume"] == later["violence_with_injury"].r12


def test_as_of_the_marts_hold_no_month_the_older_release_lacks(as_of_run: tuple[Any, Path]) -> None:
    _, warehouse_dir = as_of_run
    with published(warehouse_dir / "published" / "marts.duckdb") as con:
        first, last = con.execute(
            "select min(month), max(month) from fct_recorded_crime_monthly "
            "where category_scheme = 'mps_2019'"
        ).fetchone()
    assert (first, last) == (date(2019, 9, 1), date(2021, 8, 1))


def test_the_manifest_and_the_pack_say_as_of_when_and_which_release(
    as_of_run: tuple[Any, Path],
) -> None:
    _, warehouse_dir = as_of_run
    manifest = json.loads((warehouse_dir / "published" / "manifest.json").read_text())
    assert manifest["as_of"] == AS_OF
    crime = manifest["sources"]["met_recorded_crime"]
    assert crime["release"] == "2021-08"
    assert [f["file"] for f in crime["files"]] == [EARLIER_FILE]
    html = warehouse_dir / "published" / "packs" / "2021-08" / "board_pack_barnet_2021-08.html"
    text = html.read_text(encoding="utf-8")
    assert f"As of {AS_OF}" in text
    assert "release 2021-08" in text
    assert "release 2022-01" not in text


def test_as_of_end_2021_the_mopac_marts_hold_only_what_was_released_by_then(
    as_of_run: tuple[Any, Path],
) -> None:
    """Released by 2021-12-31: the IOM return of the July 2021 pack (to 2021 Q2, released
    2021-07-01). Not yet: the PAS exports (Jun-22, Sep-25), the USS and the April 2023 IOM
    returns (2022/23 Q4)."""
    _, warehouse_dir = as_of_run
    database = warehouse_dir / "published" / "marts.duckdb"
    with published(database) as con:
        iom = con.execute(
            "select area, min(period_start), max(period_start), count(*) "
            "from kpi_iom_cohort group by area"
        ).fetchall()
        pas = con.execute("select count(*) from kpi_public_confidence").fetchone()
        uss = con.execute("select count(*) from kpi_victim_satisfaction").fetchone()
    assert iom == [("Barnet", date(2020, 1, 1), date(2021, 4, 1), 6)]
    assert (pas, uss) == ((0,), (0,))
    html = warehouse_dir / "published" / "packs" / "2021-08" / "board_pack_barnet_2021-08.html"
    text = html.read_text(encoding="utf-8")
    assert "No Public Attitude Survey figures for Barnet are published." in text
    assert "No IOM comparison with London is published for Barnet." in text
    assert "2021/22 Q1" in text and "2022/23 Q4" not in text
