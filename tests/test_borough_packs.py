"""Every borough's pack: `published/borough_packs`, one run per borough partition.

Three boroughs' runs go through the real job into a real Dagster instance, spread over two
worker processes as `make run BOROUGH=all` spreads the 32, from the hand-built published file of
`test_pack_render.py` (May 2021, every London borough in the crime overview) with Sutton's
overview rows removed: Sutton's run fails for want of them, and Barnet's and Camden's packs are
still built, each for its own borough.
"""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.borough_runs import run_every_borough
from orchestration.lib.boroughs import london_boroughs
from orchestration.lib.instance import write_dagster_yaml
from orchestration.lib.partitions import BOROUGH_PACKS
from orchestration.publish.borough_packs import borough_keys, borough_partitions
from tests.test_pack_render import _write_published_db

pytestmark = pytest.mark.xdist_group("borough_packs")

MONTH = "2021-05"
BUILT = {"barnet": "Barnet", "camden": "Camden"}
FAILING = "sutton"


@pytest.fixture(scope="module")
def every_borough(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("borough_packs")
    published = root / "warehouse" / "published" / "marts.duckdb"
    published.parent.mkdir(parents=True)
    _write_published_db(published)
    with duckdb.connect(str(published)) as con:
        con.execute("delete from rpt_crime_overview where borough_name = 'Sutton'")
    home = root / "dagster_home"
    home.mkdir()
    write_dagster_yaml(home)
    with pytest.MonkeyPatch.context() as patcher:
        # The worker processes read these, as the refresh's do.
        patcher.setenv("SCP_WAREHOUSE_DIR", str(root / "warehouse"))
        patcher.setenv("SCP_RAW_DIR", str(root / "raw"))
        patcher.setenv("DAGSTER_HOME", str(home))
        outcomes = {
            o.key: o
            for o in run_every_borough(MONTH, root / "runs.log", keys=[*BUILT, FAILING], workers=2)
        }
        with dg.DagsterInstance.get() as instance:
            materialized = set(instance.get_materialized_partitions(BOROUGH_PACKS))
            runs = {o.key: instance.get_run_by_id(o.run_id) for o in outcomes.values()}
    return {
        "outcomes": outcomes,
        "materialized": materialized,
        "runs": runs,
        "packs": root / "warehouse" / "published" / "packs" / MONTH / "boroughs",
    }


def test_the_partitions_are_the_32_london_boroughs() -> None:
    keys = borough_partitions.get_partition_keys()
    assert len(keys) == 32 == len(london_boroughs())
    assert {"barnet", "kingston-upon-thames", "hammersmith-and-fulham"} <= set(keys)
    assert {borough_keys()[key].name for key in keys} == {b.name for b in london_boroughs()}


def test_one_boroughs_failure_leaves_the_others_built(every_borough: dict) -> None:
    outcomes = every_borough["outcomes"]
    assert {key for key, o in outcomes.items() if o.success} == set(BUILT)
    failed = outcomes[FAILING]
    assert not failed.success
    assert "Sutton" in failed.message and "2021-05" in failed.message
    # The UI lists the built boroughs as materialized partitions, and each run under its own.
    assert every_borough["materialized"] == set(BUILT)
    for key, run in every_borough["runs"].items():
        assert run is not None and run.tags["dagster/partition"] == key
        assert run.job_name == "borough_packs"
    assert not (every_borough["packs"] / FAILING).exists()


@pytest.mark.parametrize("key", sorted(BUILT))
def test_each_pack_is_for_its_own_borough(every_borough: dict, key: str) -> None:
    folder: Path = every_borough["packs"] / key
    html = next(folder.glob("*.html")).read_text(encoding="utf-8")
    name = BUILT[key]
    assert re.search(rf"<title>[^<]*\u2014 {name} \u2014 May 2021</title>", html)
    # The London ranking charts single out this borough, and no other.
    assert re.search(rf"\b{name} [\d.]+ \(this borough\)", html)
    other = next(n for n in BUILT.values() if n != name)
    assert not re.search(rf"\b{other} [\d.]+ \(this borough\)", html)
    assert list(folder.glob("*.xlsx")) and list(folder.glob("*.pdf"))
