"""The landing gate: a source's Great Expectations suites, run on its rows before they commit.

Each suite judges a frame built by its own SQL file (a Jinja template, given the suite's
`params`) from the view `landed` (the source's table as it would be with the new files), the
dbt seeds (each a view named after its seed) and the reference views: dbt's own reference
models, read from their SQL (`area_names` is `stg_reference__area_names`), so the gate and the
marts know one list of areas. The suites run inside the loader's transaction, so a refused
file never becomes visible to dbt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, StrictUndefined

from orchestration.landing.source import Source, Suite
from orchestration.lib.config import DBT_PROJECT_DIR, SEEDS_DIR
from orchestration.lib.duck import quote_literal
from orchestration.quality.gx import SuiteResult, validate

LANDED_VIEW = "landed"
# The dbt reference models the suites read, each as a view of the name here. They are built
# only from seeds, so the gate can build them before dbt has run on a fresh warehouse.
REFERENCE_MODELS = {
    "area_names": DBT_PROJECT_DIR
    / "models"
    / "staging"
    / "reference"
    / "stg_reference__area_names.sql"
}
_EXAMPLE_ROWS = 5
_TEMPLATES = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


def render(sql: str, **params: Any) -> str:
    """A suite's SQL (or a reference model's) with its parameters; `ref('seed')` is the
    seed's view."""
    return _TEMPLATES.from_string(sql).render(
        ref=lambda name: f'"{name}"', config=lambda **_: "", **params
    )


@dataclass(frozen=True)
class SuiteOutcome:
    """One suite's verdict on the rows as they would be."""

    suite: Suite
    result: SuiteResult

    @property
    def passed(self) -> bool:
        return self.result.success

    @property
    def blocks(self) -> bool:
        return self.suite.blocking and not self.passed

    def explain(self, file: str | None = None) -> tuple[str, str]:
        """(where, what) for a message: the failing rows of `file` (or of any file) and the rule.

        The rows are the ones Great Expectations reported, with their index columns (file and
        row) and the values that broke the rule.
        """
        examples = [
            example
            for failure in self.result.failures
            for example in failure.examples
            if file is None or example.get("source_file") in (None, file)
        ]
        rows = list(dict.fromkeys(e["source_row"] for e in examples if "source_row" in e))
        count = sum(failure.unexpected_count or 0 for failure in self.result.failures)
        where = "the file as a whole"
        if rows:
            shown = ", ".join(str(row) for row in rows[:_EXAMPLE_ROWS])
            where = f"row {shown}" if len(rows) == 1 else f"rows {shown}"
            if count > len(rows[:_EXAMPLE_ROWS]):
                where += f" ({count} rows in all)"
        found = "; ".join(
            dict.fromkeys(
                ", ".join(
                    f"{key} {value!r}"
                    for key, value in example.items()
                    if key not in ("source_file", "source_row") and not isinstance(value, bool)
                )
                for example in examples
            )
        )
        what = f"{self.suite.rule} (check {self.suite.name})"
        if found:
            what += f"; found {found}"
        return where, what


def register_seeds(con: duckdb.DuckDBPyConnection, seeds_dir: Path = SEEDS_DIR) -> None:
    """Every dbt seed as a temporary view of its own name, read from its CSV, then the
    reference views built on them.

    The gate runs before dbt has built anything on a fresh warehouse, so it reads the seed
    files themselves: one copy of each fact, read by both.
    """
    for path in sorted(seeds_dir.glob("*.csv")):
        con.execute(
            f'create or replace temp view "{path.stem}" as '
            f"select * from read_csv({quote_literal(str(path))}, header = true)"
        )
    for name, path in REFERENCE_MODELS.items():
        query = render(path.read_text(encoding="utf-8"))
        con.execute(f'create or replace temp view "{name}" as {query}')


def run_suites(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    excluded: Iterable[str] = (),
    judged: Iterable[str] | None = None,
) -> list[SuiteOutcome]:
    """Runs the source's suites on its table, leaving out the files in `excluded`.

    A suite that judges each file on its own rows (`Suite.per_file`) reads only the files in
    `judged` (the files being landed), so landing one release onto years of them reads that
    release, not the whole table; with nothing to judge it is not run and passes. `judged`
    None: every file.
    """
    names = ", ".join(quote_literal(name) for name in sorted(excluded))
    where = f" where source_file not in ({names})" if names else ""
    register_seeds(con)
    whole = f"select * from {source.table}{where}"
    judged_names = None if judged is None else sorted(set(judged) - set(excluded))
    outcomes = []
    for suite in source.suites:
        if suite.per_file and judged_names is not None:
            if not judged_names:
                outcomes.append(SuiteOutcome(suite, SuiteResult(suite.name, True, 0, 0)))
                continue
            files = ", ".join(quote_literal(name) for name in judged_names)
            view = f"select * from {source.table} where source_file in ({files})"
        else:
            view = whole
        con.execute(f"create or replace temp view {LANDED_VIEW} as {view}")
        directory = source.suite_dir(suite)
        query = render(
            (directory / f"{suite.name}.sql").read_text(encoding="utf-8"), **suite.params
        )
        frame = con.execute(query).df()
        result = validate(
            suite.name, frame, index_columns=list(suite.index_columns), directory=directory
        )
        outcomes.append(SuiteOutcome(suite, result))
    return outcomes
