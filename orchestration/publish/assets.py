"""Publishing: each source's last good tables for analysts, then the board pack per month."""

from collections.abc import Collection, Iterator, Sequence
from datetime import date

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DbtProject

from orchestration.landing.source import Source
from orchestration.lib.boroughs import resolve_borough
from orchestration.lib.config import InvalidAsOf, Settings, parse_as_of
from orchestration.lib.duck import published
from orchestration.lib.partitions import (
    WAREHOUSE_POOL,
    backfill_policy,
    monthly_partitions,
    months_between,
    partition_month,
)
from orchestration.lib.resources import PipelineSettings, Vintage
from orchestration.lib.units import CombinedUnit
from orchestration.publish.marts import PublicationUnit, PublishError, PublishReport, publish
from orchestration.publish.pack import build_pack
from orchestration.publish.pack.build import PackUnavailable
from orchestration.publish.postgres import PostgresPublishError, publish_if_configured
from orchestration.publish.preview import overview_frame, overview_table
from orchestration.quality.cross_source import CrossSourceCheck
from orchestration.sections.age import cycle_of
from orchestration.transform.assets import DBT_RESULTS_KEY, load_manifest, published_tables
from orchestration.transform.units import REFERENCE, check_unit_folders

OWNERS = ["team:community-safety-data"]
PUBLISHED_MARTS = dg.AssetKey(["published", "marts"])
BOARD_PACK = dg.AssetKey(["published", "board_pack"])


def publication_units(
    project: DbtProject,
    sources: Sequence[Source],
    combined: Sequence[CombinedUnit] = (),
    in_use: Collection[str] | None = None,
) -> list[PublicationUnit]:
    """The reference tables, then each source's, then each combined unit's: each unit's tables
    are the published models in its folders (`models/<layer>/<unit>/`).

    Args:
        in_use: the sources the partnership uses (`SCP_SOURCES`); None for every one.

    Raises:
        UnitFolderError: a dbt model sits in a folder that names no declared unit, so nothing
            would say when to publish it.
    """
    keys = {source.key for source in sources}
    combined = [unit for unit in combined if set(unit.sources) & keys]
    check_unit_folders(
        load_manifest(project.manifest_path),
        {REFERENCE, *keys, *(unit.key for unit in combined)},
    )
    tables = published_tables(project)
    grains = {source.key: source.grain for source in sources}
    return [
        PublicationUnit(
            key=REFERENCE,
            title="Reference data (boroughs, populations, glossary)",
            tables=tuple(tables.get(REFERENCE, ())),
            licence="Open Government Licence v3.0",
        ),
        *(
            PublicationUnit(
                key=source.key,
                title=source.title,
                tables=tuple(tables.get(source.key, ())),
                source_table=source.table,
                licence=source.licence,
                folder=source.folder,
                in_use=in_use is None or source.key in in_use,
                period_column=source.period_column or "",
                cycle=source.grain.value,
            )
            for source in sources
        ),
        *(
            PublicationUnit(
                key=unit.key,
                title=unit.title,
                tables=tuple(tables.get(unit.key, ())),
                licence=unit.licence,
                members=unit.sources,
                cycle=cycle_of(g for s, g in grains.items() if s in unit.sources) or "",
                row_column=unit.row_column,
                row_values=unit.row_values,
            )
            for unit in combined
        ),
    ]


def _pack_month(context: AssetExecutionContext, settings: Settings) -> date | None:
    """The month of the pack this run builds (its partition, or a range's last month), else
    the default month; the published units' ages are judged against it."""
    from orchestration.jobs import default_reporting_month

    tags = context.run.tags
    key = tags.get("dagster/partition") or tags.get("dagster/asset_partition_range_end")
    key = key or default_reporting_month(settings)
    try:
        return partition_month(key) if key else None
    except ValueError:
        return None


def _units_markdown(report: PublishReport) -> str:
    lines = ["| source | status | release | tables | note |", "|---|---|---|---|---|"]
    for unit in report.units:
        tables = ", ".join(f"{t} ({report.row_counts.get(t, 0):,})" for t in unit.tables)
        lines.append(
            f"| {unit.key} | {unit.status}{' (stale)' if unit.stale else ''} | {unit.release} | "
            f"{tables} | {unit.reason} |"
        )
    return "\n".join(lines)


def build_publish_assets(
    units: Sequence[PublicationUnit], cross_source_checks: Sequence[CrossSourceCheck]
) -> list[dg.AssetsDefinition]:
    """`published/marts` (per-source write-audit-publish) and `published/board_pack`.

    The publish step depends on the build's verdicts (`audit/dbt_results`), which every build
    writes whatever failed, not on each table: it reads which units passed from there.
    """

    @dg.asset(
        key=PUBLISHED_MARTS,
        deps=[DBT_RESULTS_KEY],
        pool=WAREHOUSE_POOL,
        group_name="publish",
        owners=OWNERS,
        kinds={"duckdb", "parquet"},
        check_specs=[
            dg.AssetCheckSpec(
                f"{unit.key}_current",
                asset=PUBLISHED_MARTS,
                description=(
                    f"{unit.title}: the published tables come from its latest landed files and "
                    "its latest build. A warning when they are its last good ones instead (a "
                    "refused file, a failed dbt test), with the reason."
                ),
            )
            for unit in units
        ],
    )
    def published_marts(
        context: AssetExecutionContext, pipeline: PipelineSettings, vintage: Vintage
    ) -> dg.MaterializeResult:
        """The marts as analysts read them: published/marts.duckdb, one Parquet per table,
        manifest.json. Each source publishes when its build passed; a source whose new file
        was refused or whose dbt tests failed keeps its last good tables, and says why."""
        settings = pipeline.settings
        try:
            as_of = parse_as_of(vintage.as_of)
            report = publish(
                settings.warehouse_path,
                settings.published_dir,
                units,
                as_of=as_of,
                pack_month=_pack_month(context, settings),
            )
            # With SCP_PUBLISH_PG_URL set, the same tables in PostgreSQL's schema `marts`.
            postgres = publish_if_configured(settings.published_db_path)
        except (InvalidAsOf, PublishError, PostgresPublishError) as exc:
            raise dg.Failure(description=str(exc)) from exc
        for unit in report.units:
            if unit.stale:
                context.log.warning(f"{unit.key}: {unit.reason}")
        checks = [
            dg.AssetCheckResult(
                check_name=f"{unit.key}_current",
                passed=not unit.stale,
                severity=dg.AssetCheckSeverity.WARN,
                description=unit.reason
                or f"published from release {unit.release or '(reference)'}",
                metadata={"status": unit.status, "release": unit.release},
            )
            for unit in report.units
        ]
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": sum(report.row_counts.values()),
                "database": dg.MetadataValue.path(str(report.database)),
                "manifest": dg.MetadataValue.path(str(report.manifest)),
                "catalogue": dg.MetadataValue.path(str(settings.published_catalogue_path)),
                "as_of": as_of.isoformat() if as_of else "latest releases",
                **(
                    {"postgres": f"schema {postgres.schema}, SELECT for {postgres.role}"}
                    if postgres
                    else {}
                ),
                "sources": dg.MetadataValue.md(_units_markdown(report)),
            },
            check_results=checks,
        )

    @dg.asset(
        key=BOARD_PACK,
        deps=[PUBLISHED_MARTS],
        partitions_def=monthly_partitions,
        backfill_policy=backfill_policy,
        group_name="publish",
        owners=OWNERS,
        kinds={"html", "excel"},
        check_specs=[
            dg.AssetCheckSpec(
                check.name,
                asset=BOARD_PACK,
                blocking=True,
                description=(
                    f"{check.rule} (across {', '.join(check.sources)}); blocks the pack only."
                ),
            )
            for check in cross_source_checks
        ],
    )
    def board_pack(context: AssetExecutionContext, pipeline: PipelineSettings) -> Iterator[object]:
        """The board's pack for the borough and each month of the partition (a backfill of a
        range rebuilds every month's pack): one self-contained HTML page and an Excel workbook
        in published/packs/YYYY-MM/, read from the published copy only. Checks that compare
        sources run first and block only the pack."""
        settings = pipeline.settings
        borough = resolve_borough(settings.borough)
        if context.has_partition_key_range:
            keys = months_between(
                context.partition_key_range.start, context.partition_key_range.end
            )
        else:
            keys = [context.partition_key]
        failed = []
        with published(settings.published_db_path) as con:
            not_set_up = {
                source
                for (source,) in con.execute(
                    "select source from meta_publication where status = 'not set up'"
                ).fetchall()
            }
            for check in cross_source_checks:
                if missing := sorted(set(check.sources) & not_set_up):
                    # A source with nothing published has nothing to compare.
                    yield dg.AssetCheckResult(
                        check_name=check.name,
                        passed=True,
                        description=f"not run: {', '.join(missing)} not set up",
                    )
                    continue
                result = check.run(con)
                yield dg.AssetCheckResult(
                    check_name=check.name,
                    passed=result.success,
                    description=result.summary(),
                    metadata={"failures": dg.MetadataValue.md(result.failures_markdown())}
                    if not result.success
                    else {},
                )
                if not result.success:
                    failed.append(result.summary())
        if failed:
            raise dg.Failure(
                description="the board pack was not rebuilt: a check across sources failed: "
                + "; ".join(failed)
            )
        built = []
        for key in keys:
            try:
                built.append(
                    build_pack(
                        settings.published_db_path,
                        settings.packs_dir / key,
                        borough,
                        partition_month(key),
                    )
                )
            except PackUnavailable as exc:
                raise dg.Failure(description=str(exc)) from exc
        last = built[-1]
        frame = overview_frame(settings.published_db_path, borough, partition_month(keys[-1]))
        yield dg.MaterializeResult(
            metadata={
                "html": dg.MetadataValue.path(str(last.html_path)),
                "xlsx": dg.MetadataValue.path(str(last.xlsx_path)),
                **(
                    {"pdf": dg.MetadataValue.path(str(last.pdf_path))}
                    if last.pdf_path is not None
                    else {}
                ),
                "borough": f"{borough.name} ({borough.code})",
                "months": ", ".join(keys),
                "stale_sections": ", ".join(last.stale_sections) or "none",
                "dagster/row_count": last.overview_rows,
                "page_one": dg.MetadataValue.md(overview_table(frame, markdown=True)),
            }
        )

    return [published_marts, board_pack]
