"""Loading MPS recorded crime files into the warehouse's `raw` schema.

The table mirrors the landing folder: every file in it, every release kept, each row with its
lineage (file, SHA-256, layout, release, load time, line). A run first checks every new or
changed file against the contract; if any breaks it, nothing is written and the error names
each broken file. Otherwise one transaction applies all changes, so a failure midway leaves the
table as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.met.recorded_crime import ContractError, ParsedFile, parse_mps_file, sha256_of

TABLE = "raw.met_recorded_crime"

DDL = f"""
create schema if not exists raw;
create table if not exists {TABLE} (
    source_file varchar not null,
    source_sha256 varchar not null,
    source_layout varchar not null,
    release_month date not null,
    loaded_at timestamp not null,
    source_row integer not null,
    major_text varchar not null,
    minor_text varchar not null,
    borough_name varchar not null,
    month date not null,
    offence_count bigint not null
);
"""


class FilesRejected(Exception):
    """One or more files broke the contract; nothing was loaded."""

    def __init__(self, errors: list[ContractError]) -> None:
        self.errors = errors
        lines = "\n".join(f"  - {error}" for error in errors)
        super().__init__(
            f"{len(errors)} file(s) rejected; nothing was loaded and the warehouse is as it "
            f"was:\n{lines}"
        )


@dataclass(frozen=True)
class LoadedFile:
    """What one file contributed, for the run's metadata."""

    source_file: str
    sha256: str
    layout: str
    release_month: date
    first_month: date
    source_rows: int
    rows: int


@dataclass
class LoadReport:
    """What a sync did: files added or replaced, left as they were, and removed."""

    loaded: list[LoadedFile] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    total_rows: int = 0
    inventory: list[tuple[str, str, date]] = field(default_factory=list)

    @property
    def releases(self) -> list[date]:
        return sorted({release for _, _, release in self.inventory})

    @property
    def latest_file(self) -> tuple[str, str, date] | None:
        """(file, SHA-256, release) of the latest release in the table."""
        return max(self.inventory, key=lambda item: (item[2], item[0]), default=None)

    @property
    def changed(self) -> bool:
        return bool(self.loaded or self.removed)


def landed_files(folder: Path) -> list[Path]:
    """The CSV files in a landing folder, by name; dotfiles (downloads in progress) skipped."""
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and path.suffix.lower() == ".csv" and not path.name.startswith(".")
    )


def _frame(parsed: ParsedFile, loaded_at: datetime) -> pd.DataFrame:
    rows = parsed.rows
    return pd.DataFrame(
        {
            "source_file": parsed.path.name,
            "source_sha256": parsed.sha256,
            "source_layout": parsed.layout.name,
            "release_month": pd.Timestamp(parsed.release_month),
            "loaded_at": pd.Timestamp(loaded_at.replace(tzinfo=None)),
            "source_row": rows["source_row"].astype("int32"),
            "major_text": rows["major_text"],
            "minor_text": rows["minor_text"],
            "borough_name": rows["borough_name"],
            "month": pd.to_datetime(rows["month"]),
            "offence_count": rows["offence_count"].astype("int64"),
        }
    )


def sync_recorded_crime(
    con: duckdb.DuckDBPyConnection, folder: Path, loaded_at: datetime | None = None
) -> LoadReport:
    """Brings `raw.met_recorded_crime` in line with the files in `folder`.

    Same name and hash: left alone. New or changed file: (re)loaded. File gone from the folder:
    its rows go too, so the warehouse never holds a release nobody can trace to a file.

    Raises:
        FileNotFoundError: the folder holds no CSV file at all (an empty landing zone is a
            broken refresh, not an empty month).
        FilesRejected: a new or changed file breaks the contract; nothing is written.
    """
    loaded_at = loaded_at or datetime.now(UTC)
    files = landed_files(folder)
    if not files:
        raise FileNotFoundError(f"no MPS recorded crime file (*.csv) in {folder}")

    con.execute(DDL)
    known = dict(con.execute(f"select distinct source_file, source_sha256 from {TABLE}").fetchall())

    report = LoadReport()
    to_load: list[ParsedFile] = []
    errors: list[ContractError] = []
    for path in files:
        if known.get(path.name) == sha256_of(path):
            report.unchanged.append(path.name)
            continue
        try:
            to_load.append(parse_mps_file(path))
        except ContractError as error:
            errors.append(error)
    if errors:
        raise FilesRejected(errors)

    present = {path.name for path in files}
    report.removed = sorted(name for name in known if name not in present)

    con.execute("begin transaction")
    try:
        for name in report.removed:
            con.execute(f"delete from {TABLE} where source_file = ?", [name])
        for parsed in to_load:
            con.execute(f"delete from {TABLE} where source_file = ?", [parsed.path.name])
            incoming = _frame(parsed, loaded_at)
            con.register("incoming", incoming)
            con.execute(f"insert into {TABLE} by name select * from incoming")
            con.unregister("incoming")
            report.loaded.append(
                LoadedFile(
                    source_file=parsed.path.name,
                    sha256=parsed.sha256,
                    layout=parsed.layout.name,
                    release_month=parsed.release_month,
                    first_month=parsed.months[0],
                    source_rows=parsed.source_row_count,
                    rows=len(incoming),
                )
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise

    report.total_rows = con.execute(f"select count(*) from {TABLE}").fetchone()[0]
    report.inventory = [
        (name, sha, release)
        for name, sha, release in con.execute(
            f"select distinct source_file, source_sha256, release_month from {TABLE} "
            "order by release_month, source_file"
        ).fetchall()
    ]
    return report
