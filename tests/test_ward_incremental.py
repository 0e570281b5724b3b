"""The incremental ward models give the figures of a full rebuild.

The sample's two ward releases (raw/met/ward_crime/: 2022-08 on the old wards, 2023-08 on the
2022 wards; boroughs whose wards did not change carry the same 2022 codes in both, so their
months 2021-09 to 2022-08 are in both releases) are landed through the gate once, then held in
a warehouse's raw table (five boroughs' rows) as releases come and go, and dbt builds the
source's model folders and everything upstream (models only). Each state is compared, every
ward model's rows and columns, with a warehouse built from nothing from the same files: the
reference is the plain build of the files, not anything the incremental path writes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from orchestration.landing.load import sync_source
from orchestration.lib.duck import read_write
from orchestration.sources.met_ward_crime import SOURCE
from tests.conftest import DBT, PROJECT_ROOT, SAMPLE_RAW

pytestmark = pytest.mark.xdist_group("ward_incremental")

WARD_FILES = SAMPLE_RAW / "met" / "ward_crime"
OLD = "MPS_Ward_Level_Crime_most_recent_24_months_202009-202208.csv"
NEW = "MPS_Ward_Level_Crime_most_recent_24_months_202109-202308_wards2022.csv"
# Between the two releases: a build as of this date reads the 2022-08 release only.
AS_OF_BETWEEN = "2023-01-31"
# Five boroughs' rows keep the builds short: two whose wards changed in 2022 (a crosswalk each),
# Heathrow's airport command (a 2022 ward of Hillingdon), two whose wards did not (their months
# 2021-09 to 2022-08 in both releases, on the same codes).
BOROUGHS = ["Barnet", "Hillingdon", "Aviation Security (SO18)", "Bexley", "Croydon"]
# Which run recomputed a row: differs between any two builds by design.
RUN_COLUMNS = {"built_at"}
# The ward models and everything upstream (the source's models are its folders).
WARD_MODELS = [f"+path:models/{layer}/met_ward_crime" for layer in ("marts", "reporting")]


def land_both(root: Path) -> Path:
    """Both releases landed through the source's gate into a warehouse of their own."""
    raw, warehouse = root / "raw", root / "landed"
    folder = raw / "met" / "ward_crime"
    folder.mkdir(parents=True)
    for name in (OLD, NEW):
        shutil.copy(WARD_FILES / name, folder / name)
    warehouse.mkdir()
    with read_write(warehouse / "warehouse.duckdb") as con:
        report = sync_source(con, SOURCE, raw)
    assert not report.refused, report.refused
    return warehouse / "warehouse.duckdb"


def hold(warehouse: Path, landed: Path, *files: str) -> None:
    """The warehouse's raw table holds exactly the rows of `files` (of BOROUGHS), as landed: a
    file taken out of the landing folder leaves raw, one put in arrives with its landed rows."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"attach '{landed}' as landed (read_only)")
        con.execute(
            "delete from raw.met_ward_crime where not list_contains(?, source_file) "
            "or not list_contains(?, borough_name)",
            [list(files), BOROUGHS],
        )
        con.execute(
            "insert into raw.met_ward_crime select * from landed.raw.met_ward_crime "
            "where list_contains(?, source_file) and list_contains(?, borough_name) "
            "and source_file not in (select distinct source_file from raw.met_ward_crime)",
            [list(files), BOROUGHS],
        )


def build(warehouse_dir: Path, as_of: str | None = None) -> str:
    """dbt builds the ward models on the warehouse; returns dbt's log of the run."""
    env = {
        "SCP_WAREHOUSE_DIR": str(warehouse_dir),
        "PATH": str(DBT.parent) + ":/usr/bin:/bin",
        "PYTHONPATH": str(PROJECT_ROOT),
        "DBT_LOG_PATH": str(warehouse_dir / "dbt_logs"),
    }
    command = [
        str(DBT),
        "build",
        "--select",
        *WARD_MODELS,
        "--exclude-resource-type",
        "test",
        "--exclude-resource-type",
        "unit_test",
        "--profiles-dir",
        ".",
        "--project-dir",
        ".",
        "--target-path",
        str(warehouse_dir / "dbt_target"),
    ]
    if as_of:
        command += ["--vars", json.dumps({"as_of": as_of})]
    done = subprocess.run(
        command, cwd=PROJECT_ROOT / "dbt_project", env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def ward_relations(warehouse_dir: Path) -> list[str]:
    """Every model of the source's folders (models/<layer>/met_ward_crime/), as schema.name,
    from dbt's manifest."""
    manifest = json.loads((warehouse_dir / "dbt_target" / "manifest.json").read_text())
    return sorted(
        f"{node['schema']}.{node['alias']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][2] == "met_ward_crime"
    )


def fingerprints(warehouse_dir: Path, relations: list[str]) -> dict[str, tuple[int, int]]:
    """Per ward model: (rows, the sum of its rows' hashes), every column but RUN_COLUMNS
    (doubles to 9 decimals: a sum's last bits depend on its order). Equal sums of hashes mean
    the same rows, whatever their order."""
    found = {}
    with duckdb.connect(str(warehouse_dir / "warehouse.duckdb"), read_only=True) as con:
        for relation in relations:
            schema, name = relation.split(".")
            columns = con.execute(
                "select column_name, data_type from duckdb_columns() "
                "where schema_name = ? and table_name = ? order by column_index",
                [schema, name],
            ).fetchall()
            assert columns, f"{relation} is not in {warehouse_dir}"
            values = ", ".join(
                f'round("{column}", 9)' if kind == "DOUBLE" else f'"{column}"'
                for column, kind in columns
                if column not in RUN_COLUMNS
            )
            found[relation] = con.execute(
                f"select count(*), sum(hash({values})::hugeint) from {relation}"
            ).fetchone()
    return found


def assert_same(built: Path, reference: Path, what: str) -> None:
    relations = ward_relations(reference)
    expected, got = fingerprints(reference, relations), fingerprints(built, relations)
    wrong = {
        name: f"{got[name][0]:,} rows against {expected[name][0]:,}"
        for name in relations
        if got[name] != expected[name]
    }
    assert not wrong, f"{what}: not the rows of a full rebuild: {wrong}"
    # Every ward model was compared, with its rows.
    assert len(relations) >= 12
    assert expected["marts.fct_ward_crime_monthly"][0] > 20_000


def test_releases_coming_and_going_give_a_full_rebuilds_figures(tmp_path: Path) -> None:
    landed = land_both(tmp_path)
    # dbt always builds the warehouse in `active` (one path, so dbt parses the project once);
    # the reference warehouses, built from nothing, are kept beside it.
    active = tmp_path / "active"
    active.mkdir()
    references = {}
    for key, files in {"old": (OLD,), "both": (OLD, NEW)}.items():
        shutil.copy(landed, active / "warehouse.duckdb")
        hold(active / "warehouse.duckdb", landed, *files)
        assert "int_ward_crime__latest_release: full rebuild: built from nothing" in build(active)
        references[key] = tmp_path / key
        references[key].mkdir()
        shutil.copy(active / "warehouse.duckdb", references[key] / "warehouse.duckdb")
        shutil.copytree(active / "dbt_target", references[key] / "dbt_target")
    # The comparison tells the two releases' figures apart.
    relations = ward_relations(references["both"])
    assert fingerprints(references["old"], relations) != fingerprints(references["both"], relations)
    # The incremental path starts from the 2022-08 release's warehouse.
    shutil.copy(references["old"] / "warehouse.duckdb", active / "warehouse.duckdb")
    warehouse = active / "warehouse.duckdb"

    # A new release onto the built warehouse: only its keys are recomputed, choosing among both
    # releases (the boroughs whose wards did not change have months 2021-09 to 2022-08 in both).
    hold(warehouse, landed, OLD, NEW)
    log = build(active)
    assert "int_ward_crime__latest_release: incremental: 1 new file(s) (" + NEW in log
    assert "int_ward_measures__on_2022_wards: incremental" in log
    with duckdb.connect(str(warehouse), read_only=True) as con:
        runs = con.execute(
            "select count(distinct built_at) from intermediate.int_ward_crime__latest_release"
        ).fetchone()[0]
    assert runs == 2, "the older release's own months were recomputed, or none was"
    assert_same(active, references["both"], "a new release")

    # A build as of a date between the releases reads the older one only: a full rebuild.
    log = build(active, as_of=AS_OF_BETWEEN)
    assert "int_ward_crime__latest_release: full rebuild: 1 file(s) it was built from" in log
    assert_same(active, references["old"], "an earlier as_of date")

    # The newer release's file removed from the landing folder (from the warehouse built with
    # both): its rows leave raw, and the models are rebuilt whole.
    shutil.copy(references["both"] / "warehouse.duckdb", warehouse)
    hold(warehouse, landed, OLD)
    log = build(active)
    assert "int_ward_crime__latest_release: full rebuild: 1 file(s) it was built from" in log
    assert "int_ward_measures__on_2022_wards: full rebuild" in log
    assert_same(active, references["old"], "a release removed")
