"""DuckDB connections with the access each role needs, and the sentences for when they fail.

One process may write a DuckDB file, and even a read-only connection from another process
blocks the writer. So writers (ingest, dbt) share one Dagster pool with limit 1, checks read
inside the writer's step, and analysts only ever open the published copy.

Every connection the pipeline opens on a warehouse file caps DuckDB's memory and names where it
spills (`duckdb_settings`), as dbt's profile does with the same variable: a national ward
history then lands and builds in a bounded amount of memory, spilling to disk beyond it, rather
than taking whatever the machine has.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

# DuckDB's memory cap for the pipeline's connections and dbt's (dbt_project/profiles.yml reads
# the same variable with the same default). Beyond it DuckDB spills to the temporary directory.
MEMORY_LIMIT_ENV = "SCP_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "1GB"


def duckdb_settings(path: Path | None) -> dict[str, str]:
    """The memory cap and the spill directory for a connection to `path` (in memory: None).

    The spill directory is `<database>.tmp` beside the file (DuckDB's own default, written out so
    it does not depend on it) and a folder of the process's own in the system's temporary folder for
    an in-memory database.
    """
    limit = os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT
    spill = (
        path.with_name(path.name + ".tmp")
        if path is not None
        # DuckDB names its spill files alike in every process: one folder each.
        else Path(tempfile.gettempdir()) / f"scp-duckdb-spill-{os.getpid()}"
    )
    return {"memory_limit": limit, "temp_directory": str(spill)}


def apply_settings(con: duckdb.DuckDBPyConnection, path: Path | None) -> None:
    """Sets `duckdb_settings` on a connection, leaving alone those it has already (DuckDB
    refuses to name the spill directory again once the database has spilled, even unchanged)."""
    for name, value in duckdb_settings(path).items():
        # Each result fetched to its end: DuckDB 2 refuses other work (a frame registered, say)
        # on a connection whose last result is unfinished.
        current = con.execute("select current_setting(?)", [name]).fetchall()
        if not current or str(current[0][0]) != value:
            con.execute(f"set {name} = {quote_literal(value)}").fetchall()


def in_memory() -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the pipeline's memory cap (a parse outside the warehouse)."""
    con = duckdb.connect()
    apply_settings(con, None)
    return con


class WarehouseUnavailable(RuntimeError):
    """The working warehouse cannot be opened; the message says why and what to do."""


_LOCK_HOLDER = re.compile(r"PID (\d+)")


def quote_literal(value: str) -> str:
    """A SQL string literal: DuckDB cannot bind parameters in DDL such as a view."""
    return "'" + value.replace("'", "''") + "'"


def _holder(pid: str) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return f"process {pid}"
    return f"process {pid} ({command[:120]})" if command else f"process {pid}"


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        message = str(exc)
        if "lock" not in message.lower():
            raise WarehouseUnavailable(f"cannot open {path}: {message}") from exc
        match = _LOCK_HOLDER.search(message)
        holder = _holder(match.group(1)) if match else "another process"
        raise WarehouseUnavailable(
            f"the working warehouse {path} is open in {holder}; DuckDB lets one process use it "
            "while it is written. Close that connection (analysts read "
            "published/marts.duckdb instead) and run again."
        ) from exc
    # Set after connecting, not as the connection's config: a second connection to the same
    # file in one process must have the first one's config, and a plain one has none.
    apply_settings(con, path)
    return con


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, frame: Any) -> Iterator[str]:
    """A pandas frame or Arrow table visible to SQL as the view `name` while the block runs."""
    con.register(name, frame)
    try:
        yield name
    finally:
        con.unregister(name)


@contextmanager
def read_write(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect(path, read_only=False)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def read_only(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    if not path.exists():
        raise FileNotFoundError(f"no DuckDB database at {path}: has the pipeline run?")
    con = _connect(path, read_only=True)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def published(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The published marts, read-only: tables are in its default schema, so `<table>` and
    `marts.<table>` (the file's catalog) both resolve, as they do for analysts."""
    if not path.exists():
        raise FileNotFoundError(f"no published marts at {path}: has a run published yet?")
    with read_only(path) as con:
        yield con
