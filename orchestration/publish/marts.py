"""Write, audit, publish, per source: the analysts' copy, swapped in atomically.

The working warehouse holds everything the last refresh built, good or not. The published copy
(`published/marts.duckdb`, one Parquet file per table, `manifest.json`) holds, for each
publication unit (a source, or the shared reference tables), its last good tables:

- a unit whose dbt build passed (every model built, every test and unit test passed) is
  published from the working warehouse;
- a unit whose build failed keeps the tables it had in the previous published copy, and the
  manifest says why;
- a source that has never landed a file (or that the partnership does not use,
  `SCP_SOURCES`) is `not set up`: nothing of it is published and nothing is held back for it,
  and a combined unit is not set up while none of its sources is;
- a source whose folder holds no accepted file now (its only file refused, say) keeps what it
  published before, or publishes nothing;
- a combined unit whose tables say whose each row is (`row_column`: the partner chain's
  `provider`) is assembled a source at a time: the rows of each member that publishes come from
  the working warehouse, the rows of a member held back (kept or absent) from the previous
  published copy. A failure of the unit's own nodes keeps all of its rows, as for any unit.

A file refused at the landing gate never reached the working warehouse, so its source still
publishes (from its earlier files) and is marked stale when the refused file was newer. The
new copy is built beside the old one and renamed over it: a reader sees the old copy or the
new one, never half of either, and a failure leaves the old one whole. The catalogue (dbt's
docs site, which the dbt step writes beside the working warehouse) is published the same way,
as `catalogue/index.html`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from orchestration.lib.config import CATALOGUE_FILE
from orchestration.lib.duck import quote_literal, registered
from orchestration.lib.periods import Grain
from orchestration.lib.sql import statement
from orchestration.sections.age import Age
from orchestration.transform.assets import FAILED_STATUSES

STATEMENTS = Path(__file__).with_name("publish.sql")
# Analysts open the copy with whatever DuckDB their tool bundles (the CLI, R, DBeaver, Power
# BI): written in the 1.4 storage format, it opens in DuckDB 1.4 and later, not only in 2.0.
PUBLISHED_STORAGE_VERSION = "v1.4.0"


# What DuckDB raises when the disk refuses a write (full, read-only, not permitted); a commit
# that cannot write its log surfaces as a transaction error.
WRITE_FAILURES = (duckdb.IOException, duckdb.PermissionException, duckdb.TransactionException)


def _sql(name: str, **names: str) -> str:
    return statement(STATEMENTS, name, **names)


class PublishError(RuntimeError):
    """The published copy could not be written; the previous copy is unchanged."""


@dataclass(frozen=True)
class PublicationUnit:
    """What publishes or keeps its last good tables together.

    Attributes:
        key: a source key, or `reference` for the shared reference tables.
        tables: (schema, table) in the working warehouse; published under the table's name.
        source_table: the source's raw table, for the files its figures come from.
        members: for a combined unit, the sources its tables are built from (listed before
            it): it is stale while one of them is.
        folder: for a source, its landing folder under the raw landing zone, for the words
            that say it is not set up.
        in_use: False for a source the partnership does not use (`SCP_SOURCES`).
        period_column: the raw table's period column, to tell which files a later one has
            replaced in every period they hold.
        cycle: the unit's delivery cycle (`month` or `quarter`; a combined unit is monthly when
            one of its sources is), to judge whether its figures are out of date for the pack's
            month; "" for the reference tables.
        row_column, row_values: for a combined unit whose rows say which member they come from,
            the column and each member's value in it (in `members`' order): each member's rows
            publish with that member.
    """

    key: str
    title: str
    tables: tuple[tuple[str, str], ...]
    source_table: str | None = None
    licence: str = ""
    members: tuple[str, ...] = ()
    folder: str = ""
    in_use: bool = True
    period_column: str = ""
    cycle: str = ""
    row_column: str = ""
    row_values: tuple[str, ...] = ()


@dataclass
class UnitPublication:
    """One unit's entry in the manifest."""

    key: str
    title: str
    status: str  # published | kept | absent | not set up
    published_at: str
    tables: list[str]
    release: str = ""
    released_on: str = ""
    stale: bool = False
    reason: str = ""
    files: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    licence: str = ""
    # Beside `stale` (a refused file or a failed build): whether the figures end before the
    # unit's delivery cycle would have them for the pack's month (`sections/age.py`).
    last_month: str = ""
    pack_month: str = ""
    is_out_of_date: bool = False
    out_of_date_reason: str = ""


@dataclass(frozen=True)
class PublishReport:
    database: Path
    manifest: Path
    row_counts: dict[str, int]
    units: list[UnitPublication]

    def unit(self, key: str) -> UnitPublication:
        return next(unit for unit in self.units if unit.key == key)


def _iso(value: date | datetime | None) -> str:
    return value.isoformat() if value else ""


@contextmanager
def _cleaned(paths: list[Path]) -> Iterator[None]:
    """Removes every staged path (and DuckDB's .wal beside a database) whatever happens."""
    try:
        yield
    finally:
        for path in paths:
            for leftover in (path, path.with_name(path.name + ".wal")):
                # A read-only disk refuses even the removal of a file that is not there.
                with contextlib.suppress(OSError):
                    leftover.unlink(missing_ok=True)


def build_failures(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, list[str]]:
    """Unit key -> what failed in the latest dbt build (empty when everything passed)."""
    exists = con.execute(_sql("has_build_results"), [catalog]).fetchone()
    if not exists or not exists[0]:
        return {}
    failures: dict[str, list[str]] = {}
    rows = con.execute(_sql("build_failures", catalog=catalog), [list(FAILED_STATUSES)]).fetchall()
    for unit, kind, name, status, message in rows:
        # dbt's error is a heading and the database's words below it: both, on one line.
        lines = [line.strip() for line in (message or "").splitlines() if line.strip()][:2]
        text = f"dbt {kind} {name} {status}" + (f": {' '.join(lines)}" if lines else "")
        failures.setdefault(unit or "", []).append(text)
    return failures


@dataclass(frozen=True)
class SourceState:
    """What the ledger knows of a source: file versions seen, files accepted now."""

    versions_seen: int = 0
    files_accepted: int = 0


def source_states(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, SourceState]:
    """Source key -> its state; a source with no entry has never landed a file."""
    exists = con.execute(_sql("has_ledger"), [catalog]).fetchone()
    if not exists or not exists[0]:
        return {}
    return {
        key: SourceState(int(seen), int(accepted))
        for key, seen, accepted in con.execute(_sql("source_states", catalog=catalog)).fetchall()
    }


def _not_set_up(unit: PublicationUnit, reason: str) -> UnitPublication:
    return UnitPublication(
        key=unit.key,
        title=unit.title,
        status="not set up",
        published_at="",
        tables=[],
        licence=unit.licence,
        reason=reason,
    )


def _setup_reason(
    unit: PublicationUnit, states: Mapping[str, SourceState], not_set_up: Mapping[str, str]
) -> str:
    """Why a unit is not set up, or '' when it is."""
    if unit.source_table is not None:
        if not unit.in_use:
            return "not among the sources this partnership uses (SCP_SOURCES)"
        if unit.key not in states:
            where = f"raw/{unit.folder}/" if unit.folder else "its landing folder"
            return f"no file has landed in {where} yet"
        return ""
    if unit.members and all(member in not_set_up for member in unit.members):
        return "none of its sources is set up yet: " + ", ".join(unit.members)
    return ""


def _files(
    con: duckdb.DuckDBPyConnection, catalog: str, unit: PublicationUnit, as_of: date | None
) -> list[dict]:
    """The accepted files the unit's figures come from (released by `as_of`, when given)."""
    if unit.source_table is None:
        return []
    query = _sql("source_files", catalog=catalog, table=unit.source_table)
    frame = con.execute(query, [unit.key, as_of]).df()
    superseded: dict[str, str] = {}
    if unit.period_column:
        replaced = _sql(
            "superseded_files",
            catalog=catalog,
            table=unit.source_table,
            period=unit.period_column,
        )
        superseded = dict(con.execute(replaced, [as_of]).fetchall())
    return [
        {
            "file": row.source_file,
            "sha256": row.source_sha256,
            "release": row.release,
            "released_on": _iso(row.released_on.date()),
            "first_period": _iso(row.first_period.date()),
            "last_period": _iso(row.last_period.date()),
            "rows": int(row.row_count),
            "loaded_at": row.checked_at.isoformat(timespec="seconds"),
            "superseded_by": superseded.get(row.source_file, ""),
        }
        for row in frame.itertuples()
    ]


def _refused(con: duckdb.DuckDBPyConnection, catalog: str, unit: PublicationUnit) -> list[dict]:
    """The unit's landed files that stand refused, with the check, place and rule."""
    if unit.source_table is None:
        return []
    rows = con.execute(_sql("refused_files", catalog=catalog), [unit.key]).fetchall()
    return [
        {
            "file": name,
            "sha256": sha,
            "release": release or "",
            "released_on": _iso(released_on),
            "check": check or "",
            "where": where or "",
            "rule": rule or "",
        }
        for name, sha, release, released_on, check, where, rule in rows
    ]


def _stale_reason(entry: UnitPublication) -> str:
    """'figures from release 2024-01; the 2024-02 file ... failed check X (...)', or ''.

    A refused file of the release shown, or a later one, makes the figures stale: a return
    re-sent for the same quarter is a correction, and the figures shown are not what its
    sender last sent. Only a refused file of an older release leaves them current.
    """
    newer = [
        refusal
        for refusal in entry.refused
        if not refusal["released_on"] or refusal["released_on"] >= entry.released_on
    ]
    if not newer:
        return ""
    parts = []
    for refusal in newer:
        release = f"the {refusal['release']} file" if refusal["release"] else "the file"
        parts.append(
            f"{release} {refusal['file']} failed check {refusal['check']} "
            f"({refusal['where']}: {refusal['rule']})"
        )
    shown = f"figures from release {entry.release}" if entry.release else "no figures"
    return f"{shown}; " + "; ".join(parts)


def _members_stale(unit: PublicationUnit, entries: list[UnitPublication]) -> str:
    """For a combined unit: which of its sources are stale, and why."""
    stale = [e for e in entries if e.key in unit.members and e.stale and e.status != "not set up"]
    return "; ".join(f"{e.key} is stale ({e.reason})" for e in stale)


def _judge_age(
    unit: PublicationUnit,
    entry: UnitPublication,
    entries: list[UnitPublication],
    pack_month: date | None,
) -> None:
    """Sets the entry's last month of figures and, against the pack's month, whether they are
    out of date for the unit's cycle. A combined unit is as old as its oldest source."""
    if not unit.cycle:
        return
    cycle = Grain(unit.cycle)
    if entry.files:
        last = max(date.fromisoformat(f["last_period"]) for f in entry.files)
        entry.last_month = cycle.period_end(last).replace(day=1).isoformat()
    elif unit.members:
        months = [e.last_month for e in entries if e.key in unit.members and e.last_month]
        entry.last_month = min(months) if months else ""
    if pack_month is None or not entry.last_month:
        return
    age = Age(date.fromisoformat(entry.last_month), pack_month.replace(day=1), cycle)
    entry.pack_month = age.pack_month.isoformat()
    entry.is_out_of_date = age.is_out_of_date
    entry.out_of_date_reason = age.reason


def _previous_manifest(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def publish(
    warehouse: Path,
    published_dir: Path,
    units: Sequence[PublicationUnit],
    *,
    as_of: date | None = None,
    published_at: datetime | None = None,
    pack_month: date | None = None,
) -> PublishReport:
    """Publishes every unit whose build passed; every other unit keeps its published tables.

    `pack_month`, the month of the pack the refresh builds, is what each unit's figures are
    judged out of date against (none when it is not given).

    Raises:
        PublishError: the copy could not be written (a full or read-only disk, say); the
            previous copy is unchanged and no staged file is left behind.
    """
    stamp = (published_at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    database = published_dir / "marts.duckdb"
    manifest_path = published_dir / "manifest.json"
    parquet_dir = published_dir / "parquet"
    catalogue = warehouse.parent / CATALOGUE_FILE
    catalogue_dir = published_dir / CATALOGUE_FILE.parent
    previous = _previous_manifest(manifest_path)
    token = uuid.uuid4().hex[:12]
    # DuckDB names a catalog after its file; the staged file's name must not be 'marts'.
    staged_db = published_dir / f".staged-{token}.duckdb.tmp"
    staged_manifest = published_dir / f".manifest-{token}.json.tmp"
    staged_catalogue = catalogue_dir / f".index-{token}.html.tmp"
    staged_parquet: dict[str, Path] = {}
    staged: list[Path] = [staged_db, staged_manifest, staged_catalogue]
    try:
        published_dir.mkdir(parents=True, exist_ok=True)
        parquet_dir.mkdir(exist_ok=True)
        catalogue_dir.mkdir(exist_ok=True)
        _remove_leftovers(published_dir)
    except OSError as exc:
        raise PublishError(_cannot_write(published_dir, exc)) from exc

    with _cleaned(staged):
        try:
            entries, row_counts = _stage(
                warehouse, database, staged_db, units, previous, as_of, stamp, pack_month
            )
            with duckdb.connect(str(staged_db), read_only=True) as con:
                for entry in entries:
                    if entry.status != "published":
                        continue
                    for table in entry.tables:
                        target = parquet_dir / f".{table}.{token}.parquet.tmp"
                        staged.append(target)
                        staged_parquet[table] = target
                        con.execute(
                            f'copy "{table}" to {quote_literal(str(target))} '
                            "(format parquet, compression zstd)"
                        )
            staged_manifest.write_text(
                _manifest_text(entries, row_counts, as_of, stamp, pack_month), encoding="utf-8"
            )
            if catalogue.exists():
                shutil.copyfile(catalogue, staged_catalogue)
            os.replace(staged_db, database)
            if catalogue.exists():
                os.replace(staged_catalogue, catalogue_dir / catalogue.name)
            for table, path in staged_parquet.items():
                os.replace(path, parquet_dir / f"{table}.parquet")
            os.replace(staged_manifest, manifest_path)
        except (OSError, *WRITE_FAILURES) as exc:
            raise PublishError(_cannot_write(published_dir, exc)) from exc
    return PublishReport(database, manifest_path, row_counts, entries)


def _remove_leftovers(published_dir: Path) -> None:
    """Staged files of a publish that was killed: publishing is one at a time (the warehouse
    pool), so any staged file present now belongs to a run that died."""
    for pattern in (".staged-*", ".manifest-*", "parquet/.*.parquet.tmp", "catalogue/.*.tmp"):
        for leftover in published_dir.glob(pattern):
            leftover.unlink(missing_ok=True)


def _cannot_write(folder: Path, exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        reason = exc.strerror
    else:
        # DuckDB's message ends with the operating system's: "...: No space left on device".
        lines = str(exc).strip().splitlines()
        reason = lines[0].split(": ")[-1] if lines else type(exc).__name__
    return (
        f"cannot write the published copy in {folder}: {reason.strip()}. The previous "
        "published copy is unchanged; free space or make the folder writable and run again."
    )


def _stage(
    warehouse: Path,
    database: Path,
    staged_db: Path,
    units: Sequence[PublicationUnit],
    previous: Mapping[str, Any],
    as_of: date | None,
    stamp: datetime,
    pack_month: date | None = None,
) -> tuple[list[UnitPublication], dict[str, int]]:
    """Builds the new copy in `staged_db` (the default catalog, schema main); returns each
    unit's entry and the row counts."""
    entries: list[UnitPublication] = []
    previous_units = previous.get("sources", {})
    con = duckdb.connect(
        str(staged_db), config={"storage_compatibility_version": PUBLISHED_STORAGE_VERSION}
    )
    try:
        con.execute(f"attach {quote_literal(str(warehouse))} as warehouse (read_only)")
        old_tables: set[str] = set()
        if database.exists():
            con.execute(f"attach {quote_literal(str(database))} as old (read_only)")
            old_tables = {name for (name,) in con.execute(_sql("old_tables")).fetchall()}
        failures = build_failures(con, "warehouse")
        states = source_states(con, "warehouse")
        not_set_up: dict[str, str] = {}
        for unit in units:
            reason = _setup_reason(unit, states, not_set_up)
            if reason:
                not_set_up[unit.key] = reason
                entries.append(_not_set_up(unit, reason))
                continue
            failed = failures.get(unit.key, [])
            earlier = previous_units.get(unit.key, {})
            if unit.source_table is not None and not states[unit.key].files_accepted:
                cause = "no file in its landing folder is accepted now"
                entry = _keep_unit(con, unit, old_tables, earlier, [], cause)
            elif failed:
                entry = _keep_unit(con, unit, old_tables, earlier, failed)
            elif unit.row_column:
                entry = _assemble_unit(con, unit, old_tables, earlier, entries, stamp)
            else:
                entry = _publish_unit(con, unit, as_of, stamp)
            entry.refused = _refused(con, "warehouse", unit)
            if entry.files:
                entry.release = entry.files[-1]["release"]
                entry.released_on = entry.files[-1]["released_on"]
            stale = _stale_reason(entry) or _members_stale(unit, entries)
            entry.stale = bool(stale) or entry.status != "published"
            entry.reason = "; ".join(part for part in (entry.reason, stale) if part)
            _judge_age(unit, entry, entries, pack_month)
            entries.append(entry)
        _write_meta(con, entries, as_of)
        row_counts = {
            table: int(con.execute(f'select count(*) from "{table}"').fetchone()[0])  # type: ignore[index]
            for entry in entries
            for table in entry.tables
        }
        for table in ("meta_publication", "meta_source_files"):
            row_counts[table] = int(con.execute(f"select count(*) from {table}").fetchone()[0])  # type: ignore[index]
        con.execute("detach warehouse")
        if old_tables or database.exists():
            con.execute("detach old")
        con.execute("checkpoint")
    finally:
        con.close()
    return entries, row_counts


def _publish_unit(
    con: duckdb.DuckDBPyConnection, unit: PublicationUnit, as_of: date | None, stamp: datetime
) -> UnitPublication:
    """The unit's tables from the working warehouse: its build passed."""
    for schema, table in unit.tables:
        con.execute(
            f'create table "{table}" as select * from warehouse."{schema}"."{table}" order by all'
        )
    return UnitPublication(
        key=unit.key,
        title=unit.title,
        status="published",
        published_at=stamp.isoformat(),
        tables=[table for _, table in unit.tables],
        licence=unit.licence,
        files=_files(con, "warehouse", unit, as_of),
    )


def _held_back(unit: PublicationUnit, entries: Sequence[UnitPublication]) -> list[str]:
    """The row values of the unit's members that keep their last published rows: those neither
    published from this build nor not set up."""
    status = {entry.key: entry.status for entry in entries}
    return [
        value
        for member, value in zip(unit.members, unit.row_values, strict=True)
        if status.get(member, "published") not in ("published", "not set up")
    ]


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> list[str]:
    return [
        name for (name,) in con.execute(_sql("table_columns"), [catalog, schema, table]).fetchall()
    ]


def _assemble_unit(
    con: duckdb.DuckDBPyConnection,
    unit: PublicationUnit,
    old_tables: set[str],
    earlier: Mapping[str, Any],
    entries: Sequence[UnitPublication],
    stamp: datetime,
) -> UnitPublication:
    """The unit's tables a member at a time: the rows of members that publish from the working
    warehouse, those of members held back from the previous published copy (the columns both
    copies have; a column new in this build is NULL in the kept rows)."""
    held = _held_back(unit, entries)
    column = unit.row_column
    values = ", ".join(quote_literal(value) for value in held)
    is_held = f'"{column}" in ({values})' if held else "false"
    for schema, table in unit.tables:
        rows = (
            f'select * from warehouse."{schema}"."{table}" '
            f'where "{column}" is null or not ({is_held})'
        )
        if held and table in old_tables:
            built = set(_columns(con, "warehouse", schema, table))
            shared = [c for c in _columns(con, "old", "main", table) if c in built]
            names = ", ".join(f'"{c}"' for c in shared)
            rows += f' union all by name select {names} from old.main."{table}" where {is_held}'
        con.execute(f'create table "{table}" as select * from ({rows}) order by all')
    kept = ", ".join(held)
    return UnitPublication(
        key=unit.key,
        title=unit.title,
        status="published",
        published_at=stamp.isoformat(),
        tables=[table for _, table in unit.tables],
        licence=unit.licence,
        reason=(
            f"the rows of {kept} are kept from the tables published "
            f"{earlier.get('published_at') or 'before'}"
            if held
            else ""
        ),
    )


def _keep_unit(
    con: duckdb.DuckDBPyConnection,
    unit: PublicationUnit,
    old_tables: set[str],
    earlier: Mapping[str, Any],
    failed: list[str],
    cause: str = "the latest build failed",
) -> UnitPublication:
    """The unit's tables from the previous published copy: its build failed, or it has no
    accepted file to build from."""
    kept = [table for _, table in unit.tables if table in old_tables]
    for table in kept:
        con.execute(f'create table "{table}" as select * from old.main."{table}"')
    when = earlier.get("published_at") or "before"
    what = f": {'; '.join(failed[:5])}" if failed else ""
    # A source whose rows are all in a combined unit's tables (a partner provider's) has no
    # table of its own: what it published before is kept there, if it published at all.
    kept_elsewhere = not unit.tables and bool(earlier.get("published_at"))
    return UnitPublication(
        key=unit.key,
        title=unit.title,
        status="kept" if kept or kept_elsewhere else "absent",
        published_at=earlier.get("published_at", ""),
        tables=kept,
        licence=unit.licence,
        files=list(earlier.get("files", [])),
        reason=(
            f"{cause}, so the tables published {when} are kept{what}"
            if kept
            else f"{cause}, so the rows published {when} are kept{what}"
            if kept_elsewhere
            else f"{cause} and nothing was published before{what}"
        ),
    )


def _write_meta(
    con: duckdb.DuckDBPyConnection, entries: list[UnitPublication], as_of: date | None
) -> None:
    """The manifest as two tables, so the pack and analysts read it with SQL."""
    publication = pd.DataFrame(
        [
            {
                "source": e.key,
                "title": e.title,
                "status": e.status,
                "is_stale": e.stale,
                "reason": e.reason,
                "release": e.release,
                "released_on": pd.Timestamp(e.released_on) if e.released_on else pd.NaT,
                "published_at": pd.Timestamp(e.published_at) if e.published_at else pd.NaT,
                "as_of": pd.Timestamp(as_of) if as_of else pd.NaT,
                "file_count": len(e.files),
                "licence": e.licence,
                "last_month": pd.Timestamp(e.last_month) if e.last_month else pd.NaT,
                "pack_month": pd.Timestamp(e.pack_month) if e.pack_month else pd.NaT,
                "is_out_of_date": e.is_out_of_date,
                "out_of_date_reason": e.out_of_date_reason,
            }
            for e in entries
        ]
    )
    for column in ("last_month", "pack_month"):
        publication[column] = pd.to_datetime(publication[column]).dt.date
    files = pd.DataFrame(
        [
            {"source": e.key, "title": e.title, "licence": e.licence, **f}
            for e in entries
            for f in e.files
        ],
        columns=[
            "source",
            "title",
            "licence",
            "file",
            "sha256",
            "release",
            "released_on",
            "first_period",
            "last_period",
            "rows",
            "loaded_at",
            "superseded_by",
        ],
    )
    for column in ("released_on", "first_period", "last_period"):
        files[column] = pd.to_datetime(files[column]).dt.date
    files["loaded_at"] = pd.to_datetime(files["loaded_at"])
    for name, frame in (("meta_publication", publication), ("meta_source_files", files)):
        with registered(con, "frame", frame):
            con.execute(f"create table {name} as select * from frame")
    # Dates whatever the rows hold (a column of NULLs alone would be typed otherwise).
    for column in ("last_month", "pack_month"):
        con.execute(f"alter table meta_publication alter {column} type date")


def _manifest_text(
    entries: list[UnitPublication],
    row_counts: dict[str, int],
    as_of: date | None,
    stamp: datetime,
    pack_month: date | None = None,
) -> str:
    manifest = {
        "published_at": stamp.isoformat(),
        "as_of": as_of.isoformat() if as_of else None,
        "pack_month": pack_month.isoformat() if pack_month else None,
        "database": "marts.duckdb",
        "tables": row_counts,
        "parquet": {
            table: f"parquet/{table}.parquet" for entry in entries for table in entry.tables
        },
        "sources": {entry.key: asdict(entry) for entry in entries},
    }
    return json.dumps(manifest, indent=2, default=str) + "\n"
