"""Runs that hold the working warehouse: free a dead one's slot, wait for a live one, say which.

Every step that opens the warehouse claims the one slot of the `duckdb_warehouse` pool. A run
killed with `kill -9` (an out-of-memory kill, a reboot) never gives its slot back and stays
`STARTED` in the instance, and every later run would wait for that slot forever. Dagster's own
run monitoring cannot tell, for runs of the default run launcher or run in process, that the
run's process is gone; its events can: each event records the process that wrote it. So a run
whose latest event's process no longer exists (or is a newer process with a recycled id) is
dead: it is marked failed and its slots are freed, and the caller is told in one line.
"""

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
from dagster._core.storage.dagster_run import FINISHED_STATUSES

from orchestration.lib.partitions import WAREHOUSE_POOL

# `make run` waits this long for a live run that holds the warehouse, then gives up saying so.
DEFAULT_WAIT_SECONDS = 30 * 60


class WarehouseBusy(RuntimeError):
    """A live run still holds the warehouse after the time limit."""


def step_failure_text(event: dg.DagsterEvent) -> str:
    """A failed step's reason: the description its `Failure` gave, else the error's message."""
    data = event.step_failure_data
    if data is None:
        return ""
    text = data.user_failure_data.description if data.user_failure_data else None
    return (text or (data.error.message if data.error else "") or "").strip()


@dataclass(frozen=True)
class RunProcess:
    """The process a run's latest event came from, and whether it still runs."""

    run_id: str
    job_name: str
    status: str
    started_at: datetime | None
    pid: int | None
    alive: bool

    def describe(self) -> str:
        started = f"started at {self.started_at:%Y-%m-%d %H:%M:%S} UTC" if self.started_at else ""
        return f"run {self.run_id} ({self.job_name}{', ' + started if started else ''})"


def _boot_time() -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    return 0.0


def process_alive(pid: int, since: float) -> bool:
    """Whether process `pid` exists and was started by `since` (a Unix time).

    A process started after `since` is another program that was given a recycled id; a zombie
    has finished. Without /proc, existence is all that can be asked.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return False
    started = _boot_time() + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    return started <= since + 1.0


def run_process(instance: dg.DagsterInstance, run_id: str) -> RunProcess | None:
    """The run and the process behind its latest event, or None for a run the instance lacks."""
    record = instance.get_run_record_by_id(run_id)
    if record is None:
        return None
    run = record.dagster_run
    pid, at = None, None
    events = instance.get_records_for_run(run_id, ascending=False, limit=50).records
    for event in events:
        entry = event.event_log_entry
        if entry.dagster_event is not None and entry.dagster_event.pid:
            pid, at = entry.dagster_event.pid, entry.timestamp
            break
    finished = run.status in FINISHED_STATUSES
    alive = not finished and (pid is None or process_alive(pid, at or time.time()))
    started = record.start_time or record.create_timestamp.timestamp()
    return RunProcess(
        run_id=run_id,
        job_name=run.job_name,
        status=run.status.value,
        started_at=datetime.fromtimestamp(started, UTC) if started else None,
        pid=pid,
        alive=alive,
    )


def warehouse_holders(instance: dg.DagsterInstance, pool: str = WAREHOUSE_POOL) -> list[RunProcess]:
    """The runs that hold a slot of the pool, or wait for one."""
    if not instance.event_log_storage.supports_global_concurrency_limits:
        return []
    info = instance.event_log_storage.get_concurrency_info(pool)
    run_ids = {slot.run_id for slot in info.claimed_slots}
    run_ids |= {step.run_id for step in info.pending_steps}
    holders = [run_process(instance, run_id) for run_id in sorted(run_ids)]
    return [holder for holder in holders if holder is not None]


def reclaim_dead_runs(instance: dg.DagsterInstance, pool: str = WAREHOUSE_POOL) -> list[str]:
    """Frees the pool from runs that ended or died; returns one line per run freed.

    Also marks failed every `STARTED` run whose process is gone, so the UI stops showing it as
    running.
    """
    lines = []
    started = instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
    candidates = {record.dagster_run.run_id for record in started}
    candidates |= {holder.run_id for holder in warehouse_holders(instance, pool)}
    for run_id in sorted(candidates):
        holder = run_process(instance, run_id)
        if holder is None or holder.alive:
            continue
        run = instance.get_run_by_id(run_id)
        if run is not None and run.status not in FINISHED_STATUSES:
            instance.report_run_failed(
                run,
                message=(
                    f"the run's process (pid {holder.pid}) is gone without finishing (killed, "
                    "out of memory, or a reboot); marked failed by the warehouse watchdog"
                ),
            )
            lines.append(
                f"{holder.describe()} died without finishing (its process {holder.pid} is "
                "gone): marked failed, and its hold on the working warehouse freed"
            )
        elif instance.event_log_storage.supports_global_concurrency_limits:
            info = instance.event_log_storage.get_concurrency_info(pool)
            if run_id in {slot.run_id for slot in info.claimed_slots}:
                lines.append(f"{holder.describe()} had finished: its warehouse slot freed")
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run_id)
    return lines


def wait_for_warehouse(
    instance: dg.DagsterInstance,
    say: Callable[[str], None],
    *,
    timeout_seconds: float = DEFAULT_WAIT_SECONDS,
    poll_seconds: float = 2.0,
    pool: str = WAREHOUSE_POOL,
) -> None:
    """Returns once no live run holds the warehouse: dead holders are freed, live ones named.

    Raises:
        WarehouseBusy: a live run still holds it after `timeout_seconds`.
    """
    deadline = time.monotonic() + timeout_seconds
    announced: set[str] = set()
    while True:
        for line in reclaim_dead_runs(instance, pool):
            say(line)
        live = [holder for holder in warehouse_holders(instance, pool) if holder.alive]
        if not live:
            return
        for holder in live:
            if holder.run_id not in announced:
                say(
                    f"waiting for {holder.describe()}, which is using the working warehouse "
                    f"(at most {timeout_seconds / 60:.0f} minutes)"
                )
                announced.add(holder.run_id)
        if time.monotonic() >= deadline:
            names = ", ".join(holder.describe() for holder in live)
            raise WarehouseBusy(
                f"{names} still holds the working warehouse after {timeout_seconds / 60:.0f} "
                "minutes; wait for it to finish or terminate it in the Dagster UI, then run again"
            )
        time.sleep(poll_seconds)


@dg.sensor(
    name="warehouse_watchdog",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Marks failed any run whose process is gone without finishing (killed, out of memory, "
        "a reboot) and frees its hold on the working warehouse, so the schedule and the "
        "sensors' runs never wait for a dead run."
    ),
)
def warehouse_watchdog(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    lines = reclaim_dead_runs(context.instance)
    for line in lines:
        context.log.warning(line)
    return dg.SkipReason("; ".join(lines) if lines else "no dead run holds the working warehouse")
