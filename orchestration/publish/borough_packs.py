"""Every London borough's pack from one published copy: `published/borough_packs`.

The partnership's own pack is `published/board_pack`, partitioned by month. MOPAC and the
boroughs that share the Met's figures read the same pack for each of the 32 boroughs: this
asset is partitioned by borough (the partitions the UI lists), and the month is the run's
config. Each borough is its own run, so one borough's failure leaves the others' packs built;
`make run BOROUGH=all` runs the 32 partitions in as many processes as the machine has cores.
The packs only read the published copy (read-only), never the working warehouse, so they do not
queue for the warehouse's pool.
"""

import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import dagster as dg

from orchestration.lib.boroughs import Borough, london_boroughs
from orchestration.lib.config import Settings
from orchestration.lib.partitions import partition_month
from orchestration.lib.resources import PipelineSettings
from orchestration.publish.pack import build_pack
from orchestration.publish.pack.build import PackUnavailable
from orchestration.sections.formatting import borough_slug

BOROUGH_PACKS = dg.AssetKey(["published", "borough_packs"])
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
    """The pack's reporting month (`YYYY-MM`); empty for the default month, as `make run`
    chooses it from the landed files."""

    month: str = ""


def _month(config: BoroughPackConfig, settings: Settings) -> str:
    from orchestration.jobs import default_reporting_month

    month = config.month.strip() or default_reporting_month(settings)
    if not month:
        raise dg.Failure(
            description="no reporting month: give one in the run config (month: YYYY-MM); "
            "no recorded crime file has landed to choose it"
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


@dataclass(frozen=True)
class BoroughOutcome:
    """How one borough's run ended."""

    key: str
    name: str
    success: bool
    seconds: float
    run_id: str
    message: str


# --- Every borough from the command line: the 32 runs, spread over the machine's cores ---------

_JOB: dg.JobDefinition | None = None


def _load_job() -> None:
    """A worker's definitions, loaded once for all the runs it takes."""
    import warnings

    global _JOB
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    from orchestration.definitions import build_definitions

    _JOB = build_definitions().resolve_job_def(BOROUGH_PACKS_JOB)


def _run_one(key: str, month: str, log_path: str) -> BoroughOutcome:
    import contextlib

    assert _JOB is not None
    name = borough_keys()[key].name
    started = time.perf_counter()
    with (
        dg.DagsterInstance.get() as instance,
        open(log_path, "a", encoding="utf-8") as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        result = _JOB.execute_in_process(
            instance=instance,
            partition_key=key,
            raise_on_error=False,
            run_config={
                "loggers": {"console": {"config": {"log_level": "WARNING"}}},
                "ops": {STEP: {"config": {"month": month}}},
            },
        )
    message = ""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data is not None:
            data = event.step_failure_data
            text = data.user_failure_data.description if data.user_failure_data else None
            message = (text or data.error.message if data.error else text or "").strip()
    return BoroughOutcome(
        key, name, result.success, time.perf_counter() - started, result.run_id, message
    )


def run_every_borough(
    month: str, log_path: Path, keys: Sequence[str] | None = None, workers: int | None = None
) -> Iterator[BoroughOutcome]:
    """Each borough's run, as it ends; one borough's failure does not stop the others.

    Args:
        month: the packs' reporting month (`YYYY-MM`).
        log_path: where the runs' own log lines go (they are in the UI's run history too).
        keys: the partitions (all 32 when None).
        workers: processes (the machine's cores when None): each loads the code location
            once and takes runs until none is left.
    """
    keys = list(keys or borough_keys())
    workers = max(1, min(workers or os.cpu_count() or 1, len(keys)))
    # The instance's storage is created here, once: two workers creating SQLite's tables at
    # the same moment would collide.
    with dg.DagsterInstance.get() as instance:
        instance.get_runs(limit=1)
        instance.all_instigator_state()
    # `spawn`: a worker starts clean rather than copying this process's Dagster state.
    with ProcessPoolExecutor(
        workers, mp_context=get_context("spawn"), initializer=_load_job
    ) as pool:
        futures = {pool.submit(_run_one, key, month, str(log_path)): key for key in keys}
        for future in as_completed(futures):
            key = futures[future]
            try:
                yield future.result()
            except Exception as exc:  # a worker that died: the borough is reported, not lost
                yield BoroughOutcome(key, borough_keys()[key].name, False, 0.0, "", repr(exc))
