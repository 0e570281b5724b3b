"""What a refresh does not do twice (the seeds' own tests, the catalogue), and the row count it
reports for a table it changed in place.

The data tests that read only seeds give the same verdict while the project's files are the
same, so once they have all passed a stamp under the dbt project's target folder says so and
later builds leave them out. dbt's documentation site is kept there under its key, so a new
warehouse of the same project and tables takes it instead of running `dbt docs generate`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orchestration.lib.duck import read_only
from orchestration.transform.assets import (
    catalogue_key,
    data_tests_of_seeds,
    project_digest,
    seed_tests_stamp,
    write_catalogue,
)
from tests.conftest import PipelineRun

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("session")]


def manifest_of(project: Any) -> dict[str, Any]:
    return json.loads(Path(project.manifest_path).read_text(encoding="utf-8"))


def test_the_tests_left_out_are_those_that_read_seeds_and_nothing_else(
    extended_dbt_project: Any,
) -> None:
    manifest = manifest_of(extended_dbt_project)
    seeds_only = data_tests_of_seeds(manifest)
    by_name = {
        node["name"]: node for node in manifest["nodes"].values() if node["resource_type"] == "test"
    }
    # Between two seeds: a seed's rule.
    assert (
        "relationships_borough_name_aliases_borough_code__borough_code__ref_london_boroughs_"
        in seeds_only
    )
    assert "unique_london_boroughs_borough_code" in seeds_only
    # A seed and a model: a verdict on the data, so it runs in every build.
    assert "relationships_kpi_public_confidence_measure__measure__ref_pas_measures_" in by_name
    assert (
        "relationships_kpi_public_confidence_measure__measure__ref_pas_measures_" not in seeds_only
    )
    assert "assert_overview_covers_every_borough_and_measure" not in seeds_only
    for name in seeds_only:
        read = by_name[name]["depends_on"]["nodes"]
        assert read and all(node.startswith("seed.") for node in read), name
    # The rest of the tests (every model's) still run.
    assert len(seeds_only) < len(by_name) / 2


def test_the_first_build_ran_the_seeds_tests_and_left_its_stamp(
    pipeline: PipelineRun, extended_dbt_project: Any
) -> None:
    """The session's project is a fresh copy, so its first build has no stamp to trust."""
    seeds_only = data_tests_of_seeds(manifest_of(extended_dbt_project))
    with read_only(pipeline.warehouse) as con:
        verdicts = dict(
            con.execute(
                "select name, status from audit.dbt_results where resource_type = 'test'"
            ).fetchall()
        )
    assert {name: verdicts.get(name) for name in seeds_only} == dict.fromkeys(seeds_only, "pass")
    stamp = seed_tests_stamp(extended_dbt_project, project_digest(extended_dbt_project))
    assert stamp.is_file()


def test_a_new_warehouse_of_the_same_project_and_tables_takes_the_kept_catalogue(
    pipeline: PipelineRun, extended_dbt_project: Any, tmp_path: Path
) -> None:
    key = catalogue_key(project_digest(extended_dbt_project), pipeline.warehouse, None)
    to = tmp_path / "catalogue" / "index.html"
    # No dbt and no build to run it from: only the kept site can answer.
    assert write_catalogue(None, None, extended_dbt_project, to, key) == ""  # type: ignore[arg-type]
    built = pipeline.warehouse_dir / "catalogue" / "index.html"
    assert to.read_bytes() == built.read_bytes()
    assert (to.parent / ".key").read_text(encoding="utf-8") == key


def test_a_counted_relations_row_count_leaves_out_deleted_rows_and_counts_a_view(
    tmp_path: Path,
) -> None:
    """DuckDB's kept count (estimated_size) still holds deleted rows; the count the UI shows for
    an incremental model must not."""
    import dagster as dg
    import duckdb

    from orchestration.transform.assets import _row_counts

    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.grid as select range as month from range(1000)")
        con.execute("create table marts.kept as select range as month from range(1000)")
        # A new release: its 300 months deleted, 200 of them written again.
        con.execute("delete from marts.grid where month >= 700")
        con.execute("insert into marts.grid select range + 700 from range(200)")
        con.execute("delete from marts.kept where month >= 700")
        # A published view (fct_ward_crime_monthly is one): DuckDB keeps no count of its rows.
        con.execute("create view marts.facts as select * from marts.grid where month < 100")
    grid, kept = dg.AssetKey(["marts", "grid"]), dg.AssetKey(["marts", "kept"])
    facts = dg.AssetKey(["marts", "facts"])
    counts = _row_counts(warehouse, [grid, kept, facts], {("marts", "grid"), ("marts", "facts")})
    assert counts[grid] == 900
    assert counts[facts] == 100
    # Left to DuckDB's kept count, the same kind of table is overstated.
    assert counts[kept] == 1000


def test_the_counted_relations_are_the_incremental_models_and_the_published_views() -> None:
    """Read from the project's own manifest: which models the UI's row counts count."""
    import json

    from orchestration.transform.assets import counted_relations, dbt_project

    manifest = json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))
    counted = counted_relations(manifest)
    assert ("intermediate", "int_ward_crime__latest_release") in counted
    assert ("intermediate", "int_ward_measures__on_2022_wards") in counted
    assert ("marts", "fct_ward_crime_monthly") in counted
    # A staging view is not published: nothing reads its count.
    assert not {name for schema, name in counted if schema == "staging"}
