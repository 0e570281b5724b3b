"""The project's Dagster instance settings (DAGSTER_HOME/dagster.yaml)."""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path

from orchestration.lib.partitions import WAREHOUSE_POOL

# The PostgreSQL database the instance's run, event log and schedule storage use, when set
# (a URL, postgresql://user:password@host:port/db); unset, SQLite files in DAGSTER_HOME.
DAGSTER_PG_ENV = "SCP_DAGSTER_PG_URL"

DAGSTER_YAML = f"""\
# The project's Dagster instance. Written by `make` when absent; edit freely, make leaves an
# existing file alone.

# Everything that opens the working DuckDB file (ingest, dbt, publish) is in the pool
# '{WAREHOUSE_POOL}'. DuckDB allows one writer and a reader blocks it, so the limit is 1:
# backfills and overlapping runs queue instead of failing on the lock.
# Runs the daemon launches (sensors, the schedule, the UI) wait in the queued run coordinator's
# queue: two at a time at most, and one refresh, since every refresh writes the one warehouse.
# `make run` runs in its own process and waits for the pool instead.
concurrency:
  pools:
    granularity: op
    default_limit: 1
  runs:
    max_concurrent_runs: 2
    tag_concurrency_limits:
      - key: dagster/job_name
        value: refresh
        limit: 1

# Runs the daemon launches are watched: one stuck starting is failed after 3 minutes, one
# running over 2 hours is failed, and a finished run's pool slots are freed after a minute.
# A run whose process died (kill -9, out of memory) is failed by the sensor
# warehouse_watchdog, and by `make run` before it starts.
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  max_runtime_seconds: 7200
  free_slots_after_run_end_seconds: 60

# A run that died (its process killed, the machine restarted) is started again once; a run
# that failed on its own (a step raised) is not: retrying would fail the same way.
run_retries:
  enabled: true
  max_retries: 1
  retry_on_asset_or_op_failure: false

# The council network refuses outbound calls; no usage statistics.
telemetry:
  enabled: false
"""

# Run history, event logs and schedules in PostgreSQL (dagster-postgres): the webserver, the
# daemon and every engineer's `make run` share one instance safely. The URL is read from the
# environment when the instance loads, so no password is written to this file.
POSTGRES_STORAGE = f"""
# Run, event log and schedule storage in PostgreSQL, at the URL in {DAGSTER_PG_ENV}
# (postgresql+psycopg2://user:password@host:5432/db; `make serve` and `make run` add
# +psycopg2 to a postgresql:// URL themselves).
storage:
  postgres:
    postgres_url:
      env: {DAGSTER_PG_ENV}
"""


def sqlalchemy_url(url: str) -> str:
    """The URL with psycopg2 named: SQLAlchemy 2.1 opens a bare postgresql:// with psycopg 3,
    on which dagster-postgres's NOTIFY fails. 'postgres://' and 'postgresql://' both work."""
    scheme, sep, rest = url.strip().partition("://")
    if sep and scheme in ("postgres", "postgresql"):
        return f"postgresql+psycopg2://{rest}"
    return url.strip()


def name_the_driver(environ: MutableMapping[str, str] = os.environ) -> None:
    """Rewrites SCP_DAGSTER_PG_URL to name psycopg2, before an instance is opened."""
    if environ.get(DAGSTER_PG_ENV):
        environ[DAGSTER_PG_ENV] = sqlalchemy_url(environ[DAGSTER_PG_ENV])


def dagster_yaml(postgres: bool) -> str:
    """The instance settings; with PostgreSQL storage when `postgres`."""
    return DAGSTER_YAML + (POSTGRES_STORAGE if postgres else "")


def uses_postgres(dagster_home: Path) -> bool:
    """Whether the instance in `dagster_home` keeps its storage in PostgreSQL."""
    target = dagster_home / "dagster.yaml"
    return target.exists() and DAGSTER_PG_ENV in target.read_text(encoding="utf-8")


def write_dagster_yaml(dagster_home: Path) -> Path | None:
    """Writes dagster.yaml when absent, with PostgreSQL storage when SCP_DAGSTER_PG_URL is
    set; returns its path if written."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    target = dagster_home / "dagster.yaml"
    if target.exists():
        return None
    target.write_text(dagster_yaml(bool(os.environ.get(DAGSTER_PG_ENV))), encoding="utf-8")
    return target
