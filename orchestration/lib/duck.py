"""DuckDB connections with the access each role needs.

One process may write a DuckDB file, and even a read-only connection from another process
blocks the writer. So writers (ingest, dbt) share one Dagster pool with limit 1, checks read
after the writers through short read-only connections, and analysts only ever open the
published copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb


@contextmanager
def read_write(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        yield con
    finally:
        con.close()


@contextmanager
def read_only(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    if not path.exists():
        raise FileNotFoundError(f"no DuckDB database at {path}: has the pipeline run?")
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


PUBLISHED_CATALOG = "published"


@contextmanager
def published(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The published marts, read-only, as catalog `published` (tables `published.marts.*`),
    with `marts` on the search path so `marts.<table>` and plain `<table>` both resolve.

    DuckDB names a file's catalog after the file, so opening `marts.duckdb` directly gives a
    catalog and a schema both called `marts`, and `marts.<table>` is then ambiguous. Attaching
    under another name avoids that; analysts are shown the same ATTACH in the README.
    """
    if not path.exists():
        raise FileNotFoundError(f"no published marts at {path}: has a run published yet?")
    con = duckdb.connect()
    try:
        con.execute(f"attach '{path}' as {PUBLISHED_CATALOG} (read_only)")
        con.execute(f"use {PUBLISHED_CATALOG}.marts")
        yield con
    finally:
        con.close()
