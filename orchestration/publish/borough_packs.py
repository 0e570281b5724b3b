"""Every London borough's pack from one published copy: `published/borough_packs`.

The partnership's own pack is `published/board_pack`, partitioned by month. MOPAC and the
boroughs that share the Met's figures read the same pack for each of the 32 boroughs: this
asset is partitioned by borough (the partitions the UI lists), and the month is the run's
config. Each borough is its own run, so one borough's failure leaves the others' packs built;
`make run BOROUGH=all` runs the 32 partitions in as many processes as the machine has cores
(orchestration/borough_runs.py).
The packs only read the published copy (read-only), never the working warehouse, so they do not
queue for the warehouse's pool.
"""

import json
import time
from pathlib import Path

import dagster as dg

from orchestration.lib.boroughs import Borough, london_boroughs
from orchestration.lib.config import Settings
from orchestration.lib.partitions import BOROUGH_PACKS, partition_month
from orchestration.lib.resources import PipelineSettings
from orchestration.publish.pack import build_pack
from orchestration.publish.pack.build import PackUnavailable
from orchestration.sections.formatting import borough_slug

BOROUGH_PACKS_JOB = "borough_packs"
STEP = "published__borough_packs"


def borough_keys() -> dict[str, Borough]:
    """The 32 boroughs by partition key (their file-name slug: `kingston-upon-thames`)."""
    return {borough_slug(borough.name): borough for borough in london_boroughs()}


borough_partitions = dg.StaticPartitionsDefinition(list(borough_keys()))


def pack_dir(settings: Settings, month: str, key: str) -> Path:
    """`published/packs/<month>/boroughs/<borough>/`: beside the partnership's own pack."""
    return settings.packs_dir / month / "boroughs" / key


class BoroughPackConfig(dg.Config):
    """The pack's reporting month (`YYYY-MM`); empty for the month the published copy was
    published for (its manifest's `pack_month`)."""

    month: str = ""


def _month(config: BoroughPackConfig, settings: Settings) -> str:
    month = config.month.strip()
    if not month and settings.manifest_path.exists():
        manifest = json.loads(settings.manifest_path.read_text(encoding="utf-8"))
        month = str(manifest.get("pack_month") or "")[:7]
    if not month:
        raise dg.Failure(
            description="no reporting month: give one in the run config (month: YYYY-MM); "
            f"the published copy's manifest ({settings.manifest_path}) names none"
        )
    try:
        partition_month(month)
    except ValueError as exc:
        raise dg.Failure(description=str(exc)) from exc
    return month


@dg.asset(
    key=BOROUGH_PACKS,
    deps=[dg.AssetKey(["published", "marts"])],
    partitions_def=borough_partitions,
    group_name="publish",
    owners=["team:community-safety-data"],
    kinds={"html", "excel"},
)
def borough_packs(
    context: dg.AssetExecutionContext, config: BoroughPackConfig, pipeline: PipelineSettings
) -> dg.MaterializeResult:
    """One borough's board pack for the configured month (HTML, PDF and workbook) in
    published/packs/<month>/boroughs/<borough>/, read from the published copy only."""
    settings = pipeline.settings
    month = _month(config, settings)
    borough = borough_keys()[context.partition_key]
    started = time.perf_counter()
    try:
        output = build_pack(
            settings.published_db_path,
            pack_dir(settings, month, context.partition_key),
            borough,
            partition_month(month),
        )
    except (PackUnavailable, FileNotFoundError) as exc:
        raise dg.Failure(description=f"{borough.name}: {exc}") from exc
    return dg.MaterializeResult(
        metadata={
            "borough": f"{borough.name} ({borough.code})",
            "month": month,
            "html": dg.MetadataValue.path(str(output.html_path)),
            "xlsx": dg.MetadataValue.path(str(output.xlsx_path)),
            **(
                {"pdf": dg.MetadataValue.path(str(output.pdf_path))}
                if output.pdf_path is not None
                else {}
            ),
            "stale_sections": ", ".join(output.stale_sections) or "none",
            "dagster/row_count": output.overview_rows,
            "seconds": round(time.perf_counter() - started, 1),
        }
    )


# One process per run, as the refresh: a run is one borough's pack.
borough_packs_job = dg.define_asset_job(
    name=BOROUGH_PACKS_JOB,
    selection=[BOROUGH_PACKS],
    partitions_def=borough_partitions,
    executor_def=dg.in_process_executor,
    description=(
        "Build one borough's board pack from the published copy (the month in the run config). "
        "A backfill of every partition builds all 32 boroughs' packs, one run each."
    ),
)
