"""Met recorded crime: the landing folder into `raw.met_recorded_crime`."""

import dagster as dg
from dagster import AssetExecutionContext

from orchestration.lib.duck import read_write
from orchestration.lib.partitions import WAREHOUSE_POOL, backfill_policy, monthly_partitions
from orchestration.lib.resources import PipelineSettings
from orchestration.met.download import fetch_mps_file
from orchestration.met.load import FilesRejected, LoadReport, sync_recorded_crime

RAW_RECORDED_CRIME = dg.AssetKey(["raw", "met_recorded_crime"])
OWNERS = ["team:community-safety-data"]


def _files_markdown(report: LoadReport) -> str:
    lines = [
        "| file | layout | release | first month | source rows | rows | SHA-256 |",
        "|---|---|---|---|---|---|---|",
    ]
    for loaded in report.loaded:
        lines.append(
            f"| {loaded.source_file} | {loaded.layout} | {loaded.release_month:%Y-%m} | "
            f"{loaded.first_month:%Y-%m} | {loaded.source_rows:,} | {loaded.rows:,} | "
            f"`{loaded.sha256[:16]}…` |"
        )
    for name in report.unchanged:
        lines.append(f"| {name} | (unchanged) | | | | | |")
    for name in report.removed:
        lines.append(f"| {name} | (removed from raw/) | | | | | |")
    return "\n".join(lines)


@dg.asset(
    key=RAW_RECORDED_CRIME,
    partitions_def=monthly_partitions,
    backfill_policy=backfill_policy,
    pool=WAREHOUSE_POOL,
    group_name="met",
    owners=OWNERS,
    kinds={"python", "duckdb", "csv"},
    tags={"source": "mps"},
)
def met_recorded_crime(
    context: AssetExecutionContext, pipeline: PipelineSettings
) -> dg.MaterializeResult:
    """MPS borough-level recorded crime, every file in raw/met/recorded_crime/, unpivoted.

    Every layout the Met has published loads (see docs/source_contracts.md). Files are kept by
    name and SHA-256: loading an unchanged file again changes nothing, and overlapping releases
    are all kept (the marts pick the latest release for each month). A file that breaks the
    contract fails this step with its name, row or column, and rule, before anything is
    written. The partition is the release month the run reports on; every file is loaded
    whichever month it is.
    """
    settings = pipeline.settings
    folder = settings.recorded_crime_dir
    if settings.mps_url:
        download = fetch_mps_file(settings.mps_url, folder, log=context.log)
        context.log.info(
            f"fetched {download.path.name} (release {download.release_month}, "
            f"{download.bytes:,} bytes, {'new or changed' if download.changed else 'unchanged'})"
        )

    with read_write(settings.warehouse_path) as con:
        try:
            report = sync_recorded_crime(con, folder)
        except FilesRejected as rejected:
            raise dg.Failure(
                description=str(rejected),
                metadata={
                    "rejected_files": dg.MetadataValue.md(
                        "\n".join(f"- **{e.file}**: {e.where}: {e.rule}" for e in rejected.errors)
                    )
                },
            ) from rejected

    context.log.info(
        f"{len(report.loaded)} file(s) loaded, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed; {report.total_rows:,} rows in the table"
    )
    latest = report.releases[-1] if report.releases else None
    partition = context.partition_key if context.has_partition_key else None
    if partition and latest and partition > f"{latest:%Y-%m}":
        context.log.warning(
            f"partition {partition} is later than the latest release loaded ({latest:%Y-%m})"
        )
    metadata: dict[str, dg.RawMetadataValue] = {
        "dagster/row_count": report.total_rows,
        "files": dg.MetadataValue.md(_files_markdown(report)),
        "files_loaded": len(report.loaded),
        "files_unchanged": len(report.unchanged),
        "files_removed": len(report.removed),
        "releases": ", ".join(f"{month:%Y-%m}" for month in report.releases),
        "warehouse": dg.MetadataValue.path(str(settings.warehouse_path)),
    }
    if report.latest_file:
        name, sha256, release = report.latest_file
        metadata["source_file"] = dg.MetadataValue.path(str(folder / name))
        metadata["source_sha256"] = sha256
        metadata["release_month"] = f"{release:%Y-%m}"
    return dg.MaterializeResult(metadata=metadata)
