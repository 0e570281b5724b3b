"""dbt: staging, intermediate, marts and the pack's reporting tables, as Dagster assets.

One `dbt build` runs every seed, model and data test. Data tests are warnings to dbt
(`+severity: warn` in dbt_project.yml), so one source's failing test never stops another
source's models from building; a model error skips only what is built on it. dbt's unit tests
check the models' arithmetic on fixed rows, which changes only with the code, not with the data:
they run in `make test` (tests/test_dbt_unit_tests.py), not in every refresh. Each node's
verdict goes to `audit.dbt_results`, with every unit it holds back: its own (the folder it sits
in, `orchestration/transform/units.py`) and every unit built on it. The
publish step publishes each unit with no failure and keeps the last good tables of the others
(docs/decisions.md, "Per-source write-audit-publish").

`audit/dbt_results` is an asset of its own, yielded by every build whatever failed, and the
publish step depends on it rather than on each table: Dagster skips a step whose upstream
asset was not materialized, and one failed model would otherwise stop publishing for all.

The tests of a unit with no data (a source that has never landed a file, or whose every file
was refused) are left out of the build: empty tables prove nothing, and the unit has nothing
to publish. The tests that read only seeds (the reference tables' own rules) give the same
verdict while the project's files are the same: once they have all passed on them, a stamp
under the dbt project's target folder says so and later builds leave them out.

After the build, dbt's documentation site (`dbt docs generate --static`: every model, column,
test and the lineage, in one HTML file) is written to `warehouse/catalogue/index.html`, from
the build's own compiled project, unless the one there was made of the same project, vintage
and tables. Each site made is also kept in the dbt project's target folder under its key, so a
new warehouse of the same project and tables (another working copy's, a test's) takes it from
there instead of running dbt again. The publish step puts it beside the marts for analysts.
Each published table's asset links to its page there.
"""

import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence, Set
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pandas as pd
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliInvocation, DbtCliResource, DbtProject

# dagster-dbt's own `@dbt_assets` is a multi-asset of these specs; the refresh needs one more
# asset in the same step (audit/dbt_results), so the step is built the same way by hand. The
# names are dagster-dbt's (pinned at 0.29.27 with Dagster 1.13.27).
from dagster_dbt.asset_utils import (
    DAGSTER_DBT_SELECT_METADATA_KEY,
    DBT_DEFAULT_SELECT,
    build_dbt_specs,
)

from orchestration.lib.config import DBT_PROJECT_DIR
from orchestration.lib.duck import WarehouseUnavailable, read_write, registered
from orchestration.lib.partitions import WAREHOUSE_POOL
from orchestration.lib.resources import PipelineSettings, Vintage
from orchestration.transform.units import (
    REFERENCE,
    affected_units,
    folder_unit,
    node_unit,
)

OWNERS = ["team:community-safety-data"]
DBT_RESULTS = "audit.dbt_results"
DBT_RESULTS_KEY = dg.AssetKey(["audit", "dbt_results"])
# Statuses dbt reports for a node that did not do its job; the publish step holds back the
# units that have one (orchestration/publish/publish.sql reads the same list from here). A
# data test that finds rows is `warn` (see the module docstring).
FAILED_STATUSES = ("error", "fail", "warn", "skipped", "runtime error")
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


def catalogue_url(catalogue: Path, unique_id: str) -> str:
    """The page of a dbt node in the published catalogue (dbt's static docs site)."""
    return f"{catalogue.resolve().as_uri()}#!/model/{unique_id}"


class WarehouseTranslator(DagsterDbtTranslator):
    """Models and seeds are keyed [schema, name] like the warehouse tables they build, and
    grouped by the unit whose folder they sit in (a source, a combined unit, or `reference`);
    sources take the ingest assets' keys from their `meta.dagster.asset_key`, so lineage is one
    graph. A published table links to its page in the analysts' catalogue."""

    def __init__(self, catalogue: Path | None = None) -> None:
        super().__init__()
        self.catalogue = catalogue

    def get_metadata(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, Any]:
        metadata = dict(super().get_metadata(dbt_resource_props))
        if (
            self.catalogue is not None
            and dbt_resource_props["resource_type"] == "model"
            and dbt_resource_props.get("schema") in PUBLISHED_SCHEMAS
        ):
            metadata["catalogue"] = dg.MetadataValue.url(
                catalogue_url(self.catalogue, dbt_resource_props["unique_id"])
            )
        return metadata

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_group_name(dbt_resource_props)
        unit = folder_unit(dbt_resource_props.get("original_file_path", ""))
        return unit or dbt_resource_props["schema"]

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
        # The gate is the publish step's, per unit; see the module docstring.
        return dg.AssetCheckSpec(
            name=spec.name,
            asset=spec.asset_key,
            description=spec.description,
            additional_deps=spec.additional_deps,
            metadata=spec.metadata,
            blocking=False,
        )


translator = WarehouseTranslator()


def project_digest(project: DbtProject) -> str:
    """A SHA-256 of the dbt project's files (models, YAML, macros, seeds, tests) and the doc
    blocks in docs/: what a build makes of the same data cannot differ while it is the same."""
    digest = hashlib.sha256()
    folders = [Path(project.project_dir), Path(project.project_dir).parent / "docs"]
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not {"target", "logs"} & set(path.relative_to(folder).parts):
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def catalogue_key(project_files: str, warehouse: Path, as_of: str | None) -> str:
    """What the catalogue is made of: the dbt project's files (`project_digest`), the build's
    `as_of`, and the warehouse's tables and columns. The same key, the same site."""
    digest = hashlib.sha256(f"{project_files} as_of={as_of}".encode())
    with read_write(warehouse) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name, data_type "
            "from information_schema.columns order by all"
        ).fetchall()
    digest.update(repr(columns).encode())
    return digest.hexdigest()


# The sites kept in the dbt project's target folder, by key, and how many of them.
CATALOGUE_CACHE = "catalogue"
KEEP_SITES = 8


def write_catalogue(
    dbt: DbtCliResource, build: DbtCliInvocation, project: DbtProject, to: Path, key: str
) -> str:
    """dbt's static docs site of the build just run, at `to`; '' when written (or when the site
    there, or the one kept under the project's target folder, was made of the same `key`), else
    why not.

    `--no-compile` reuses the build's compiled project in its target folder: the catalogue
    reads the warehouse's tables and columns, and costs a few seconds, not a second compile.
    """
    stamp = to.with_name(".key")
    if to.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == key:
        return ""
    kept = Path(project.project_dir) / "target" / CATALOGUE_CACHE / f"{key}.html"
    if kept.exists():
        _install(kept, to, stamp, key)
        return ""
    docs = dbt.cli(
        ["docs", "generate", "--static", "--no-compile"],
        manifest=project.manifest_path,
        target_path=build.target_path,
        raise_on_error=False,
    )
    docs.wait()
    page = build.target_path / "static_index.html"
    if not docs.is_successful() or not page.exists():
        return f"dbt docs generate failed: {docs.get_error()}"
    _install(page, to, stamp, key)
    _install(page, kept)
    for stale in sorted(kept.parent.glob("*.html"), key=lambda p: p.stat().st_mtime)[:-KEEP_SITES]:
        stale.unlink(missing_ok=True)
    return ""


def _install(page: Path, to: Path, stamp: Path | None = None, key: str = "") -> None:
    """`page` copied to `to` whole (never half-written, whoever else writes it), and its key
    beside it."""
    to.parent.mkdir(parents=True, exist_ok=True)
    staged = to.with_name(f".{to.name}.{os.getpid()}.tmp")
    shutil.copyfile(page, staged)
    os.replace(staged, to)
    if stamp is not None:
        stamp.write_text(key, encoding="utf-8")


def published_tables(project: DbtProject) -> dict[str, list[tuple[str, str]]]:
    """Unit -> the (schema, table) it publishes: its models in the published schemas."""
    manifest = load_manifest(project.manifest_path)
    tables: dict[str, list[tuple[str, str]]] = {}
    for unique_id, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] != "model" or node["schema"] not in PUBLISHED_SCHEMAS:
            continue
        tables.setdefault(node_unit(manifest, unique_id), []).append((node["schema"], node["name"]))
    return tables


def _row_counts(
    warehouse: Path, keys: list[dg.AssetKey], counted: Set[tuple[str, str]] = frozenset()
) -> dict[dg.AssetKey, int]:
    """Row counts of the tables dbt just built, read once dbt has let go of the file.

    DuckDB keeps each table's row count (`duckdb_tables().estimated_size`, exact for a table
    dbt has just created), so nothing is scanned; views have none. The tables and views in
    `counted` are counted: incremental models (`estimated_size` still counts the rows a build
    deleted) and the published views (`counted_relations`).
    """
    with read_write(warehouse) as con:
        sizes = {
            (schema, table): int(rows or 0)
            for schema, table, rows in con.execute(
                "select schema_name, table_name, estimated_size from duckdb_tables()"
            ).fetchall()
        }
        views = set(
            con.execute(
                "select schema_name, view_name from duckdb_views() where not internal"
            ).fetchall()
        )
        for schema, table in counted & (sizes.keys() | views):
            (rows,) = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone() or (0,)
            sizes[(schema, table)] = int(rows)
    return {
        key: sizes[(key.path[0], key.path[-1])]
        for key in keys
        if (key.path[0], key.path[-1]) in sizes and len(key.path) == 2
    }


def counted_relations(manifest: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(schema, name) of every model whose rows are counted rather than read from DuckDB's
    kept count: the incremental models, and the views analysts get as published tables."""
    return {
        (node["schema"], node["name"])
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "model"
        and (
            node.get("config", {}).get("materialized") == "incremental"
            or (
                node.get("config", {}).get("materialized") == "view"
                and node["schema"] in PUBLISHED_SCHEMAS
            )
        )
    }


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _plain_text(message: str) -> str:
    """dbt's message without its terminal colours."""
    return _ANSI.sub("", message).strip()


RESULT_COLUMNS = [
    "build_started_at",
    "unique_id",
    "resource_type",
    "name",
    "unit",
    "status",
    "failures",
    "message",
]


def node_results(
    manifest: Mapping[str, Any], invocations: list[DbtCliInvocation], started_at: datetime
) -> pd.DataFrame:
    """One row per node dbt ran in this build and unit it concerns: a node that failed has a
    row for every unit it holds back (`affected_units`)."""
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
            units = (
                affected_units(manifest, unique_id)
                if status in FAILED_STATUSES
                else {node_unit(manifest, unique_id)}
            )
            rows += [
                {
                    "build_started_at": started_at.replace(tzinfo=None),
                    "unique_id": unique_id,
                    "resource_type": node.get("resource_type", unique_id.split(".")[0]),
                    "name": node.get("name", unique_id),
                    "unit": unit,
                    "status": status,
                    "failures": result.get("failures"),
                    "message": _plain_text(result.get("message") or "")[:2000],
                }
                for unit in sorted(units) or [""]
            ]
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def record_results(warehouse: Path, results: pd.DataFrame) -> None:
    """Replaces `audit.dbt_results` with this build's verdicts."""
    with read_write(warehouse) as con, registered(con, "results", results):
        con.execute("create schema if not exists audit")
        con.execute(f"create or replace table {DBT_RESULTS} as select * from results")


def units_without_data(warehouse: Path, sources: Sequence[str]) -> list[str]:
    """The sources with no accepted file in their raw table (never landed, or all refused)."""
    with read_write(warehouse) as con:
        has_ledger = con.execute(
            "select count(*) from duckdb_tables() "
            "where schema_name = 'audit' and table_name = 'landing_files'"
        ).fetchone()
        accepted = (
            {
                source
                for (source,) in con.execute(
                    "select distinct source from audit.landing_files where status = 'accepted'"
                ).fetchall()
            }
            if has_ledger and has_ledger[0]
            else set()
        )
    return [source for source in sources if source not in accepted]


# The refresh's build leaves dbt's unit tests to `make test` (the module docstring).
UNIT_TESTS_EXCLUDED = ("--exclude-resource-type", "unit_test")


def data_tests_of_units(manifest: Mapping[str, Any], units: set[str]) -> set[str]:
    """The names of the data tests of `units` (the units with no data: empty tables prove
    nothing)."""
    return {
        node["name"]
        for unique_id, node in manifest.get("nodes", {}).items()
        if node.get("resource_type") == "test" and node_unit(manifest, unique_id) in units
    }


def data_tests_of_seeds(manifest: Mapping[str, Any]) -> set[str]:
    """The names of the data tests that read seeds and nothing else: their verdict is a function
    of the project's files, not of any delivery."""
    return {
        node["name"]
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "test"
        and (read := node.get("depends_on", {}).get("nodes"))
        and all(unique_id.startswith("seed.") for unique_id in read)
    }


def seed_tests_stamp(project: DbtProject, project_files: str) -> Path:
    """Where a build records that the seeds' tests all passed on these project files: under the
    project's target folder, so a new warehouse of the same project (another working copy's,
    a test's) needs no second proof."""
    return Path(project.project_dir) / "target" / "seed_tests_passed" / project_files


def _exclusions(names: set[str]) -> list[str]:
    """dbt --exclude arguments for the named tests."""
    return ["--exclude", " ".join(sorted(names))] if names else []


def _with_error_severity(event: Any) -> Any:
    """A failing data test holds back its unit: shown as an error in the UI, though dbt calls
    it a warning so that it does not stop the rest of the build."""
    if isinstance(event, dg.AssetCheckResult) and not event.passed:
        return dg.AssetCheckResult(
            asset_key=event.asset_key,
            check_name=event.check_name,
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=event.metadata,
            description=event.description,
        )
    return event


def build_dbt_assets(
    project: DbtProject,
    sources: Sequence[str] = (),
    combined: Mapping[str, Sequence[str]] = {},
    catalogue: Path | None = None,
    reads: Mapping[str, Sequence[dg.AssetKey]] = {},
) -> dg.AssetsDefinition:
    """The dbt assets of `project` and `audit/dbt_results` (tests build one from a copy with a
    test-only source).

    Args:
        sources: every declared source's key, to leave out the tests of those with no data.
        combined: combined unit -> its sources: a unit with no data in any of them has none.
        catalogue: the published catalogue, for each table's link to its page.
        reads: model name -> the raw tables' assets it reads without a dbt source naming them
            (the partner chain's staging model reads every provider's raw table), so it is
            built after them.
    """
    manifest = load_manifest(project.manifest_path)
    specs, check_specs = build_dbt_specs(
        translator=WarehouseTranslator(catalogue),
        manifest=manifest,
        select=DBT_DEFAULT_SELECT,
        exclude="",
        selector="",
        io_manager_key=None,
        project=project,
    )
    specs = [
        spec.merge_attributes(
            deps=[key for key in reads[name] if key not in {dep.asset_key for dep in spec.deps}]
        )
        if (name := spec.key.path[-1]) in reads
        else spec
        for spec in specs
    ]
    audit = dg.AssetSpec(
        DBT_RESULTS_KEY,
        group_name="publish",
        owners=OWNERS,
        kinds={"dbt", "duckdb"},
        skippable=False,
        deps=[spec.key for spec in specs],
        description=(
            "The verdict of every node of the last dbt build (audit.dbt_results), with the "
            "units each failure holds back. Written by every build, whatever failed: the "
            "publish step reads it to publish each unit whose nodes all passed."
        ),
    )

    @dg.multi_asset(
        name="dbt_warehouse",
        specs=[*specs, audit],
        check_specs=check_specs,
        can_subset=True,
        pool=WAREHOUSE_POOL,
        op_tags={DAGSTER_DBT_SELECT_METADATA_KEY: DBT_DEFAULT_SELECT},
        allow_arbitrary_check_specs=True,
    )
    def dbt_warehouse(
        context: AssetExecutionContext,
        dbt: DbtCliResource,
        pipeline: PipelineSettings,
        vintage: Vintage,
    ) -> Iterator[Any]:
        """Seeds, staging views, intermediate, mart and reporting tables, and every dbt test.

        `vintage.as_of` (a date) builds from the releases published by then; empty, the latest.
        """
        warehouse = pipeline.settings.warehouse_path
        try:
            empty = set(units_without_data(warehouse, sources))
        except (WarehouseUnavailable, duckdb.Error) as exc:
            raise dg.Failure(description=str(exc)) from exc
        empty |= {unit for unit, members in combined.items() if set(members) <= empty}
        if empty:
            context.log.info(
                "no data yet, so their tests are left out: " + ", ".join(sorted(empty))
            )
        project_files = project_digest(project)
        seed_tests = data_tests_of_seeds(manifest)
        stamp = seed_tests_stamp(project, project_files)
        proven = stamp.exists()
        if proven:
            context.log.info(
                f"the seeds' {len(seed_tests)} data tests passed on these same project files "
                f"before ({stamp.parent.name}/{stamp.name[:12]}), so they are left out"
            )
        # Only a build as of a date passes vars: dbt parses the whole project again when its
        # vars differ from those of the parse `make` ran, and the default (null) is the same.
        dbt_vars = ["--vars", json.dumps({"as_of": vintage.as_of})] if vintage.as_of else []
        started_at = datetime.now(UTC)
        build = dbt.cli(
            [
                "build",
                *dbt_vars,
                *UNIT_TESTS_EXCLUDED,
                *_exclusions(
                    data_tests_of_units(manifest, empty) | (seed_tests if proven else set())
                ),
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
            counts = _row_counts(warehouse, list(keys.values()), counted_relations(manifest))
        except (WarehouseUnavailable, duckdb.Error) as exc:
            raise dg.Failure(description=str(exc)) from exc
        for event in events:
            if isinstance(event, dg.Output) and keys[event.output_name] in counts:
                event = event.with_metadata(
                    {**event.metadata, "dagster/row_count": counts[keys[event.output_name]]}
                )
            yield _with_error_severity(event)
        results = node_results(manifest, [build], started_at)
        record_results(warehouse, results)
        passed = set(results.loc[results["status"] == "pass", "name"])
        if not proven and seed_tests and seed_tests <= passed:
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.touch()
        catalogue = pipeline.settings.catalogue_path
        key = catalogue_key(project_files, warehouse, vintage.as_of or None)
        problem = write_catalogue(dbt, build, project, catalogue, key)
        if problem:
            context.log.warning(f"the catalogue was not rebuilt: {problem}")
        failed = results[results["status"].isin(FAILED_STATUSES)]
        for row in failed.drop_duplicates("unique_id").itertuples():
            first_line = (row.message or "").strip().splitlines()[:1]
            context.log.error(
                f"{row.unit or 'no unit'}: dbt {row.resource_type} {row.name} {row.status}"
                + (f": {first_line[0]}" if first_line else "")
            )
        held_back = sorted(set(failed.unit) - {""})
        context.log.info(
            f"dbt: {results.unique_id.nunique()} node(s), {failed.unique_id.nunique()} failed"
            + (
                f"; units kept at their last publication: {', '.join(held_back)}"
                if held_back
                else ""
            )
        )
        if DBT_RESULTS_KEY in context.selected_asset_keys:
            yield dg.MaterializeResult(
                asset_key=DBT_RESULTS_KEY,
                metadata={
                    "dagster/row_count": len(results),
                    "nodes": int(results.unique_id.nunique()),
                    "failed": int(failed.unique_id.nunique()),
                    "held_back": ", ".join(held_back) or "none",
                    "no_data": ", ".join(sorted(empty)) or "none",
                    "dbt_target": dg.MetadataValue.path(str(build.target_path)),
                    "catalogue": dg.MetadataValue.path(str(catalogue)),
                },
            )

    return dbt_warehouse


__all__ = ["REFERENCE", "build_dbt_assets", "published_tables", "translator"]
