"""Write, audit, publish: the analysts' copy of the marts, swapped in atomically.

Analysts never open the working warehouse (a reader there would block the writer). They open
`published/marts.duckdb` and `published/parquet/*.parquet`, which change only here, only after
every blocking check has passed, and only by `os.replace` of a complete file: a reader sees the
old copy or the new one, never half of either.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

SCHEMA = "marts"


@dataclass(frozen=True)
class PublishReport:
    database: Path
    parquet_files: dict[str, Path]
    row_counts: dict[str, int]
    manifest: Path


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def publish_marts(
    warehouse: Path, published_dir: Path, reporting_month: str, published_at: datetime | None = None
) -> PublishReport:
    """Copies every table of the `marts` schema into a fresh database and Parquet files, then
    swaps each into place.

    Args:
        warehouse: the working DuckDB file, attached read-only.
        published_dir: where analysts look (`warehouse/published/`).
        reporting_month: 'YYYY-MM' the run reports on, recorded in manifest.json.
    """
    published_at = published_at or datetime.now(UTC)
    published_dir.mkdir(parents=True, exist_ok=True)
    parquet_dir = published_dir / "parquet"
    parquet_dir.mkdir(exist_ok=True)
    token = uuid.uuid4().hex[:12]
    # DuckDB names a catalog after its file; the staged file's name must not be 'marts'.
    staged_db = published_dir / f".staged-{token}.duckdb.tmp"
    staged_parquet: dict[str, Path] = {}
    row_counts: dict[str, int] = {}
    try:
        con = duckdb.connect(str(staged_db))
        try:
            con.execute(f"attach {_quote(warehouse)} as warehouse (read_only)")
            tables = [
                name
                for (name,) in con.execute(
                    "select table_name from information_schema.tables "
                    "where table_catalog = 'warehouse' and table_schema = ? "
                    "and table_type = 'BASE TABLE' order by table_name",
                    [SCHEMA],
                ).fetchall()
            ]
            if not tables:
                raise RuntimeError(
                    f"no tables in schema {SCHEMA} of {warehouse}: nothing to publish"
                )
            con.execute(f"create schema {SCHEMA}")
            for table in tables:
                con.execute(
                    f'create table {SCHEMA}."{table}" as '
                    f'select * from warehouse.{SCHEMA}."{table}" order by all'
                )
                row_counts[table] = con.execute(
                    f'select count(*) from {SCHEMA}."{table}"'
                ).fetchone()[0]
                staged = parquet_dir / f".{table}.{token}.parquet.tmp"
                con.execute(
                    f'copy {SCHEMA}."{table}" to {_quote(staged)} '
                    "(format parquet, compression zstd)"
                )
                staged_parquet[table] = staged
            con.execute("detach warehouse")
            con.execute("checkpoint")
        finally:
            con.close()

        database = published_dir / "marts.duckdb"
        os.replace(staged_db, database)
        parquet_files: dict[str, Path] = {}
        for table, staged in staged_parquet.items():
            final = parquet_dir / f"{table}.parquet"
            os.replace(staged, final)
            parquet_files[table] = final
    finally:
        staged_db.unlink(missing_ok=True)
        for staged in staged_parquet.values():
            staged.unlink(missing_ok=True)

    manifest = published_dir / "manifest.json"
    staged_manifest = published_dir / f".manifest.{token}.tmp"
    staged_manifest.write_text(
        json.dumps(
            {
                "reporting_month": reporting_month,
                "published_at": published_at.isoformat(timespec="seconds"),
                "database": database.name,
                "schema": SCHEMA,
                "tables": row_counts,
                "parquet": {table: f"parquet/{path.name}" for table, path in parquet_files.items()},
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    os.replace(staged_manifest, manifest)
    return PublishReport(
        database=database, parquet_files=parquet_files, row_counts=row_counts, manifest=manifest
    )
