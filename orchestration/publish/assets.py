"""Publishing: the analysts' copy of the marts, only after every blocking check passed."""

import dagster as dg
from dagster import AssetExecutionContext

from orchestration.lib.partitions import (
    WAREHOUSE_POOL,
    backfill_policy,
    monthly_partitions,
    partition_month,
)
from orchestration.lib.resources import PipelineSettings
from orchestration.publish.marts import publish_marts
from orchestration.publish.pack import build_pack
from orchestration.publish.preview import overview_frame, overview_table

OWNERS = ["team:community-safety-data"]
PUBLISHED_MARTS = dg.AssetKey(["published", "marts"])
MART_KEYS = [
    dg.AssetKey(["marts", name])
    for name in (
        "fct_recorded_crime_monthly",
        "fct_crime_measure_monthly",
        "dim_kpi_measure",
        "kpi_crime_overview",
        "kpi_crime_exceptions",
        "kpi_glossary",
        "meta_source_releases",
    )
]


def reported_month(context: AssetExecutionContext) -> str:
    """The month a run reports on: its partition, or the last of a backfilled range."""
    if context.has_partition_key:
        return context.partition_key
    if context.has_partition_key_range:
        return context.partition_key_range.end
    return ""


@dg.asset(
    key=PUBLISHED_MARTS,
    deps=MART_KEYS,
    partitions_def=monthly_partitions,
    backfill_policy=backfill_policy,
    pool=WAREHOUSE_POOL,
    group_name="publish",
    owners=OWNERS,
    kinds={"duckdb", "parquet"},
)
def published_marts(
    context: AssetExecutionContext, pipeline: PipelineSettings
) -> dg.MaterializeResult:
    """The `marts` schema as analysts read it: published/marts.duckdb and one Parquet per mart.

    Runs only when every blocking check upstream passed (raw contract, coverage, dbt tests,
    the overview suite), and swaps each file in atomically, so a failed refresh leaves last
    month's published figures exactly as they were.
    """
    settings = pipeline.settings
    month_key = reported_month(context)
    report = publish_marts(settings.warehouse_path, settings.published_dir, month_key)
    metadata: dict[str, dg.RawMetadataValue] = {
        "dagster/row_count": sum(report.row_counts.values()),
        "database": dg.MetadataValue.path(str(report.database)),
        "parquet_dir": dg.MetadataValue.path(str(settings.published_parquet_dir)),
        "tables": dg.MetadataValue.md(
            "| table | rows |\n|---|---|\n"
            + "\n".join(f"| marts.{t} | {n:,} |" for t, n in report.row_counts.items())
        ),
        "reporting_month": month_key,
    }
    if month_key:
        frame = overview_frame(report.database, settings.borough, partition_month(month_key))
        metadata["overview_rows"] = len(frame)
        metadata[f"{settings.borough} overview {month_key}"] = dg.MetadataValue.md(
            overview_table(frame, markdown=True)
            if len(frame)
            else f"No overview rows for {settings.borough} in {month_key}: the data needs 24 "
            "months up to the reporting month."
        )
    return dg.MaterializeResult(metadata=metadata)


BOARD_PACK = dg.AssetKey(["published", "board_pack"])


@dg.asset(
    key=BOARD_PACK,
    deps=[PUBLISHED_MARTS],
    partitions_def=monthly_partitions,
    backfill_policy=backfill_policy,
    group_name="publish",
    owners=OWNERS,
    kinds={"html", "excel"},
)
def board_pack(context: AssetExecutionContext, pipeline: PipelineSettings) -> dg.MaterializeResult:
    """The board's performance pack for the borough and month: one self-contained HTML page
    and an Excel workbook, in published/packs/YYYY-MM/.

    Read from the published marts only (never the working warehouse), so every figure in the
    pack is one that passed the checks, and analysts' numbers and the board's agree.
    """
    settings = pipeline.settings
    month_key = reported_month(context)
    out = build_pack(
        settings.published_db_path,
        settings.packs_dir / month_key,
        settings.borough,
        partition_month(month_key),
    )
    frame = overview_frame(settings.published_db_path, settings.borough, partition_month(month_key))
    return dg.MaterializeResult(
        metadata={
            "html": dg.MetadataValue.path(str(out.html_path)),
            "xlsx": dg.MetadataValue.path(str(out.xlsx_path)),
            "borough": settings.borough,
            "reporting_month": month_key,
            "dagster/row_count": out.overview_rows,
            "page_one": dg.MetadataValue.md(overview_table(frame, markdown=True)),
        }
    )
