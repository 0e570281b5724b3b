"""dbt's unit tests: every KPI model's arithmetic on fixed rows worked by hand.

A refresh leaves them out (`--exclude-resource-type unit_test`): they test the code, not the
data. They run here once, with `dbt test`, against the session's warehouse (dbt reads the
column types of each model's parents from it), after the session's refresh has built it.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DBT, PipelineRun

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("session")]


@pytest.fixture(scope="module")
def unit_test_results(
    pipeline: PipelineRun, extended_dbt_project: Any, tmp_path_factory: pytest.TempPathFactory
) -> list[dict[str, Any]]:
    project = Path(extended_dbt_project.project_dir)
    target = tmp_path_factory.mktemp("dbt_unit_tests")
    completed = subprocess.run(
        [
            str(DBT),
            "test",
            "--select",
            "test_type:unit",
            "--target-path",
            str(target),
            "--profiles-dir",
            ".",
            "--project-dir",
            ".",
        ],  # fmt: skip
        cwd=project,
        env={**os.environ, "SCP_WAREHOUSE_DIR": str(pipeline.warehouse_dir)},
        capture_output=True,
        text=True,
        check=False,
    )
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    assert results, completed.stdout[-3000:]
    return results


def test_every_unit_test_of_the_project_ran(unit_test_results: list[dict[str, Any]]) -> None:
    manifest = json.loads(
        (Path(__file__).resolve().parents[1] / "dbt_project/target/manifest.json").read_text(
            encoding="utf-8"
        )
    )
    declared = {node["name"] for node in manifest["unit_tests"].values()}
    ran = {result["unique_id"].rsplit(".", 1)[-1] for result in unit_test_results}
    assert len(declared) >= 40
    assert declared <= ran


def test_every_unit_test_passes(unit_test_results: list[dict[str, Any]]) -> None:
    failed = [
        f"{result['unique_id']}: {result['status']}: {(result.get('message') or '')[:400]}"
        for result in unit_test_results
        if result["status"] != "pass"
    ]
    assert not failed, "\n".join(failed)
