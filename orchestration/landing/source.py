"""The declaration of a source: everything the landing mechanism needs to know about it.

A source is a landing folder and one `Source` value. The mechanism (scan, hash, contract,
gate, load with lineage, mirror, download, sensor, freshness) is the same for every source;
what differs is declared here: the parser, the raw columns, the period grain, the GX suites
at the gate, the dbt models that read the table, and when a delivery is due.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.lib.config import EXPECTATIONS_DIR
from orchestration.lib.periods import Grain

# The column a source's rows name their period by, in the order looked for.
PERIOD_COLUMNS = ("month", "period_start")
# Suites any source with the same columns can use (known boroughs, every borough every month).
SHARED_SUITES_DIR = EXPECTATIONS_DIR / "shared"


@dataclass(frozen=True)
class Release:
    """Which vintage of a source a file is, and the periods it covers.

    Attributes:
        label: how people name the release ('2022-01' for an MPS file, a refresh date, a quarter).
        first_period: the first day of the first period the file covers.
        last_period: the first day of the last period the file covers.
        released_on: when the release was published: the date the file states (a refresh or
            submission date) or, when it states none, the day after its last period ends. `AS_OF`
            compares against it.
        last_period_where: where in the file the last period is named (for the message when it
            lies in the future).
        released_on_where: where the file states its release date, when it states one (a
            provider's "submitted on" cell): a date after the day of loading is refused there.
    """

    label: str
    first_period: date
    last_period: date
    released_on: date
    last_period_where: str = "header"
    released_on_where: str = ""


@dataclass(frozen=True)
class ParsedFile:
    """A file that met its contract, as long rows ready to load.

    Attributes:
        rows: one row per fact, with `source_row` (the line or row in the file) and the
            source's declared columns: a pandas frame or an Arrow table, or, from a parser that
            reads the file into the loading connection itself (`ParsesInWarehouse`), a DuckDB
            relation over it, so the rows go from the file to the table inside the engine.
        details: a few facts shown beside the file in the UI (its layout, its sheet).
        scratch: the temporary table such a relation reads, dropped once the file is loaded.
    """

    path: Path
    sha256: str
    release: Release
    rows: pd.DataFrame | pa.Table | duckdb.DuckDBPyRelation = field(repr=False)
    details: Mapping[str, str] = field(default_factory=dict)
    scratch: str | None = None

    @property
    def row_count(self) -> int:
        if isinstance(self.rows, duckdb.DuckDBPyRelation):
            return int(self.rows.aggregate("count(*)").fetchall()[0][0])
        return len(self.rows)

    @property
    def source_row_count(self) -> int:
        if isinstance(self.rows, duckdb.DuckDBPyRelation):
            return int(self.rows.aggregate("count(distinct source_row)").fetchall()[0][0])
        if not len(self.rows):
            return 0
        if isinstance(self.rows, pa.Table):
            return int(pc.count_distinct(self.rows["source_row"]).as_py())
        return int(self.rows["source_row"].nunique())

    def frame(self) -> pd.DataFrame:
        """The rows as a pandas frame (dates as datetime64), whichever form the parser gave."""
        if isinstance(self.rows, duckdb.DuckDBPyRelation):
            return self.rows.to_arrow_table().to_pandas(date_as_object=False)
        if isinstance(self.rows, pa.Table):
            return self.rows.to_pandas(date_as_object=False)
        return self.rows

    def discard(self, con: duckdb.DuckDBPyConnection) -> None:
        """Drops the scratch table, if the rows had one."""
        if self.scratch:
            con.execute(f"drop table if exists {self.scratch}")


class Parser(Protocol):
    """Reads one landed file of a source."""

    def parse(self, path: Path) -> ParsedFile:
        """The file as long rows, or a `ContractError` at the first broken rule."""
        ...

    def peek(self, path: Path) -> Release:
        """The file's release from as little of it as can tell (a sensor calls it every tick)."""
        ...


@runtime_checkable
class ParsesInWarehouse(Protocol):
    """A parser that can read a file into the loading connection itself (DuckDB's own CSV
    reader), so a large file's rows never pass through Python. The loader uses it when the
    source's parser has it."""

    def parse_in(self, con: duckdb.DuckDBPyConnection, path: Path) -> ParsedFile:
        """As `parse`, with the rows a relation over a temporary table in `con`."""
        ...


@dataclass(frozen=True)
class Suite:
    """A Great Expectations suite run at the landing gate on the source's rows.

    The suite is `<expectations_dir>/<name>.json`; the rows it judges come from
    `<expectations_dir>/<name>.sql`, a query over the view `landed` (the source's table as it
    would be with the new files) and the dbt seeds, each a view of its own name.

    Attributes:
        blocking: a failure refuses the new files it names (or, when it names none, every new
            file of the run); the source keeps its last good data. Otherwise it warns.
        shared: the suite is one every source with the same columns uses
            (`expectations/shared/`), not the source's own.
        index_columns: columns that locate a failing row in its file, reported with it.
        rule: the rule in words, for messages.
        params: values for the suite's SQL, a Jinja template (`{{ area }}`): what a shared
            suite needs to know of the source's columns (which column names the area).
        per_file: the suite's rows for a file come from that file's rows alone (no rule across
            files), so the gate judges only the files being landed, not every file the table
            holds (a file already accepted was judged when it landed).
    """

    name: str
    rule: str
    blocking: bool = True
    index_columns: tuple[str, ...] = ("source_file", "source_row")
    shared: bool = False
    params: Mapping[str, Any] = field(default_factory=dict)
    per_file: bool = False


@dataclass(frozen=True)
class Source:
    """One source of the pack, declared once.

    Attributes:
        key: the raw table `raw.<key>`, the asset `raw/<key>`, the dbt and Dagster group, and
            the publication unit: a source whose new file is refused keeps its published tables.
        title: the source's name in the UI, the pack and the manifest.
        folder: the landing folder under the raw landing zone (`met/recorded_crime`).
        file_types: the file name endings accepted there (`.csv`); any other file is refused.
        parser: reads one file.
        columns: the parser's columns and their DuckDB types; the lineage columns come first.
        grain: how long one period is.
        release_rule: which file wins when two cover the same period, in words; the source's
            dbt models apply it (every source so far: the latest `released_on`).
        suites: the GX suites at the gate.
        dbt_staging: the dbt staging models that read `raw.<key>`.
        delivery_day: a period's release is due by this day of the month after the period ends.
        licence: the licence the published figures are used under.
        download_env: an environment variable with a URL to fetch the latest file from first.
        download_name: the name of a downloaded file when the server gives none, formatted
            with the release (`{release.last_period:%Y%m}`).
        expectations_dir: where the source's own suites are, when not `expectations/<key>/`.
        sets_pack_month: the latest month of this source's files is the pack's default
            reporting month (the Met's recorded crime: the crime overview is page one).
        percentages: the columns holding percentages, with their scale (`points`: 0 to 100,
            `fraction`: 0 to 1); a file whose figures are on the other scale is refused.
        gaps_expected: a file may lack periods between its first and last (otherwise it is
            refused, naming the missing periods).
        figure_keys, figure_columns: what identifies a figure within a period (an area, a
            measure) and the figures themselves, so a file that takes periods over from
            another can say which figures changed.
        period_label: how people name a period starting on a date, when not the grain's
            (a financial quarter, `2022/23 Q4`).
    """

    key: str
    title: str
    folder: str
    file_types: tuple[str, ...]
    parser: Parser
    columns: Mapping[str, str]
    grain: Grain
    release_rule: str
    suites: tuple[Suite, ...]
    dbt_staging: tuple[str, ...]
    delivery_day: int
    licence: str
    download_env: str | None = None
    download_name: str = ""
    expectations_dir: Path | None = None
    sets_pack_month: bool = False
    percentages: Mapping[str, str] = field(default_factory=dict)
    gaps_expected: bool = False
    figure_keys: tuple[str, ...] = ()
    figure_columns: tuple[str, ...] = ()
    period_label: Callable[[date], str] | None = None

    @property
    def table(self) -> str:
        return f"raw.{self.key}"

    @property
    def period_column(self) -> str | None:
        """The column holding the first day of each row's period: the one the parser names
        (the tabular parser's date column), else `month` or `period_start`."""
        named = getattr(getattr(self.parser, "period", None), "name", None)
        if isinstance(named, str) and named in self.columns:
            return named
        return next((name for name in PERIOD_COLUMNS if name in self.columns), None)

    @property
    def suites_dir(self) -> Path:
        return self.expectations_dir or EXPECTATIONS_DIR / self.key

    def suite_dir(self, suite: Suite) -> Path:
        """Where a suite's JSON and SQL are: the shared folder, or the source's own."""
        return SHARED_SUITES_DIR if suite.shared else self.suites_dir

    def label(self, period: date) -> str:
        """A period as people name it: the source's own words, else its grain's."""
        return self.period_label(period) if self.period_label else self.grain.label(period)

    def landing_folder(self, raw_dir: Path) -> Path:
        return raw_dir / self.folder

    def accepts(self, path: Path) -> bool:
        return path.name.lower().endswith(tuple(t.lower() for t in self.file_types))
