"""Session fixtures: one real pipeline run on the sample data, shared by every e2e test.

The graph is materialized once per session (ingest with its gates, dbt, publish, pack) into a
temporary warehouse and Dagster instance, with a quarterly source declared only for the tests
(`tests/support/quarterly_source`) beside the discovered sources; tests then assert on many
figures. Re-running dbt per test would make the suite slow without testing more.

A scenario that needs another refresh (bad files landed, a build as of a date) runs once, in a
copy of the session's folders (`scenario`), and every test of it reads that one run: the
session's own published copy is never changed, so tests in any order see the same state.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_RAW = PROJECT_ROOT / "raw"
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
REPORTING_MONTH = "2021-05"
DBT = Path(sys.executable).with_name("dbt")


@dataclass(frozen=True)
class PipelineRun:
    """The session's materialized pipeline."""

    root: Path
    raw_dir: Path
    warehouse_dir: Path
    dagster_home: Path
    result: Any
    definitions: Any

    @property
    def warehouse(self) -> Path:
        return self.warehouse_dir / "warehouse.duckdb"

    @property
    def published_db(self) -> Path:
        return self.warehouse_dir / "published" / "marts.duckdb"

    @property
    def manifest(self) -> Path:
        return self.warehouse_dir / "published" / "manifest.json"

    def records(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """The rows a query of the published copy returns, each as {column: value}."""
        from orchestration.lib.duck import published

        with published(self.published_db) as con:
            cursor = con.execute(sql, params or [])
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def dbt_parse(project_dir: Path) -> None:
    subprocess.run(
        [str(DBT), "parse", "--quiet", "--profiles-dir", ".", "--project-dir", "."],
        cwd=project_dir,
        check=True,
    )


def _ensure_dbt_manifest() -> None:
    """dagster-dbt reads target/manifest.json at import; `make` parses, a bare pytest may not."""
    if not (PROJECT_ROOT / "dbt_project" / "target" / "manifest.json").exists():
        dbt_parse(PROJECT_ROOT / "dbt_project")


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def extended_dbt_project(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A copy of the dbt project with the test-only quarterly source's models, parsed."""
    _ensure_dbt_manifest()
    from dagster_dbt import DbtProject

    from tests.support import quarterly_source

    copy = tmp_path_factory.mktemp("dbt") / "dbt_project"
    shutil.copytree(
        PROJECT_ROOT / "dbt_project",
        copy,
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml"),
    )
    # dbt reads the KPI definitions' doc blocks from the project's docs/ (docs-paths).
    shutil.copytree(PROJECT_ROOT / "docs", copy.parent / "docs")
    quarterly_source.install_dbt_models(copy)
    dbt_parse(copy)
    return DbtProject(project_dir=copy, profiles_dir=copy)


@pytest.fixture(scope="session")
def pipeline_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """A private copy of raw/ (plus the test source's sample) and an empty warehouse and
    Dagster home, set in the environment the way `make` sets them (dbt reads
    SCP_WAREHOUSE_DIR from it)."""
    from tests.support import quarterly_source

    root = tmp_path_factory.mktemp("pipeline")
    raw_dir = root / "raw"
    shutil.copytree(SAMPLE_RAW, raw_dir)
    landing = quarterly_source.SOURCE.landing_folder(raw_dir)
    landing.mkdir(parents=True)
    shutil.copy(quarterly_source.SAMPLE, landing)
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
    for name in ("SCP_MPS_URL", "SCP_FRESHNESS_DEADLINE_DAY"):
        patcher.delenv(name, raising=False)
    # dagster-dbt looks for the dbt executable on PATH.
    patcher.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    from orchestration.lib.instance import write_dagster_yaml

    write_dagster_yaml(env["DAGSTER_HOME"])
    yield env
    patcher.undo()


def session_definitions(extended_dbt_project: Any) -> Any:
    """The code location with the test-only source and its check across sources."""
    from orchestration.definitions import build_definitions
    from orchestration.lib.config import Settings
    from tests.support import quarterly_source

    return build_definitions(
        Settings.from_env(),
        extra_sources=(quarterly_source.SOURCE,),
        dbt_project=extended_dbt_project,
        cross_source_checks=(quarterly_source.CROSS_CHECK,),
    )


def run_refresh(
    definitions: Any, month: str = REPORTING_MONTH, as_of: str = "", **kwargs: Any
) -> Any:
    """The refresh job through Dagster, into the session's instance."""
    import dagster as dg

    job = definitions.resolve_job_def("refresh")
    with dg.DagsterInstance.get() as instance:
        return job.execute_in_process(
            instance=instance,
            partition_key=month,
            raise_on_error=False,
            run_config={"resources": {"vintage": {"config": {"as_of": as_of}}}},
            **kwargs,
        )


@pytest.fixture(scope="session")
def pipeline(pipeline_env: dict[str, Path], extended_dbt_project: Any) -> PipelineRun:
    """The refresh for 2021-05, run once through Dagster into a real instance."""
    definitions = session_definitions(extended_dbt_project)
    result = run_refresh(definitions)
    assert result.success, "the session's pipeline run failed; see the log above"
    return PipelineRun(
        root=pipeline_env["SCP_RAW_DIR"].parent,
        raw_dir=pipeline_env["SCP_RAW_DIR"],
        warehouse_dir=pipeline_env["SCP_WAREHOUSE_DIR"],
        dagster_home=pipeline_env["DAGSTER_HOME"],
        result=result,
        definitions=definitions,
    )


def scenario(
    base: PipelineRun,
    project: Any,
    root: Path,
    prepare: Callable[[Path], None],
    *,
    month: str = REPORTING_MONTH,
    as_of: str = "",
    env: Mapping[str, str] | None = None,
) -> PipelineRun:
    """One more refresh, in a copy of `base`'s landing folders and warehouse (its published copy
    too) under `root`, after `prepare(raw_dir)` has changed the folders. The run goes into the
    session's Dagster instance; dbt finds the copy through SCP_WAREHOUSE_DIR, set while the run
    lasts."""
    raw_dir, warehouse_dir = root / "raw", root / "warehouse"
    shutil.copytree(base.raw_dir, raw_dir)
    shutil.copytree(base.warehouse_dir, warehouse_dir, ignore=shutil.ignore_patterns("logs"))
    prepare(raw_dir)
    with pytest.MonkeyPatch.context() as patcher:
        patcher.setenv("SCP_RAW_DIR", str(raw_dir))
        patcher.setenv("SCP_WAREHOUSE_DIR", str(warehouse_dir))
        for name, value in (env or {}).items():
            patcher.setenv(name, value)
        definitions = session_definitions(project)
        result = run_refresh(definitions, month, as_of)
    return PipelineRun(
        root=root,
        raw_dir=raw_dir,
        warehouse_dir=warehouse_dir,
        dagster_home=base.dagster_home,
        result=result,
        definitions=definitions,
    )
