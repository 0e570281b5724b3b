"""Publication units made of several sources' tables.

Most units are one source (its dbt group) or `reference`. A combined unit is a dbt group whose
tables bring several sources together (every provider's measures in one table): it publishes
when every one of its dbt nodes passed, keeps its last good tables otherwise, and is marked
stale while one of its sources is.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CombinedUnit:
    """A dbt group built from the tables of `sources` (their keys)."""

    key: str
    title: str
    sources: tuple[str, ...]
    licence: str = ""
