"""The project's Dagster instance settings (DAGSTER_HOME/dagster.yaml)."""

from __future__ import annotations

from pathlib import Path

from orchestration.lib.partitions import WAREHOUSE_POOL

DAGSTER_YAML = f"""\
# The project's Dagster instance. Written by `make` when absent; edit freely, make leaves an
# existing file alone.

# Everything that opens the working DuckDB file (ingest, dbt, publish) is in the pool
# '{WAREHOUSE_POOL}'. DuckDB allows one writer and a reader blocks it, so the limit is 1:
# backfills and overlapping runs queue instead of failing on the lock.
concurrency:
  pools:
    granularity: op
    default_limit: 1

# Runs the daemon launches are watched: one stuck starting is failed after 3 minutes, one
# running over 2 hours is failed, and a finished run's pool slots are freed after a minute.
# A run whose process died (kill -9, out of memory) is failed by the sensor
# warehouse_watchdog, and by `make run` before it starts.
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  max_runtime_seconds: 7200
  free_slots_after_run_end_seconds: 60

# The council network refuses outbound calls; no usage statistics.
telemetry:
  enabled: false
"""


def write_dagster_yaml(dagster_home: Path) -> Path | None:
    """Writes dagster.yaml when absent; returns its path if written."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    target = dagster_home / "dagster.yaml"
    if target.exists():
        return None
    target.write_text(DAGSTER_YAML, encoding="utf-8")
    return target
