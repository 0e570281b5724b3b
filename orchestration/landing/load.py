"""Loading a source's landing folder into `raw.<source>`: checked, all-or-nothing, with lineage.

The table mirrors the folder. A file is known by name and SHA-256: an unchanged file is left
alone; a new or changed file is parsed (the contract) and then judged with the others by the
source's Great Expectations suites (the gate) inside one transaction, which commits only the
files that pass. A refused file changes nothing: a refused replacement leaves the version
before it in place. A file gone from the folder takes its rows with it. Every verdict is kept
in the ledger `audit.landing_files`, refusals with the file, the place and the rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from orchestration.landing.contract import ContractError, percentage_scale_refusal, sha256_of
from orchestration.landing.gate import SuiteOutcome, run_suites
from orchestration.landing.source import ParsedFile, ParsesInWarehouse, Release, Source
from orchestration.lib.duck import registered
from orchestration.lib.sql import statement

LEDGER = "audit.landing_files"

LINEAGE_COLUMNS = {
    "source_file": "varchar not null",
    "source_sha256": "varchar not null",
    "source_row": "integer not null",
    "release": "varchar not null",
    "released_on": "date not null",
    "loaded_at": "timestamp not null",
}

STATEMENTS = Path(__file__).with_name("ledger.sql")


def _sql(name: str, **names: str) -> str:
    return statement(STATEMENTS, name, **names)


# Workbooks Excel (or another spreadsheet) saves that a source taking .xlsx does not read.
OTHER_WORKBOOKS = (".xls", ".xlsm", ".xlsb", ".ods")
# Hidden files are downloads in progress (`.x.part`) and Office lock files (`~$x.xlsx`).
_HIDDEN_PREFIXES = (".", "~$")


class FileTypeRefused(ContractError):
    """A file of a type the source does not take (an .xlsx in a CSV folder)."""


class FuturePeriod(ContractError):
    """A file holding a period that has not ended, or saying it was released after today."""


class MissingPeriods(ContractError):
    """A file whose periods have a hole: it covers a range but lacks a period inside it."""


class PercentageScale(ContractError):
    """A file whose percentages are on the other scale than the source declares."""


class LandingFolderMissing(FileNotFoundError):
    """The source's landing folder does not exist though the source has landed files before;
    nothing was loaded or removed."""


class SourceNotSetUp(Exception):
    """The source has never landed a file and its folder is missing or empty: not a fault, a
    source the partnership has not started sending. Its raw table exists, empty, so the models
    built on it build empty and every other source goes on."""


@dataclass(frozen=True)
class FileVerdict:
    """What became of one file in the folder (or gone from it) in one sync.

    Attributes:
        status: `loaded` (new or changed, accepted), `unchanged`, `refused`, `removed` (gone
            from the folder, its rows too) or `ignored` (not a regular file: a folder, a pipe).
            The ledger keeps `accepted`, `refused`, `superseded` (replaced by a newer version
            of the same file), `removed` and `withdrawn` (a refused file taken away).
        check: for a refusal, the rule's family: `file type`, `contract`, `future period`, or
            the name of the suite that refused it.
    """

    name: str
    status: str
    sha256: str = ""
    release: Release | None = None
    rows: int = 0
    details: tuple[tuple[str, str], ...] = ()
    check: str = ""
    where: str = ""
    rule: str = ""

    @property
    def message(self) -> str:
        """The refusal as one sentence: file, where, rule."""
        return f"{self.name}: {self.where}: {self.rule}" if self.status == "refused" else ""


@dataclass(frozen=True)
class AcceptedFile:
    """A file whose rows are in the table now."""

    name: str
    sha256: str
    release: str
    released_on: date
    first_period: date
    last_period: date
    rows: int


@dataclass(frozen=True)
class Handover:
    """A period whose figures now come from another file than before this sync.

    Attributes:
        period: the period's label (`2021-05`, `2022 Q4 (Oct-Dec)`).
        previous: the file that supplied it; current: the file that does now, or '' when no
            file holds it any more (its file was taken out of the folder).
        changes: the figures that differ, `Barnet asb_calls 1,204 -> 1,250`, at most
            `_LISTED`, or None when the source declares no figures to compare; more: how
            many others differ.
    """

    period: str
    previous: str
    current: str
    changes: tuple[str, ...] | None = None
    more: int = 0

    def __str__(self) -> str:
        if not self.current:
            return f"{self.period}: no file holds it now ({self.previous} is gone)"
        said = f"{self.period}: {self.current} replaces {self.previous}"
        if self.changes is None:
            return said
        if not self.changes:
            return f"{said} (the same figures)"
        more = f" and {self.more} more" if self.more else ""
        return f"{said}; changed: {', '.join(self.changes)}{more}"


@dataclass
class SyncReport:
    """What one sync of a source did."""

    source: str
    folder: Path
    verdicts: list[FileVerdict] = field(default_factory=list)
    outcomes: list[SuiteOutcome] = field(default_factory=list)
    accepted: list[AcceptedFile] = field(default_factory=list)
    total_rows: int = 0
    handovers: list[Handover] = field(default_factory=list)

    def _with(self, status: str) -> list[FileVerdict]:
        return [v for v in self.verdicts if v.status == status]

    @property
    def loaded(self) -> list[FileVerdict]:
        return self._with("loaded")

    @property
    def unchanged(self) -> list[FileVerdict]:
        return self._with("unchanged")

    @property
    def refused(self) -> list[FileVerdict]:
        return self._with("refused")

    @property
    def removed(self) -> list[FileVerdict]:
        return self._with("removed")

    @property
    def ignored(self) -> list[FileVerdict]:
        return self._with("ignored")

    @property
    def latest(self) -> AcceptedFile | None:
        """The accepted file with the latest release."""
        return max(self.accepted, key=lambda f: (f.released_on, f.name), default=None)


def landed_files(folder: Path) -> list[Path]:
    """Every visible entry of a landing folder, by name (hidden files are in-progress copies)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if not p.name.startswith(_HIDDEN_PREFIXES))


def _column_types(source: Source) -> str:
    """The raw table's columns as DDL: the lineage columns, then the declaration's."""
    columns = {**LINEAGE_COLUMNS, **source.columns}
    return ", ".join(f"{name} {kind}" for name, kind in columns.items())


def raw_table_ddl(source: Source) -> str:
    return _sql("create_raw_table", table=source.table, column_types=_column_types(source))


def ensure_tables(con: duckdb.DuckDBPyConnection, source: Source) -> bool:
    """Creates the source's table and the ledger; returns True if the table was rebuilt.

    A table whose columns differ from the declaration (an older version of the project: a
    column added, renamed, retyped, or now allowed to be empty) is dropped and reloaded from
    the folder: it mirrors the folder, so nothing is lost.
    """
    schema, name = source.table.split(".")
    existing = con.execute(_sql("raw_columns"), [schema, name, False]).fetchall()
    con.execute(f"create or replace temp table scp_declared_raw ({_column_types(source)})")
    declared = con.execute(_sql("raw_columns"), ["main", "scp_declared_raw", True]).fetchall()
    con.execute("drop table scp_declared_raw")
    rebuilt = bool(existing) and existing != declared
    if rebuilt:
        con.execute(f"drop table {source.table}")
    con.execute(raw_table_ddl(source))
    con.execute(_sql("create"))
    return rebuilt


def check_file(
    con: duckdb.DuckDBPyConnection, source: Source, path: Path, today: date
) -> ParsedFile:
    """The contract for one file: its type, the parser's rules, no period still under way, its
    periods whole and its percentages on their declared scale (`make validate` runs it too).

    A parser that reads files inside DuckDB does so in the loading connection, so the rows go
    from the file to the table without leaving the engine.
    """
    if not path.is_file():
        raise ContractError(path, "file", "not a regular file")
    if not source.accepts(path):
        resave = (
            "; open it in Excel and Save As 'Excel Workbook (.xlsx)'"
            if path.suffix.lower() in OTHER_WORKBOOKS and ".xlsx" in source.file_types
            else ""
        )
        raise FileTypeRefused(
            path,
            "file",
            f"the type {path.suffix or '(no extension)'} is not accepted in "
            f"{source.folder}/ (accepted: {', '.join(source.file_types)}); nothing in it is "
            f"loaded{resave}",
        )
    parser = source.parser
    parsed = (
        parser.parse_in(con, path) if isinstance(parser, ParsesInWarehouse) else parser.parse(path)
    )
    end = source.grain.period_end(parsed.release.last_period)
    if end >= today:
        parsed.discard(con)
        raise FuturePeriod(
            path,
            parsed.release.last_period_where,
            f"the {source.grain.value} ending {end:%Y-%m-%d} has not ended on {today:%Y-%m-%d}; "
            "a file holds only finished periods",
        )
    released = parsed.release.released_on
    if parsed.release.released_on_where and released > today:
        raise FuturePeriod(
            path,
            parsed.release.released_on_where,
            f"the file says it was released on {released:%Y-%m-%d}, after the day of loading "
            f"({today:%Y-%m-%d})",
        )
    try:
        _whole_periods(con, source, parsed)
        _percentage_scale(con, source, parsed)
    except ContractError:
        parsed.discard(con)
        raise
    return parsed


# A refusal lists at most this many missing periods, then how many more.
_LISTED = 6


def _whole_periods(con: duckdb.DuckDBPyConnection, source: Source, parsed: ParsedFile) -> None:
    """A file covering a range of periods holds every one of them, unless the source says gaps
    are expected. Rows of a longer period (a survey's baseline year) are not counted."""
    column = source.period_column
    if column is None or source.gaps_expected:
        return
    one_period = (
        f"where period_end = {column} + interval {source.grain.months} month - interval 1 day"
        if "period_end" in source.columns
        else ""
    )
    with registered(con, "incoming_periods", parsed.rows):
        held = {
            (value.date() if isinstance(value, datetime) else value)
            for (value,) in con.execute(
                f'select distinct cast("{column}" as date) from incoming_periods {one_period}'
            ).fetchall()
        }
    if len(held) < 2:
        return
    first, last = min(held), max(held)
    missing, period = [], first
    while period < last:
        if period not in held:
            missing.append(period)
        period = source.grain.next_period(period)
    if not missing:
        return
    label = source.label
    listed = ", ".join(label(p) for p in missing[:_LISTED])
    if len(missing) > _LISTED:
        listed += f" and {len(missing) - _LISTED} more"
    raise MissingPeriods(
        parsed.path,
        "file",
        f"the file covers {label(first)} to {label(last)} but has no rows for {listed}: a "
        f"file's {source.grain.value}s run without gaps (rule: every {source.grain.value} "
        "between a file's first and last), so the figures after a gap would be lost; export "
        "the whole range again",
    )


def _percentage_scale(con: duckdb.DuckDBPyConnection, source: Source, parsed: ParsedFile) -> None:
    """Every declared percentage column of the file is on its declared scale."""
    for column, scale in source.percentages.items():
        with registered(con, "incoming_percentages", parsed.rows):
            rows = con.execute(
                f'select source_row, "{column}" from incoming_percentages '
                f'where "{column}" is not null order by source_row'
            ).fetchall()
        refusal = percentage_scale_refusal(
            parsed.path, ((f"row {row}", float(value)) for row, value in rows), scale
        )
        if refusal:
            raise PercentageScale(refusal.file, refusal.where, refusal.rule)


def _refusal(
    name: str, sha: str, error: ContractError, check: str, release: Release | None = None
) -> FileVerdict:
    return FileVerdict(
        name=name,
        status="refused",
        sha256=sha,
        release=release,
        check=check,
        where=error.where,
        rule=error.rule,
    )


def _peek(source: Source, path: Path) -> Release | None:
    """The release of a refused file, when its header still tells it (for the manifest)."""
    try:
        return source.parser.peek(path)
    except (ContractError, OSError):
        return None


def _stage(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    removed: list[str],
    candidates: list[ParsedFile],
    loaded_at: datetime,
) -> None:
    """Inside an open transaction: the table as it would be with these changes."""
    for name in removed + [parsed.path.name for parsed in candidates]:
        con.execute(f"delete from {source.table} where source_file = ?", [name])
    insert = _sql(
        "insert_rows",
        table=source.table,
        columns=", ".join(f'"{column}"' for column in source.columns),
    )
    stamp = loaded_at.astimezone(UTC).replace(tzinfo=None)
    for parsed in candidates:
        # The lineage columns are added in SQL: the parser's rows go in without a copy.
        with registered(con, "incoming", parsed.rows):
            con.execute(
                insert,
                {
                    "source_file": parsed.path.name,
                    "source_sha256": parsed.sha256,
                    "release": parsed.release.label,
                    "released_on": parsed.release.released_on,
                    "loaded_at": stamp,
                },
            )


def _gate(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    removed: list[str],
    candidates: list[ParsedFile],
    loaded_at: datetime,
) -> tuple[list[ParsedFile], list[FileVerdict], list[SuiteOutcome]]:
    """Commits the candidates that pass the suites; returns them, the refused, the outcomes.

    When the suites fail, each new file is judged alone with the data already accepted, so a
    good file landed beside a bad one still goes in. A failure no single file causes (two
    files claiming one release, say) refuses every file of the run.
    """
    refused: list[FileVerdict] = []
    while True:
        con.begin()
        committed = False
        try:
            _stage(con, source, removed, candidates, loaded_at)
            names = {parsed.path.name for parsed in candidates}
            outcomes = run_suites(con, source, judged=names)
            if not candidates or not any(outcome.blocks for outcome in outcomes):
                con.commit()
                committed = True
                return candidates, refused, outcomes
            culprits: dict[str, list[SuiteOutcome]] = {}
            for parsed in candidates:
                alone = run_suites(
                    con, source, excluded=names - {parsed.path.name}, judged={parsed.path.name}
                )
                blocking = [outcome for outcome in alone if outcome.blocks]
                if blocking:
                    culprits[parsed.path.name] = blocking
            if not culprits:
                culprits = {
                    name: [outcome for outcome in outcomes if outcome.blocks] for name in names
                }
        finally:
            if not committed:
                con.rollback()
        for parsed in candidates:
            refusing = culprits.get(parsed.path.name)
            if refusing:
                # Every suite that refuses the file says why; the place is the first one's.
                found = [outcome.explain(parsed.path.name) for outcome in refusing]
                where = found[0][0]
                rule = "; ".join(explained for _, explained in found)
                checks = ", ".join(outcome.suite.name for outcome in refusing)
                error = ContractError(parsed.path, where, rule)
                refused.append(
                    _refusal(parsed.path.name, parsed.sha256, error, checks, parsed.release)
                )
        candidates = [parsed for parsed in candidates if parsed.path.name not in culprits]


def _record(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    verdicts: list[FileVerdict],
    checked_at: datetime,
) -> None:
    """Writes the run's verdicts to the ledger, one row per file version.

    A refusal stands while that version of its file is in the folder: a refused file taken out
    of the folder, or replaced by any other version (a corrected one, or the accepted one put
    back), no longer makes its source stale.
    """
    stamp = checked_at.astimezone(UTC).replace(tzinfo=None)
    present = [f"{v.name}:{v.sha256}" for v in verdicts if v.status not in ("removed", "ignored")]
    con.execute(_sql("withdraw_refusals"), [stamp, source.key, present])
    for verdict in verdicts:
        if verdict.status == "removed":
            con.execute(_sql("mark_removed"), [stamp, source.key, verdict.name])
            continue
        if verdict.status not in ("loaded", "refused"):
            continue
        if verdict.status == "loaded":
            con.execute(_sql("supersede"), [stamp, source.key, verdict.name, verdict.sha256])
        version = [source.key, verdict.name, verdict.sha256]
        first_seen = con.execute(_sql("first_seen"), version).fetchone()
        con.execute(_sql("forget_version"), version)
        release = verdict.release
        con.execute(
            _sql("record"),
            [
                source.key,
                verdict.name,
                verdict.sha256,
                release.label if release else None,
                release.released_on if release else None,
                release.first_period if release else None,
                release.last_period if release else None,
                verdict.rows,
                "accepted" if verdict.status == "loaded" else "refused",
                verdict.check or None,
                verdict.where or None,
                verdict.rule or None,
                (first_seen[0] if first_seen and first_seen[0] else stamp),
                stamp,
            ],
        )


# The rows of the files a sync replaces or removes, as they were before it: what a file that
# takes their periods over is compared with.
PREVIOUS = "scp_previous_versions"


def _owners(con: duckdb.DuckDBPyConnection, source: Source) -> dict[date, tuple[str, str]]:
    """For each period, the file that supplies it: the latest release, then the file landed
    last, then the last by name (the rule the models apply)."""
    column = source.period_column
    if column is None:
        return {}
    # Each file's periods first (one row per file and period, not per row): the choice among
    # them reads the table once and sorts only those.
    rows = con.execute(
        f'select period, source_file, source_sha256 from (select distinct cast("{column}" as '
        f"date) as period, source_file, source_sha256, released_on, loaded_at from {source.table}) "
        "qualify row_number() over (partition by period "
        "order by released_on desc, loaded_at desc, source_file desc) = 1"
    ).fetchall()
    return {period: (name, sha) for period, name, sha in rows}


def _figure(value: object) -> str:
    """A figure as a message shows it: 1,204, 17.82."""
    if isinstance(value, float):
        return f"{int(value):,}" if value.is_integer() else f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _changes(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    handed: Mapping[date, tuple[tuple[str, str], tuple[str, str]]],
) -> dict[date, tuple[tuple[str, ...], int]]:
    """For each period handed from one file version to another ({period: (previous,
    current)}), the figures that differ between the two by the source's figure keys: the first
    few in the order of their keys, and how many more. Empty when the source declares no
    figures.

    Each period's two versions are paired and compared by DuckDB, which returns only the
    figures listed and the count: a national ward release hands 23 months of 380,000 figures
    each to the new file, which took Python about 100 s to hold and compare. A period at a time:
    all of them in one query pair 9 million figures on each side, which under the memory cap
    spills and takes twice as long."""
    if not source.figure_columns or source.period_column is None or not handed:
        return {}
    keys = [f'"{k}"' for k in source.figure_keys]
    figures = [f'"{c}"' for c in source.figure_columns]

    def version(side: str) -> str:
        return (
            f"select handed.period, {', '.join(f'rows.{c}' for c in [*keys, *figures])} "
            f"from (select * from {source.table} union all by name select * from {PREVIOUS}) "
            f"as rows inner join handed on rows.source_file = handed.{side}_file "
            f"and rows.source_sha256 = handed.{side}_sha256 "
            f'and cast(rows."{source.period_column}" as date) = handed.period '
            # One row per key, as the comparison reads them.
            f"qualify row_number() over (partition by {', '.join(['handed.period', *keys])}) = 1"
        )

    # A figure differs when its value does, null included; 1 and 1.0 agree (the same column).
    changed = " + ".join(
        f"cast(earlier.{c} is distinct from later.{c} as integer)" for c in figures
    )
    columns = [
        "coalesce(later.period, earlier.period) as period",
        *(f"coalesce(later.{k}, earlier.{k}) as {k}" for k in keys),
        *(f"earlier.{c} as was_{i}, later.{c} as now_{i}" for i, c in enumerate(figures)),
        f"{changed} as changed",
    ]
    same_key = [f"earlier.{k} is not distinct from later.{k}" for k in keys]
    paired = " and ".join(["earlier.period = later.period", *same_key])
    query = (
        f"with handed (period, previous_file, previous_sha256, current_file, current_sha256) as "
        f"(values (?, ?, ?, ?, ?)), earlier as ({version('previous')}), "
        f"later as ({version('current')}), "
        f"paired as (select {', '.join(columns)} from earlier full join later on {paired}), "
        "ranked as (select *, sum(changed) over (partition by period) as total, row_number() "
        f"over (partition by period order by {', '.join([*keys, 'changed'])}) as listed "
        f"from paired where changed > 0) "
        f"select * exclude (listed) from ranked where listed <= {_LISTED} order by period, listed"
    )
    width = 1 + len(keys)
    found: dict[date, tuple[list[str], int]] = {period: ([], 0) for period in handed}
    rows = [
        row
        for period, (previous, current) in handed.items()
        for row in con.execute(query, [period, *previous, *current]).fetchall()
    ]
    for row in rows:
        period, key, total = row[0], row[1:width], int(row[-1])
        listed = found[period][0]
        for index, column in enumerate(source.figure_columns):
            was, now = row[width + 2 * index], row[width + 2 * index + 1]
            if was != now:
                # The figure's name only when the source has several figures a period.
                named = [*key, column] if len(figures) > 1 else list(key)
                where = " ".join(str(part) for part in named if part is not None)
                listed.append(
                    f"{where} "
                    f"{'none' if was is None else _figure(was)} -> "
                    f"{'none' if now is None else _figure(now)}"
                )
        found[period] = (listed, total)
    return {
        period: (tuple(listed[:_LISTED]), max(total - _LISTED, 0))
        for period, (listed, total) in found.items()
    }


def _handovers(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    before: dict[date, tuple[str, str]],
    after: dict[date, tuple[str, str]],
) -> list[Handover]:
    """The periods whose file (or file version) changed in this sync, and how their figures
    changed."""
    handed = {
        period: (previous, after[period])
        for period, previous in sorted(before.items())
        if after.get(period) not in (None, previous)
    }
    changes = _changes(con, source, handed)
    found = []
    for period in sorted(before):
        previous, current = before[period], after.get(period)
        if current == previous:
            continue
        if current is None:
            found.append(Handover(source.label(period), previous[0], ""))
            continue
        listed, more = changes.get(period, (None, 0))
        was = previous[0] if previous[0] != current[0] else f"the earlier version of {current[0]}"
        found.append(Handover(source.label(period), was, current[0], listed, more))
    return found


def has_history(con: duckdb.DuckDBPyConnection, source: Source) -> bool:
    """Whether the ledger knows any file of the source: one that has ever landed."""
    row = con.execute(_sql("has_history"), [source.key]).fetchone()
    return bool(row and row[0])


def accepted_files(con: duckdb.DuckDBPyConnection, source: Source) -> list[AcceptedFile]:
    """The files whose rows are in the source's table, with their release and periods."""
    query = _sql("accepted_files", table=source.table)
    return [AcceptedFile(*row) for row in con.execute(query, [source.key]).fetchall()]


def sync_source(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    raw_dir: Path,
    *,
    today: date | None = None,
    loaded_at: datetime | None = None,
) -> SyncReport:
    """Brings `raw.<source>` in line with the source's landing folder.

    Raises:
        SourceNotSetUp: the source has never landed a file and its folder is missing or
            empty; its table is created empty.
        LandingFolderMissing: the folder does not exist though files were landed before (a
            wrong `SCP_RAW_DIR`, say); nothing is loaded or removed, so the source keeps its
            last good data.
    """
    loaded_at = loaded_at or datetime.now(UTC)
    today = today or date.today()
    folder = source.landing_folder(raw_dir)
    if not landed_files(folder):
        con.execute(_sql("create"))
        if not has_history(con, source):
            ensure_tables(con, source)
            state = "is empty" if folder.is_dir() else "does not exist"
            raise SourceNotSetUp(
                f"{source.title} is not set up: its landing folder {folder} {state} and no file "
                "has landed there before. Put its files there to start it (or leave it out of "
                "SCP_SOURCES); every other source goes on."
            )
    if not folder.is_dir():
        raise LandingFolderMissing(
            f"the landing folder {folder} does not exist (SCP_RAW_DIR is {raw_dir}): nothing was "
            f"loaded for {source.title}, which keeps what it had; create the folder and put its "
            "files there"
        )
    ensure_tables(con, source)
    known = dict(
        con.execute(f"select distinct source_file, source_sha256 from {source.table}").fetchall()
    )

    before = _owners(con, source)
    verdicts: list[FileVerdict] = []
    candidates: list[ParsedFile] = []
    present: set[str] = set()
    for path in landed_files(folder):
        if path.is_dir() or (path.exists() and not path.is_file()):
            verdicts.append(
                FileVerdict(path.name, "ignored", rule="not a regular file (a folder or a pipe)")
            )
            continue
        present.add(path.name)
        try:
            sha = sha256_of(path)
        except OSError as exc:
            error = ContractError(path, "file", f"cannot be read: {exc.strerror or exc}")
            verdicts.append(_refusal(path.name, "", error, "contract"))
            continue
        if known.get(path.name) == sha:
            verdicts.append(FileVerdict(path.name, "unchanged", sha256=sha))
            continue
        try:
            candidates.append(check_file(con, source, path, today))
        except FileTypeRefused as error:
            verdicts.append(_refusal(path.name, sha, error, "file type"))
        except FuturePeriod as error:
            verdicts.append(_refusal(path.name, sha, error, "future period", _peek(source, path)))
        except MissingPeriods as error:
            verdicts.append(_refusal(path.name, sha, error, "whole periods", _peek(source, path)))
        except PercentageScale as error:
            verdicts.append(
                _refusal(path.name, sha, error, "percentage scale", _peek(source, path))
            )
        except ContractError as error:
            verdicts.append(_refusal(path.name, sha, error, "contract", _peek(source, path)))

    removed = sorted(name for name in known if name not in present)
    # The earlier versions of the files this sync replaces or removes.
    replaced = sorted(set(removed) | ({c.path.name for c in candidates} & known.keys()))
    con.execute(
        f"create or replace temp table {PREVIOUS} as select * from {source.table} "
        "where list_contains(?, source_file)",
        [replaced],
    )
    try:
        accepted, refused, outcomes = _gate(con, source, removed, candidates, loaded_at)
        verdicts += refused
        verdicts += [
            FileVerdict(
                parsed.path.name,
                "loaded",
                sha256=parsed.sha256,
                release=parsed.release,
                rows=parsed.row_count,
                details=tuple(parsed.details.items()),
            )
            for parsed in accepted
        ]
    finally:
        for parsed in candidates:
            parsed.discard(con)
    verdicts += [FileVerdict(name, "removed", sha256=known[name]) for name in removed]

    con.begin()
    try:
        _record(con, source, verdicts, loaded_at)
        con.commit()
    except Exception:
        con.rollback()
        raise
    report = SyncReport(source=source.key, folder=folder, verdicts=verdicts, outcomes=outcomes)
    report.accepted = accepted_files(con, source)
    report.total_rows = sum(file.rows for file in report.accepted)
    report.handovers = _handovers(con, source, before, _owners(con, source))
    con.execute(f"drop table if exists {PREVIOUS}")
    return report
