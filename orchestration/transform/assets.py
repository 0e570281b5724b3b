"""dbt: staging, intermediate, marts and the pack's reporting tables, as Dagster assets.

The build runs in two passes so that one source's failing test cannot hold back another's
tables: first every seed and model (`dbt build` without tests), then every data and unit test
(`dbt test`). Each node's verdict goes to `audit.dbt_results`, grouped by the dbt group that owns
it (a source, or `reference`), and the publish step publishes each group whose nodes all passed
(docs/decisions.md, "Per-source write-audit-publish"). Tests still show as asset checks in the
UI; they are not Dagster-blocking, because one failing test would then stop the shared build
step, and with it every source.
"""

import json
import re
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pandas as pd
from dagster import AssetExecutionContext
from dagster_dbt import (
    DagsterDbtTranslator,
    DbtCliInvocation,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from orchestration.lib.config import DBT_PROJECT_DIR
from orchestration.lib.duck import WarehouseUnavailable, read_write, registered
from orchestration.lib.partitions import WAREHOUSE_POOL
from orchestration.lib.resources import PipelineSettings, Vintage

OWNERS = ["team:community-safety-data"]
DBT_RESULTS = "audit.dbt_results"
# Statuses dbt reports for a node that did not do its job; the publish step holds back the
# groups that have one (orchestration/publish/publish.sql reads the same list from here).
FAILED_STATUSES = ("error", "fail", "skipped", "runtime error")
# Schemas whose tables are published for analysts and the pack.
PUBLISHED_SCHEMAS = ("marts", "reporting")

# The dbt installed beside this Python, so the code location loads whatever PATH says.
_VENV_DBT = Path(sys.executable).with_name("dbt")
DBT_EXECUTABLE = str(_VENV_DBT) if _VENV_DBT.exists() else "dbt"


def make_dbt_project(project_dir: Path = DBT_PROJECT_DIR) -> DbtProject:
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)
    # Parses only under `dagster dev`; elsewhere `make` has run `dbt parse` already.
    project.prepare_if_dev()
    return project


dbt_project = make_dbt_project()


@cache
def load_manifest(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def node_group(manifest: Mapping[str, Any], unique_id: str) -> str:
    """The dbt group that owns a node; a test belongs to the group of what it tests."""
    node = manifest["nodes"].get(unique_id) or manifest.get("unit_tests", {}).get(unique_id) or {}
    group = node.get("group") or node.get("config", {}).get("group")
    if group:
        return str(group)
    for parent in node.get("depends_on", {}).get("nodes", []):
        if parent.startswith(("model.", "seed.", "snapshot.")):
            return node_group(manifest, parent)
    return ""


class WarehouseTranslator(DagsterDbtTranslator):
    """Models and seeds are keyed [schema, name] like the warehouse tables they build, and
    grouped by the dbt group that owns them (a source, or `reference`); sources take the
    ingest assets' keys from their `meta.dagster.asset_key`, so lineage is one graph."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_group_name(dbt_resource_props)
        group = dbt_resource_props.get("group") or dbt_resource_props.get("config", {}).get("group")
        return group or dbt_resource_props["schema"]

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return OWNERS

    def get_asset_check_spec(
        self,
        asset_spec: dg.AssetSpec,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: DbtProject | None,
    ) -> dg.AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        # The gate is the publish step's, per group; see the module docstring.
        return dg.AssetCheckSpec(
            name=spec.name,
            asset=spec.asset_key,
            description=spec.description,
            additional_deps=spec.additional_deps,
            metadata=spec.metadata,
            blocking=False,
        )


translator = WarehouseTranslator()


def published_tables(project: DbtProject) -> dict[str, list[tuple[str, str]]]:
    """dbt group -> the (schema, table) it publishes: its models in the published schemas."""
    manifest = load_manifest(project.manifest_path)
    tables: dict[str, list[tuple[str, str]]] = {}
    for unique_id, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] != "model" or node["schema"] not in PUBLISHED_SCHEMAS:
            continue
        tables.setdefault(node_group(manifest, unique_id), []).append(
            (node["schema"], node["name"])
        )
    return tables


def _row_counts(warehouse: Path, keys: list[dg.AssetKey]) -> dict[dg.AssetKey, int]:
    """Row counts of the tables dbt just built, read once dbt has let go of the file."""
    counts: dict[dg.AssetKey, int] = {}
    with read_write(warehouse) as con:
        existing = set(
            con.execute("select table_schema, table_name from information_schema.tables").fetchall()
        )
        for key in keys:
            if len(key.path) == 2 and tuple(key.path) in existing:
                schema, table = key.path
                row = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
                counts[key] = int(row[0]) if row else 0
    return counts


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _plain_text(message: str) -> str:
    """dbt's message without its terminal colours."""
    return _ANSI.sub("", message).strip()


def affected_groups(manifest: Mapping[str, Any], unique_id: str) -> set[str]:
    """The groups a node's failure holds back: its own (a test's is its model's), and every
    group with a model downstream of it (built on what failed)."""
    node = manifest["nodes"].get(unique_id) or manifest.get("unit_tests", {}).get(unique_id) or {}
    starts = (
        [
            p
            for p in node.get("depends_on", {}).get("nodes", [])
            if p.startswith(("model.", "seed."))
        ]
        if unique_id.startswith(("test.", "unit_test."))
        else [unique_id]
    )
    groups = {node_group(manifest, unique_id)}
    seen: set[str] = set()
    while starts:
        current = starts.pop()
        if current in seen:
            continue
        seen.add(current)
        groups.add(node_group(manifest, current))
        starts += [
            child
            for child in manifest.get("child_map", {}).get(current, [])
            if child.startswith(("model.", "seed.", "snapshot."))
        ]
    return {group for group in groups if group}


def node_results(
    manifest: Mapping[str, Any], invocations: list[DbtCliInvocation], started_at: datetime
) -> pd.DataFrame:
    """One row per node dbt ran in this build and group it concerns: a node that failed has a
    row for every group it holds back (`affected_groups`)."""
    rows = []
    for invocation in invocations:
        try:
            results = invocation.get_artifact("run_results.json")["results"]
        except (FileNotFoundError, KeyError, ValueError):
            continue
        for result in results:
            unique_id = result["unique_id"]
            node = manifest["nodes"].get(unique_id) or manifest.get("unit_tests", {}).get(
                unique_id, {}
            )
            status = str(result["status"])
            groups = (
                affected_groups(manifest, unique_id)
                if status in FAILED_STATUSES
                else {node_group(manifest, unique_id)}
            )
            rows += [
                {
                    "build_started_at": started_at.replace(tzinfo=None),
                    "unique_id": unique_id,
                    "resource_type": node.get("resource_type", unique_id.split(".")[0]),
                    "name": node.get("name", unique_id),
                    "group_name": group,
                    "status": status,
                    "failures": result.get("failures"),
                    "message": _plain_text(result.get("message") or "")[:2000],
                }
                for group in sorted(groups) or [""]
            ]
    return pd.DataFrame(
        rows,
        columns=[
            "build_started_at",
            "unique_id",
            "resource_type",
            "name",
            "group_name",
            "status",
            "failures",
            "message",
        ],
    )


def record_results(warehouse: Path, results: pd.DataFrame) -> None:
    """Replaces `audit.dbt_results` with this build's verdicts."""
    with read_write(warehouse) as con, registered(con, "results", results):
        con.execute("create schema if not exists audit")
        con.execute(f"create or replace table {DBT_RESULTS} as select * from results")


def build_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    """The dbt assets of `project` (tests build one from a copy with a test-only source)."""

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=translator,
        pool=WAREHOUSE_POOL,
        name="dbt_warehouse",
    )
    def dbt_warehouse(
        context: AssetExecutionContext,
        dbt: DbtCliResource,
        pipeline: PipelineSettings,
        vintage: Vintage,
    ) -> Iterator[Any]:
        """Seeds, staging views, intermediate, mart and reporting tables, then every dbt test.

        `vintage.as_of` (a date) builds from the releases published by then; empty, the latest.
        """
        warehouse = pipeline.settings.warehouse_path
        dbt_vars = ["--vars", json.dumps({"as_of": vintage.as_of or None})]
        started_at = datetime.now(UTC)
        build = dbt.cli(
            [
                "build",
                "--exclude-resource-type",
                "test",
                "--exclude-resource-type",
                "unit_test",
                *dbt_vars,
            ],
            context=context,
            raise_on_error=False,
        )
        events = list(build.stream())
        keys = {
            event.output_name: context.asset_key_for_output(event.output_name)
            for event in events
            if isinstance(event, dg.Output)
        }
        try:
            counts = _row_counts(warehouse, list(keys.values()))
        except (WarehouseUnavailable, duckdb.Error) as exc:
            raise dg.Failure(description=str(exc)) from exc
        for event in events:
            if isinstance(event, dg.Output) and keys[event.output_name] in counts:
                event = event.with_metadata(
                    {**event.metadata, "dagster/row_count": counts[keys[event.output_name]]}
                )
            yield event
        # Tests run even when a model failed, so every group gets a verdict of its own.
        tests = dbt.cli(["test", *dbt_vars], context=context, raise_on_error=False)
        yield from tests.stream()
        invocations = [build, tests]
        manifest = load_manifest(project.manifest_path)
        results = node_results(manifest, invocations, started_at)
        record_results(warehouse, results)
        failed = results[results["status"].isin(FAILED_STATUSES)]
        for row in failed.itertuples():
            first_line = (row.message or "").strip().splitlines()[:1]
            context.log.error(
                f"{row.group_name or 'no group'}: dbt {row.resource_type} {row.name} {row.status}"
                + (f": {first_line[0]}" if first_line else "")
            )
        held_back = ", ".join(sorted(set(failed.group_name)))
        context.log.info(
            f"dbt: {results.unique_id.nunique()} node(s), {failed.unique_id.nunique()} failed"
            + (f"; groups kept at their last publication: {held_back}" if held_back else "")
        )
        if not build.is_successful():
            error = build.get_error()
            raise dg.Failure(
                description=f"dbt could not build every model: {error}",
                metadata={"dbt_log": dg.MetadataValue.path(str(build.target_path))},
            )

    return dbt_warehouse
