"""Every London borough's pack from the command line: the 32 runs of the job `borough_packs`,
spread over the machine's cores (`make run BOROUGH=all`, `make packs`).

Each worker process loads the code location once and takes runs until none is left; each run
is one borough's partition, in the Dagster instance like a run launched from the UI, so one
borough's failure leaves the others built and the UI lists which packs exist.
"""

import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import dagster as dg

from orchestration.lib.runs import step_failure_text
from orchestration.publish.borough_packs import BOROUGH_PACKS_JOB, STEP, borough_keys


@dataclass(frozen=True)
class BoroughOutcome:
    """How one borough's run ended."""

    key: str
    name: str
    success: bool
    seconds: float
    run_id: str
    message: str


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
    failures = [step_failure_text(e) for e in result.all_events if e.is_step_failure]
    message = failures[-1] if failures else ""
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
