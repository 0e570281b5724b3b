"""The published copy in PostgreSQL, for analysts' tools that reach a database over the network.

With `SCP_PUBLISH_PG_URL` set, every table of the published copy (`published/marts.duckdb`:
each source's last good tables and the publication metadata) is written into schema `marts`
of that database after each publish. The copy is read from the published DuckDB file, never
from the working warehouse, so a refused source keeps its last good tables here too, and the
working tables (raw, staging, intermediate) never leave DuckDB.

The new tables are loaded into a schema of their own and swapped for `marts` in the same
transaction: a reader sees the old figures or the new, never a mix, and a failure leaves the
old schema whole. Only `SELECT` is granted, to the analysts' role (`scp_analyst`, or
`SCP_ANALYST_ROLE`), created without a login when missing; analysts' own logins are made
members of it.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg2
import psycopg2.extensions

PUBLISH_PG_ENV = "SCP_PUBLISH_PG_URL"
ANALYST_ROLE_ENV = "SCP_ANALYST_ROLE"
DEFAULT_ANALYST_ROLE = "scp_analyst"
SCHEMA = "marts"
_NEXT = "marts_next"

# DuckDB type -> PostgreSQL type; anything else travels as text.
_TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "TIME": "time",
    "VARCHAR": "text",
    "UUID": "uuid",
}
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class PostgresPublishError(RuntimeError):
    """The copy in PostgreSQL could not be written; the old one stays whole."""


@dataclass(frozen=True)
class PostgresCopy:
    """What one write to PostgreSQL put there."""

    schema: str
    role: str
    row_counts: Mapping[str, int]


def postgres_type(duckdb_type: str) -> str:
    """The PostgreSQL column type for a DuckDB one ('DECIMAL(12,1)' -> 'numeric(12,1)')."""
    if duckdb_type.startswith("DECIMAL"):
        return "numeric" + duckdb_type[len("DECIMAL") :]
    return _TYPES.get(duckdb_type, "text")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def libpq_url(url: str) -> str:
    """A URL libpq reads: 'postgresql+psycopg2://...' (SQLAlchemy's form) -> 'postgresql://...'."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme.split('+', 1)[0]}{sep}{rest}" if sep else url


def analyst_role(environ: Mapping[str, str] | None = None) -> str:
    role = (environ if environ is not None else os.environ).get(ANALYST_ROLE_ENV) or ""
    role = role.strip() or DEFAULT_ANALYST_ROLE
    if not _IDENTIFIER.match(role):
        raise PostgresPublishError(f"{ANALYST_ROLE_ENV}={role!r} is not a plain role name")
    return role


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'main' and table_type = 'BASE TABLE' order by table_name"
    ).fetchall()
    return [name for (name,) in rows]


def _copy_table(
    con: duckdb.DuckDBPyConnection, cursor: psycopg2.extensions.cursor, table: str
) -> int:
    """Creates `marts_next.<table>` and loads the rows with COPY (CSV through memory)."""
    columns = con.execute(f"describe {_quoted(table)}").fetchall()
    ddl = ", ".join(f"{_quoted(name)} {postgres_type(str(kind))}" for name, kind, *_ in columns)
    target = f"{_NEXT}.{_quoted(table)}"
    cursor.execute(f"create table {target} ({ddl})")
    # DuckDB writes the CSV: NULL as an empty field, an empty string quoted, so they stay apart.
    with tempfile.TemporaryDirectory(prefix="scp-pg-") as folder:
        csv_path = Path(folder) / "table.csv"
        con.execute(
            f"copy (select * from {_quoted(table)}) to '{csv_path}' (format csv, header false)"
        )
        names = ", ".join(_quoted(name) for name, *_ in columns)
        with csv_path.open(encoding="utf-8") as handle:
            cursor.copy_expert(f"copy {target} ({names}) from stdin with (format csv)", handle)
    return int(cursor.rowcount)


def publish_to_postgres(
    published_db: Path, url: str, role: str = DEFAULT_ANALYST_ROLE
) -> PostgresCopy:
    """Writes every table of the published DuckDB copy into schema `marts` at `url`.

    Raises:
        PostgresPublishError: the database cannot be reached or refused a statement.
    """
    counts: dict[str, int] = {}
    try:
        with duckdb.connect(str(published_db), read_only=True) as source:
            connection = psycopg2.connect(libpq_url(url))
            # One transaction: committed when the block ends, rolled back if anything raised.
            with connection, connection.cursor() as cursor:
                cursor.execute("select 1 from pg_roles where rolname = %s", (role,))
                if cursor.fetchone() is None:
                    cursor.execute(f"create role {_quoted(role)} nologin")
                cursor.execute(f"drop schema if exists {_NEXT} cascade")
                cursor.execute(f"create schema {_NEXT}")
                for table in _tables(source):
                    counts[table] = _copy_table(source, cursor, table)
                # The swap: readers of `marts` wait for the commit, then see the new tables.
                cursor.execute(f"drop schema if exists {SCHEMA} cascade")
                cursor.execute(f"alter schema {_NEXT} rename to {SCHEMA}")
                cursor.execute(f"revoke all on schema {SCHEMA} from public")
                cursor.execute(f"grant usage on schema {SCHEMA} to {_quoted(role)}")
                cursor.execute(f"grant select on all tables in schema {SCHEMA} to {_quoted(role)}")
            connection.close()
    except psycopg2.Error as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PostgresPublishError(
            f"the published tables were not written to PostgreSQL ({PUBLISH_PG_ENV}): {message}; "
            f"schema {SCHEMA} keeps its previous tables"
        ) from exc
    return PostgresCopy(schema=SCHEMA, role=role, row_counts=counts)


def publish_if_configured(published_db: Path) -> PostgresCopy | None:
    """The PostgreSQL copy when SCP_PUBLISH_PG_URL is set; None (nothing done) otherwise."""
    url = os.environ.get(PUBLISH_PG_ENV, "").strip()
    if not url:
        return None
    return publish_to_postgres(published_db, url, analyst_role())
