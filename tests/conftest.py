"""Session fixtures: one real pipeline run on the sample data, shared by every e2e test.

The graph is materialized once per session (ingest, checks, dbt, publish, pack) into a
temporary warehouse and Dagster instance; tests then assert on many figures. Re-running dbt per
test would make the suite slow without testing more.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_RAW = PROJECT_ROOT / "raw"
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
REPORTING_MONTH = "2021-05"


@dataclass(frozen=True)
class PipelineRun:
    """The session's materialized pipeline."""

    root: Path
    raw_dir: Path
    warehouse_dir: Path
    dagster_home: Path
    result: object
    definitions: object

    @property
    def warehouse(self) -> Path:
        return self.warehouse_dir / "warehouse.duckdb"

    @property
    def published_db(self) -> Path:
        return self.warehouse_dir / "published" / "marts.duckdb"


def _ensure_dbt_manifest() -> None:
    """dagster-dbt reads target/manifest.json at import; `make` parses, a bare pytest may not."""
    if (PROJECT_ROOT / "dbt_project" / "target" / "manifest.json").exists():
        return
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run(
        [str(dbt), "parse", "--quiet", "--profiles-dir", ".", "--project-dir", "."],
        cwd=PROJECT_ROOT / "dbt_project",
        check=True,
    )


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def pipeline_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """A private copy of raw/ and an empty warehouse and Dagster home, set in the environment
    the way `make` sets them (dbt reads SCP_WAREHOUSE_DIR from it)."""
    root = tmp_path_factory.mktemp("pipeline")
    raw_dir = root / "raw"
    shutil.copytree(SAMPLE_RAW, raw_dir)
    env = {
        "SCP_RAW_DIR": raw_dir,
        "SCP_WAREHOUSE_DIR": root / "warehouse",
        "DAGSTER_HOME": root / "dagster_home",
        "SCP_BOROUGH": "Barnet",
    }
    env["DAGSTER_HOME"].mkdir()
    patcher = pytest.MonkeyPatch()
    for name, value in env.items():
        patcher.setenv(name, str(value))
    patcher.delenv("SCP_MPS_URL", raising=False)
    # dagster-dbt looks for the dbt executable on PATH.
    patcher.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    from orchestration.lib.instance import write_dagster_yaml

    write_dagster_yaml(env["DAGSTER_HOME"])
    yield env
    patcher.undo()


@pytest.fixture(scope="session")
def pipeline(pipeline_env: dict[str, Path]) -> PipelineRun:
    """The monthly refresh for 2021-05, run once through Dagster into a real instance."""
    _ensure_dbt_manifest()
    import dagster as dg

    from orchestration.definitions import build_definitions
    from orchestration.lib.config import Settings

    definitions = build_definitions(Settings.from_env())
    job = definitions.resolve_job_def("monthly_refresh")
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance, partition_key=REPORTING_MONTH, raise_on_error=False
        )
    assert result.success, "the session's pipeline run failed; see the log above"
    return PipelineRun(
        root=pipeline_env["SCP_RAW_DIR"].parent,
        raw_dir=pipeline_env["SCP_RAW_DIR"],
        warehouse_dir=pipeline_env["SCP_WAREHOUSE_DIR"],
        dagster_home=pipeline_env["DAGSTER_HOME"],
        result=result,
        definitions=definitions,
    )
