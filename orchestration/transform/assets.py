"""dbt: staging, intermediate and marts, as Dagster assets in one lineage graph."""

import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.lib.config import DBT_PROJECT_DIR
from orchestration.lib.duck import read_only
from orchestration.lib.partitions import WAREHOUSE_POOL, backfill_policy, monthly_partitions
from orchestration.lib.resources import PipelineSettings

OWNERS = ["team:community-safety-data"]

# The dbt installed beside this Python, so the code location loads whatever PATH says.
_VENV_DBT = Path(sys.executable).with_name("dbt")
DBT_EXECUTABLE = str(_VENV_DBT) if _VENV_DBT.exists() else "dbt"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Parses only under `dagster dev`; elsewhere `make` has run `dbt parse` already.
dbt_project.prepare_if_dev()


class WarehouseTranslator(DagsterDbtTranslator):
    """Models and seeds are keyed [schema, name] like the warehouse tables they build; sources
    take the ingest assets' keys from their `meta.dagster.asset_key`, so lineage is one graph.
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_group_name(dbt_resource_props)
        return dbt_resource_props["schema"]

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return OWNERS


translator = WarehouseTranslator()


def _row_counts(settings: PipelineSettings, keys: list[dg.AssetKey]) -> dict[dg.AssetKey, int]:
    """Row counts of the tables dbt just built, read once dbt has let go of the file."""
    counts: dict[dg.AssetKey, int] = {}
    with read_only(settings.settings.warehouse_path) as con:
        existing = set(
            con.execute("select table_schema, table_name from information_schema.tables").fetchall()
        )
        for key in keys:
            if len(key.path) == 2 and tuple(key.path) in existing:
                schema, table = key.path
                counts[key] = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[
                    0
                ]
    return counts


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    partitions_def=monthly_partitions,
    backfill_policy=backfill_policy,
    pool=WAREHOUSE_POOL,
    name="dbt_warehouse",
)
def dbt_warehouse(
    context: AssetExecutionContext, dbt: DbtCliResource, pipeline: PipelineSettings
) -> Iterator[Any]:
    """`dbt build`: seeds, staging views, intermediate and mart tables, and every dbt test.

    Tests with severity error are blocking asset checks: a failure stops the run before the
    publish step. The whole graph is rebuilt each run (the marts hold every month); the
    partition only says which release month the run reports on.
    """
    # DuckDB lets the dbt process hold the file alone, so row counts are read once dbt exits
    # and added to the events then.
    invocation = dbt.cli(["build"], context=context, raise_on_error=False)
    events = list(invocation.stream())
    keys = {
        event.output_name: context.asset_key_for_output(event.output_name)
        for event in events
        if isinstance(event, dg.Output)
    }
    counts = _row_counts(pipeline, list(keys.values()))
    for event in events:
        if isinstance(event, dg.Output) and keys[event.output_name] in counts:
            event = event.with_metadata(
                {**event.metadata, "dagster/row_count": counts[keys[event.output_name]]}
            )
        yield event
    if not invocation.is_successful():
        error = invocation.get_error()
        raise dg.Failure(
            description=f"dbt build failed: {error}",
            metadata={"dbt_log": dg.MetadataValue.path(str(invocation.target_path))},
        )
