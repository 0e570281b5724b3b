"""Compares two published copies of the marts, table by table and row by row.

    .venv/bin/python scripts/compare_published.py OLD/marts.duckdb NEW/marts.duckdb \
        [--rename old_table.old_column=new_column ...]

Used to show that a change to the pipeline left every published figure as it was: every table
the two copies share is compared on all its columns (renamed columns mapped), rows in a total
order. Tables in `marts` (older copies) or the default schema (current copies) are both read.
Exits 1 if any shared table differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb


def tables(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, str]:
    """Table name -> qualified name, in `marts` or `main`."""
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = ? and table_schema in ('marts', 'main')",
        [catalog],
    ).fetchall()
    return {name: f'{catalog}."{schema}"."{name}"' for schema, name in rows}


def columns(con: duckdb.DuckDBPyConnection, qualified: str) -> list[str]:
    return [row[0] for row in con.execute(f"describe {qualified}").fetchall()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--rename", action="append", default=[], help="table.old_col=new_col")
    args = parser.parse_args()
    renames: dict[str, dict[str, str]] = {}
    for item in args.rename:
        left, new_column = item.split("=")
        table, old_column = left.split(".")
        renames.setdefault(table, {})[old_column] = new_column

    con = duckdb.connect()
    con.execute(f"attach '{args.old}' as old (read_only)")
    con.execute(f"attach '{args.new}' as new (read_only)")
    old, new = tables(con, "old"), tables(con, "new")
    differing = 0
    for name in sorted(set(old) & set(new)):
        mapping = renames.get(name, {})
        old_columns = columns(con, old[name])
        new_columns = set(columns(con, new[name]))
        shared = [c for c in old_columns if mapping.get(c, c) in new_columns]
        old_select = ", ".join(f'"{c}"' for c in shared)
        new_select = ", ".join(f'"{mapping.get(c, c)}"' for c in shared)
        only_old = con.execute(
            f"select count(*) from (select {old_select} from {old[name]} "
            f"except all select {new_select} from {new[name]})"
        ).fetchone()[0]
        only_new = con.execute(
            f"select count(*) from (select {new_select} from {new[name]} "
            f"except all select {old_select} from {old[name]})"
        ).fetchone()[0]
        rows = con.execute(f"select count(*) from {old[name]}").fetchone()[0]
        dropped = [c for c in old_columns if c not in shared]
        added = sorted(new_columns - {mapping.get(c, c) for c in shared})
        status = "same" if only_old == only_new == 0 else "DIFFERENT"
        differing += status != "same"
        extra = ""
        if dropped or added:
            extra = f"  (columns only in old: {dropped or '-'}; only in new: {added or '-'})"
        print(
            f"{status:<9} {name:<32} {rows:>9,} rows, {len(shared)} columns compared; "
            f"{only_old} only in old, {only_new} only in new{extra}"
        )
    for name in sorted(set(old) - set(new)):
        print(f"{'gone':<9} {name}")
    for name in sorted(set(new) - set(old)):
        print(f"{'new':<9} {name}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
