"""The project's Dagster instance settings (DAGSTER_HOME/dagster.yaml)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from orchestration.lib.partitions import WAREHOUSE_POOL

# The PostgreSQL database the instance's run, event log and schedule storage use, when set
# (a URL, postgresql://user:password@host:port/db); unset, SQLite files in DAGSTER_HOME.
DAGSTER_PG_ENV = "SCP_DAGSTER_PG_URL"
# How the SQLite instance's files are written: SQLite's `synchronous` (off, normal, full).
SQLITE_SYNC_ENV = "SCP_DAGSTER_SQLITE_SYNC"
SQLITE_SYNC_MODES = ("off", "normal", "full")

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


def sqlite_sync_mode() -> str:
    """SQLite's `synchronous` for the instance's files: `SCP_DAGSTER_SQLITE_SYNC`, else off."""
    mode = os.environ.get(SQLITE_SYNC_ENV, "off").strip().lower() or "off"
    if mode not in SQLITE_SYNC_MODES:
        raise ValueError(
            f"{SQLITE_SYNC_ENV}={mode!r}: expected one of {', '.join(SQLITE_SYNC_MODES)}"
        )
    return mode


def _under_dagster_home(connection: sqlite3.Connection) -> bool:
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return False
    files = [row[2] for row in connection.execute("pragma database_list").fetchall() if row[2]]
    return any(Path(file).resolve().is_relative_to(Path(home).resolve()) for file in files)


_sync_listener: list[Any] = []


def relax_sqlite_instance_sync() -> None:
    """The SQLite files of the instance in DAGSTER_HOME are written without waiting for the disk
    (`synchronous = off`, unless SCP_DAGSTER_SQLITE_SYNC says otherwise), in this process.

    Dagster opens a connection for every event it stores and commits it; with SQLite's default
    each commit waits for the disk (about 15 ms here), and a refresh stores about 1,500 events,
    three or more commits each. A process that ends, even killed, loses nothing this way; a
    machine that loses power mid-write may leave the run history to be removed (docs/
    decisions.md). PostgreSQL storage (SCP_DAGSTER_PG_URL) is untouched. Only connections to
    files under DAGSTER_HOME are changed; once per process.
    """
    if _sync_listener:
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    mode = sqlite_sync_mode()

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection) and _under_dagster_home(
            dbapi_connection
        ):
            dbapi_connection.execute(f"pragma synchronous = {mode}")

    event.listen(Engine, "connect", on_connect)
    _sync_listener.append(on_connect)
