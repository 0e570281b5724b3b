"""Reference data the raw checks need, read from the dbt seeds (one copy of each fact)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from orchestration.lib.config import DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"


def _rows(name: str, seeds_dir: Path = SEEDS_DIR) -> list[dict[str, str]]:
    with (seeds_dir / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def borough_aliases() -> dict[str, str]:
    """Lower-cased name as sources spell it -> borough code."""
    return {
        row["source_name"].lower(): row["borough_code"] for row in _rows("borough_name_aliases")
    }


@cache
def london_borough_codes() -> frozenset[str]:
    """The 32 boroughs the Met polices (City of London and the pseudo-boroughs excluded)."""
    return frozenset(
        row["borough_code"]
        for row in _rows("london_boroughs")
        if row["is_london_borough"].strip().lower() == "true"
    )


def label_key(layout: str, major: str, minor: str) -> str:
    return f"{layout}|{major.strip().lower()}|{minor.strip().lower()}"


@cache
def category_label_keys() -> frozenset[str]:
    return frozenset(
        label_key(row["source_layout"], row["source_major_text"], row["source_minor_text"])
        for row in _rows("crime_category_map")
    )
