"""Checks that compare figures across sources: run on the published copy, before the pack.

Each source's own rules run at its landing gate and in its dbt tests; a rule that needs two
sources (domestic abuse incidents against offences, say) can only run once both have
published. Such a check blocks only the board pack: the sources' tables stay published, and
the pack is not rebuilt until the figures agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.lib.config import EXPECTATIONS_DIR
from orchestration.quality.gx import SuiteResult, validate

CROSS_SOURCE_DIR = EXPECTATIONS_DIR / "cross_source"


@dataclass(frozen=True)
class CrossSourceCheck:
    """A GX suite over a frame the check's SQL builds from the published tables.

    The suite is `<directory>/<name>.json`, its frame `<directory>/<name>.sql`.
    """

    name: str
    rule: str
    sources: tuple[str, ...]
    directory: Path = CROSS_SOURCE_DIR
    index_columns: tuple[str, ...] = ()

    def run(self, con: duckdb.DuckDBPyConnection) -> SuiteResult:
        query = (self.directory / f"{self.name}.sql").read_text(encoding="utf-8")
        frame = con.execute(query).df()
        return validate(
            self.name, frame, index_columns=list(self.index_columns), directory=self.directory
        )


# None yet. Domestic abuse incidents against the dashboard's offences is a published table
# (kpi_da_incidents_to_offences), not a rule: the Met flags the two separately, so no bound
# between them is certain enough to hold back the pack (docs/decisions.md).
CROSS_SOURCE_CHECKS: tuple[CrossSourceCheck, ...] = ()
