"""Publication units made of several sources' tables.

Most units are one source (its dbt group) or `reference`. A combined unit is a dbt group whose
tables bring several sources together (every provider's measures in one table): it publishes
when every one of its dbt nodes passed, keeps its last good tables otherwise, and is marked
stale while one of its sources is. A combined unit whose tables say, row by row, which source
a row comes from (`row_column`) publishes each source's rows with that source: a source held
back keeps its rows from the last published copy while the others' come from this build.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CombinedUnit:
    """A dbt group built from the tables of `sources` (their keys).

    Attributes:
        row_column: the column of every one of its tables that says whose a row is, or "" when
            its rows cannot be told apart (the whole unit publishes or is kept).
        row_values: that column's value for each of `sources`, in the same order.
    """

    key: str
    title: str
    sources: tuple[str, ...]
    licence: str = ""
    row_column: str = ""
    row_values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.row_column and len(self.row_values) != len(self.sources):
            raise ValueError(f"{self.key}: one row value per source, in the sources' order")
