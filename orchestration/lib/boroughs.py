"""London boroughs by ONS code or by name, in any case: one resolver for every caller.

The facts are the dbt seeds `london_boroughs` and `borough_name_aliases`, read here as files so
that configuration can be checked before anything runs.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from orchestration.lib.config import SEEDS_DIR


@dataclass(frozen=True)
class Borough:
    """A London borough the Met polices."""

    code: str
    name: str


class UnknownBorough(ValueError):
    """A borough that is neither a code nor a name of one of the 32 London boroughs."""


def _rows(name: str, seeds_dir: Path = SEEDS_DIR) -> list[dict[str, str]]:
    with (seeds_dir / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def london_boroughs() -> tuple[Borough, ...]:
    """The 32 boroughs the Met polices (City of London and the pseudo-boroughs excluded)."""
    return tuple(
        Borough(row["borough_code"], row["borough_name"])
        for row in _rows("london_boroughs")
        if row["is_london_borough"].strip().lower() == "true"
    )


@cache
def _lookup() -> dict[str, Borough]:
    by_code = {borough.code: borough for borough in london_boroughs()}
    lookup = {code.lower(): borough for code, borough in by_code.items()}
    lookup.update({borough.name.lower(): borough for borough in by_code.values()})
    for row in _rows("borough_name_aliases"):
        if row["borough_code"] in by_code:
            lookup[row["source_name"].strip().lower()] = by_code[row["borough_code"]]
    return lookup


def resolve_borough(value: str) -> Borough:
    """The borough an ONS code or a name (any case, any spelling in the aliases) stands for.

    Raises:
        UnknownBorough: naming the value and listing the 32 valid names.
    """
    borough = _lookup().get(value.strip().lower())
    if borough is None:
        names = ", ".join(sorted(b.name for b in london_boroughs()))
        raise UnknownBorough(
            f"unknown borough {value!r}: give an ONS code (E09000003) or a name, one of: {names}"
        )
    return borough
