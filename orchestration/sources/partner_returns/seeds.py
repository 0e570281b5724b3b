"""The measure catalogue as dbt seeds: how the one partner chain of dbt models reads it.

    python -m orchestration.sources.partner_returns.seeds          # write them
    python -m orchestration.sources.partner_returns.seeds --check  # exit 1 if out of date

Writes `dbt_project/seeds/partner_providers.csv` (a row per provider: the raw tables the chain
reads), `partner_measures.csv` (a row per provider and measure),
`partner_targets.csv` (a row per target) and `partner_rules.csv` (a row per part of each
"parts within a total" rule). They are written from `catalogue.yml` whenever the project is set
up (`make setup`, which `make run` runs first) and are not kept in git: the catalogue is the one
place a provider or a measure is declared, and no dbt file names one. The models
(`models/*/partnership/`) are hand-written and read every provider's rows.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from orchestration.lib.config import DBT_PROJECT_DIR, SEEDS_DIR
from orchestration.lib.periods import financial_year_label
from orchestration.sources.partner_returns.catalogue import Catalogue, load_catalogue

PROVIDER_COLUMNS = ["provider", "provider_title", "section"]
MEASURE_COLUMNS = [
    "provider", "provider_title", "section", "measure", "label", "unit", "direction",
    "is_required", "numerator", "denominator", "first_quarter", "last_quarter", "sort_order",
    "description", "period_kind",
]  # fmt: skip
TARGET_COLUMNS = [
    "provider", "measure", "per", "financial_year", "fiscal_quarter", "target", "target_high",
    "baseline", "target_note",
]  # fmt: skip
RULE_COLUMNS = ["provider", "rule", "part", "total"]


def _text(value: Any) -> str:
    """A CSV cell: '' for None, a number without a trailing '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def providers_seed_rows(catalogue: Catalogue) -> Iterator[dict[str, Any]]:
    """One row per provider, measures or not (a provider may return an action plan alone)."""
    for provider in catalogue:
        yield {
            "provider": provider.key,
            "provider_title": provider.title,
            "section": provider.section,
        }


def measures_seed_rows(catalogue: Catalogue) -> Iterator[dict[str, Any]]:
    """One row per provider and measure, in the return's order."""
    for provider in catalogue:
        for order, measure in enumerate(provider.measures, start=1):
            ratio = provider.ratio_of(measure.key)
            yield {
                "provider": provider.key,
                "provider_title": provider.title,
                "section": provider.section,
                "measure": measure.key,
                "label": measure.label,
                "unit": measure.unit,
                "direction": measure.direction,
                "is_required": measure.required,
                "numerator": ratio.numerator if ratio else None,
                "denominator": ratio.denominator if ratio else None,
                "first_quarter": measure.first.key if measure.first else None,
                "last_quarter": measure.last.key if measure.last else None,
                "sort_order": order,
                "description": measure.description,
                # The measure's declared period (`quarter` unless the catalogue says otherwise).
                "period_kind": measure.period_kind,
            }


def targets_seed_rows(catalogue: Catalogue) -> Iterator[dict[str, Any]]:
    """One row per target: per quarter or per year, for a year (or every year), a quarter (or
    every quarter); a range (`target` to `target_high`) and a baseline where the catalogue
    gives them."""
    for provider in catalogue:
        for measure in provider.measures:
            for target in measure.targets:
                year = target.financial_year
                yield {
                    "provider": provider.key,
                    "measure": measure.key,
                    "per": target.per,
                    "financial_year": financial_year_label(year) if year is not None else None,
                    "fiscal_quarter": target.quarter,
                    "target": float(target.value),
                    "target_high": target.high,
                    "baseline": target.baseline,
                    "target_note": target.note or None,
                }


def rules_seed_rows(catalogue: Catalogue) -> Iterator[dict[str, Any]]:
    """One row per part of each rule `a + b <= c`, for the chain's test `partner_rule_holds`."""
    for provider in catalogue:
        for rule in provider.rules:
            if rule.kind != "within":
                continue
            for part in rule.parts:
                yield {
                    "provider": provider.key,
                    "rule": rule.text,
                    "part": part,
                    "total": rule.total,
                }


def _csv(columns: list[str], rows: Iterator[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_text(row[column]) for column in columns] for row in rows)
    return buffer.getvalue()


def seed_files(catalogue: Catalogue) -> dict[Path, str]:
    """Every seed written from the catalogue, and its text."""
    return {
        SEEDS_DIR / "partner_providers.csv": _csv(PROVIDER_COLUMNS, providers_seed_rows(catalogue)),
        SEEDS_DIR / "partner_measures.csv": _csv(MEASURE_COLUMNS, measures_seed_rows(catalogue)),
        SEEDS_DIR / "partner_targets.csv": _csv(TARGET_COLUMNS, targets_seed_rows(catalogue)),
        SEEDS_DIR / "partner_rules.csv": _csv(RULE_COLUMNS, rules_seed_rows(catalogue)),
    }


def differences(catalogue: Catalogue) -> list[str]:
    """The seeds that are missing or out of date."""
    return [
        str(path.relative_to(DBT_PROJECT_DIR.parent))
        for path, text in seed_files(catalogue).items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]


def write_seeds(catalogue: Catalogue) -> list[Path]:
    """Writes the seeds that differ; returns them."""
    written = []
    for path, text in seed_files(catalogue).items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a seed is stale")
    args = parser.parse_args(argv)
    catalogue = load_catalogue()
    if args.check:
        stale = differences(catalogue)
        for name in stale:
            print(f"out of date: {name}")
        return 1 if stale else 0
    for path in write_seeds(catalogue):
        print(f"wrote {path.relative_to(DBT_PROJECT_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
