"""What a refresh does not do twice: the seeds' own tests, and the catalogue.

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
    project_digest,
    seed_tests_stamp,
    data_tests_of_seeds,
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
