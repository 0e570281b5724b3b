"""DuckDB connections with the access each role needs, and the sentences for when they fail.

One process may write a DuckDB file, and even a read-only connection from another process
blocks the writer. So writers (ingest, dbt) share one Dagster pool with limit 1, checks read
inside the writer's step, and analysts only ever open the published copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb


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
        return duckdb.connect(str(path), read_only=read_only)
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
