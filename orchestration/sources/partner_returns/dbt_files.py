"""The dbt files built from the measure catalogue, so a new provider needs no hand-written SQL.

    python -m orchestration.sources.partner_returns.dbt_files          # write them
    python -m orchestration.sources.partner_returns.dbt_files --check  # exit 1 if out of date

Writes the seeds `partner_measures.csv` and `partner_targets.csv`, and for each provider a folder
`dbt_project/models/partners/partner_<provider>/` (the folder is the provider's publication
unit): its dbt source (the raw table, joined to the ingest asset's key) and four models
(staging, fact, KPI, pack table), each one line calling a macro of
`dbt_project/macros/partner_models.sql`, with their contracts and tests (one test per catalogue
rule). `models/partners/partnership/` gets the two tables that bring every provider together
(`fct_partner_measure_quarterly`, `kpi_partner_measures`), the combined unit `partnership`.
`make setup` runs it before `dbt parse`; a test holds the committed files to the catalogue.
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from orchestration.lib.config import DBT_PROJECT_DIR, SEEDS_DIR
from orchestration.lib.periods import financial_year_label
from orchestration.sources.partner_returns import PARTNERSHIP
from orchestration.sources.partner_returns.catalogue import Catalogue, Provider, load_catalogue

MODELS_DIR = DBT_PROJECT_DIR / "models" / "partners"
GENERATED = (
    "Generated from orchestration/sources/partner_returns/catalogue.yml\n"
    "by orchestration/sources/partner_returns/dbt_files.py (make setup):\n"
    "edit the catalogue, not this file."
)

Column = tuple[str, str, str]  # name, data type, description

STAGING_COLUMNS: list[Column] = [
    ("source_file", "varchar", "The return's file name in raw/providers/<provider>/."),
    ("source_sha256", "varchar", "SHA-256 of the file's bytes."),
    ("source_row", "integer", "The figure's row on the return's Return sheet."),
    ("release", "varchar", "The return's release: its quarter and the day it was submitted, "
     "as 2022/23 Q4 (submitted 2023-04-20)."),
    ("released_on", "date", "The day the return was submitted; as_of compares against it."),
    ("loaded_at", "timestamp", "When the file was loaded (UTC)."),
    ("provider", "varchar", "The provider's key in the measure catalogue."),
    ("financial_year", "varchar", "The return's financial year, April to March, as 2022/23."),
    ("fiscal_quarter", "integer", "The return's quarter of the financial year, 1 (April-June) "
     "to 4."),
    ("period_start", "date", "The quarter's first day."),
    ("submitted_on", "date", "The \"submitted on\" date the return gives."),
    ("measure", "varchar", "The measure's key in the catalogue."),
    ("basis", "varchar", "quarter (the quarter's figure) or year_to_date (the year to date the "
     "return gave)."),
    ("cell", "varchar", "The figure's cell in the return (Return!C9)."),
    ("value", "double", "The figure published: as typed, or for a percent with a rule, "
     "recomputed from its numerator and denominator; NULL when not available or left empty."),
    ("typed_value", "double", "The figure as the provider typed it (a percent in percentage "
     "points); NULL when empty or n/a."),
    ("numerator", "double", "For a recomputed percent: the numerator's figure in the same "
     "return."),
    ("denominator", "double", "For a recomputed percent: the denominator's figure in the same "
     "return."),
    ("is_not_available", "boolean", "The return said n/a for the figure, or a percent could "
     "not be recomputed (its denominator is 0)."),
    ("note", "varchar", "The validator's note on the figure (a typed percentage recomputed, a "
     "figure far outside the provider's history)."),
]  # fmt: skip

FACT_COLUMNS: list[Column] = [
    ("provider", "varchar", "The provider's key in the measure catalogue."),
    ("measure", "varchar", "The measure's key in the catalogue."),
    ("label", "varchar", "The measure's label, as the return and the pack print it."),
    ("unit", "varchar", "count, percent (percentage points) or currency (pounds)."),
    ("financial_year", "varchar", "April to March, as 2022/23."),
    ("quarter", "integer", "The quarter of the financial year, 1 (April-June) to 4."),
    ("period_start", "date", "The quarter's first day."),
    ("period_end", "date", "The quarter's last day."),
    ("value", "double", "The quarter's figure as published: as typed, or for a percent with a "
     "rule, recomputed from its numerator and denominator; NULL when not available."),
    ("numerator", "double", "For a recomputed percent: the numerator's figure."),
    ("denominator", "double", "For a recomputed percent: the denominator's figure."),
    ("provider_value", "double", "For a recomputed percent: the percentage the provider typed."),
    ("is_not_available", "boolean", "The return said n/a (or gave the year to date only)."),
    ("returned_ytd_value", "double", "The year to date the return gave (a percent recomputed)."),
    ("returned_ytd_numerator", "double", "For a recomputed percent: the year to date's numerator."),
    ("returned_ytd_denominator", "double",
     "For a recomputed percent: the year to date's denominator."),
    ("provider_ytd_value", "double", "For a recomputed percent: the year to date as typed."),
    ("note", "varchar", "The validator's note on the figure (a typed percentage recomputed, a "
     "figure far outside the provider's history), as the pack shows it."),
    ("submitted_on", "date", "The day the return was submitted (its release)."),
    ("source_file", "varchar", "The return the figures come from."),
    ("source_sha256", "varchar", "That file's SHA-256."),
    ("source_cell", "varchar", "The cell of the quarter's figure in the return (Return!C9)."),
    ("sort_order", "integer", "The measure's place in the return."),
]  # fmt: skip

KPI_COLUMNS: list[Column] = [
    ("provider", "varchar", "The provider's key."),
    ("measure", "varchar", "The measure's key."),
    ("label", "varchar", "The measure's label."),
    ("unit", "varchar", "count, percent or currency."),
    ("direction", "varchar", "increase_is_positive, decrease_is_positive or neutral."),
    ("financial_year", "varchar", "April to March, as 2022/23."),
    ("quarter", "integer", "The quarter of the financial year, 1 (April-June) to 4."),
    ("period_start", "date", "The quarter's first day."),
    ("period_end", "date", "The quarter's last day."),
    ("value", "double", "The quarter's figure, as in fct_partner_measure_quarterly."),
    ("ytd_value", "double", '{{ doc("partner_year_to_date") }}'),
    ("ytd_basis", "varchar", "sum of quarters, or as returned (a quarter of the year missing)."),
    ("ytd_numerator", "double", "For a percent: the year to date of its numerator."),
    ("ytd_denominator", "double", "For a percent: the year to date of its denominator."),
    ("value_year_earlier", "double", "The same quarter a year earlier."),
    ("change", "double", "value - value_year_earlier."),
    ("change_pct", "double", '{{ doc("change_pct") }}'),
    ("target_quarter", "double", "The quarter's target, from the catalogue."),
    ("pct_of_quarter_target", "double", "value / target_quarter x 100."),
    ("target_year", "double", "The financial year's target, from the catalogue."),
    ("ytd_pct_of_year_target", "double", "ytd_value / target_year x 100."),
    ("rag", "varchar", '{{ doc("partner_rag") }}'),
    ("quarter_target_indicator", "varchar", "positive, negative or neutral: the quarter's "
     "figure against its target (neutral without one)."),
    ("year_target_indicator", "varchar", "positive, negative or neutral: the year to date against "
     "the year's target pro rata, a quarter at a time (neutral without one)."),
    ("year_on_year_indicator", "varchar", "positive, negative or neutral: the change on the same "
     "quarter a year earlier, read by the direction (neutral without that quarter's figure)."),
    ("provider_value", "double", "For a recomputed percent: the quarter's figure as typed."),
    ("provider_ytd_value", "double", "For a recomputed percent: the year to date as typed."),
    ("note", "varchar", "The validator's note on the figure."),
    ("submitted_on", "date", "The day the quarter's return was submitted."),
    ("source_file", "varchar", "The quarter's return."),
    ("sort_order", "integer", "The measure's place in the return."),
]  # fmt: skip

REPORT_COLUMNS: list[Column] = [
    ("provider", "varchar", "The provider's key."),
    ("measure", "varchar", "The measure's key."),
    ("label", "varchar", "The measure's label."),
    ("unit", "varchar", "count, percent or currency."),
    ("direction", "varchar", "The measure's good direction."),
    ("sort_order", "integer", "The measure's place in the return."),
    ("financial_year", "varchar", "The financial year of the latest quarter."),
    ("latest_quarter", "integer", "The provider's latest quarter with a return."),
    ("latest_quarter_label", "varchar", "As 2022/23 Q4."),
    ("period_start", "date", "The latest quarter's first day."),
    ("period_end", "date", "The latest quarter's last day."),
    ("q1_value", "double", "Q1 of the financial year."),
    ("q2_value", "double", "Q2 of the financial year."),
    ("q3_value", "double", "Q3 of the financial year."),
    ("q4_value", "double", "Q4 of the financial year."),
    ("q1_submitted_on", "date", "When Q1's return was submitted."),
    ("q2_submitted_on", "date", "When Q2's return was submitted."),
    ("q3_submitted_on", "date", "When Q3's return was submitted."),
    ("q4_submitted_on", "date", "When Q4's return was submitted."),
    ("value", "double", "The latest quarter's figure."),
    ("ytd_value", "double", "The year to date at the latest quarter."),
    ("ytd_basis", "varchar", "sum of quarters, or as returned."),
    ("value_year_earlier", "double", "The same quarter a year earlier."),
    ("change_pct", "double", "The change against the same quarter a year earlier, %."),
    ("target_quarter", "double", "The latest quarter's target."),
    ("pct_of_quarter_target", "double", "value / target_quarter x 100."),
    ("target_year", "double", "The financial year's target."),
    ("ytd_pct_of_year_target", "double", "ytd_value / target_year x 100."),
    ("rag", "varchar", "red, amber, green, or NULL with nothing to judge against."),
    ("quarter_target_indicator", "varchar", "positive, negative or neutral: the quarter's "
     "figure against its target (neutral without one)."),
    ("year_target_indicator", "varchar", "positive, negative or neutral: the year to date against "
     "the year's target pro rata, a quarter at a time (neutral without one)."),
    ("year_on_year_indicator", "varchar", "positive, negative or neutral: the change on the same "
     "quarter a year earlier, read by the direction (neutral without that quarter's figure)."),
    ("recent_values", "double[]", "The last eight quarters' figures up to the latest, oldest "
     "first; NULL for a quarter without a figure."),
    ("provider_value", "double", "For a recomputed percent: as typed."),
    ("provider_ytd_value", "double", "For a recomputed percent: the year to date as typed."),
    ("note", "varchar", "The validator's note on the figure."),
    ("submitted_on", "date", "The day the latest quarter's return was submitted."),
    ("source_file", "varchar", "The latest quarter's return."),
]  # fmt: skip

KEY_COLUMNS = ["measure", "financial_year", "quarter"]


def _comment(marker: str) -> str:
    return "".join(f"{marker} {line}\n" for line in GENERATED.splitlines())


def _csv(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def measures_seed(catalogue: Catalogue) -> str:
    rows: list[list[Any]] = [
        ["provider", "provider_title", "section", "measure", "label", "unit", "direction",
         "is_required", "numerator", "denominator", "first_quarter", "last_quarter",
         "sort_order", "description"],
    ]  # fmt: skip
    for provider in catalogue:
        for order, measure in enumerate(provider.measures, start=1):
            ratio = provider.ratio_of(measure.key)
            rows.append(
                [
                    provider.key,
                    provider.title,
                    provider.section,
                    measure.key,
                    measure.label,
                    measure.unit,
                    measure.direction,
                    "true" if measure.required else "false",
                    ratio.numerator if ratio else "",
                    ratio.denominator if ratio else "",
                    measure.first.key if measure.first else "",
                    measure.last.key if measure.last else "",
                    order,
                    measure.description,
                ]
            )
    return _csv(rows)


def targets_seed(catalogue: Catalogue) -> str:
    rows: list[list[Any]] = [
        ["provider", "measure", "per", "financial_year", "fiscal_quarter", "target"]
    ]
    for provider in catalogue:
        for measure in provider.measures:
            for target in measure.targets:
                year = target.financial_year
                rows.append(
                    [
                        provider.key,
                        measure.key,
                        target.per,
                        financial_year_label(year) if year is not None else "",
                        target.quarter if target.quarter is not None else "",
                        f"{target.value:g}",
                    ]
                )
    return _csv(rows)


def _columns(columns: list[Column], not_null: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    specs = []
    for name, kind, description in columns:
        spec: dict[str, Any] = {"name": name, "data_type": kind, "description": description}
        if name in not_null:
            spec["constraints"] = [{"type": "not_null"}]
        specs.append(spec)
    return specs


def _unique(columns: list[str]) -> dict[str, Any]:
    return {"unique_combination_of_columns": {"arguments": {"combination_of_columns": columns}}}


def _expression(expression: str) -> dict[str, Any]:
    return {"expression_is_true": {"arguments": {"expression": expression}}}


def _rule_tests(provider: Provider, column: str) -> list[dict[str, Any]]:
    return [
        {
            "partner_rule_holds": {
                "name": f"partner_{provider.key}_{column}_{'_'.join(rule.parts)}_within_"
                f"{rule.total}",
                "arguments": {
                    "parts": list(rule.parts),
                    "total": rule.total,
                    "column_name": column,
                },
            }
        }
        for rule in provider.rules
        if rule.kind == "within"
    ]


def provider_yaml(provider: Provider) -> dict[str, Any]:
    key, group = provider.key, provider.source_key
    fact, kpi, report = f"fct_partner_{key}__quarterly", f"kpi_partner_{key}", f"rpt_partner_{key}"
    values = ["value", "returned_ytd_value"]
    return {
        "version": 2,
        "sources": [
            {
                "name": group,
                "schema": "raw",
                "description": f"{provider.title}: every accepted return, one row per figure.",
                "tables": [
                    {
                        "name": "returns",
                        "identifier": group,
                        "meta": {"dagster": {"asset_key": ["raw", group]}},
                    }
                ],
            }
        ],
        "models": [
            {
                "name": f"stg_partner__{key}",
                "description": f"One row per figure of each accepted {provider.title} return "
                "released by the as-of date (a quarter's figure, and the year to date where "
                "given).",
                "config": {"schema": "staging", "materialized": "view"},
                "columns": _columns(STAGING_COLUMNS),
            },
            {
                "name": fact,
                "description": f"One row per {provider.title} measure, financial year and "
                "quarter, from the return submitted last for the quarter.",
                "config": {
                    "schema": "marts",
                    "materialized": "table",
                    "contract": {"enforced": True},
                },
                "data_tests": [
                    _unique(KEY_COLUMNS),
                    _expression("unit <> 'count' or value is null or value >= 0"),
                    _expression("unit <> 'percent' or value is null or value between 0 and 100"),
                    *(test for column in values for test in _rule_tests(provider, column)),
                ],
                "columns": _columns(
                    FACT_COLUMNS,
                    (
                        "provider",
                        "measure",
                        "financial_year",
                        "quarter",
                        "period_start",
                        "submitted_on",
                        "source_file",
                        "source_sha256",
                    ),
                ),  # fmt: skip
            },
            {
                "name": kpi,
                "description": f"One row per {provider.title} measure, financial year and "
                "quarter: the quarter, the year to date, the same quarter a year earlier, the "
                "target and the RAG.",
                "config": {
                    "schema": "marts",
                    "materialized": "table",
                    "contract": {"enforced": True},
                },
                "data_tests": [
                    _unique(KEY_COLUMNS),
                    _expression(
                        "ytd_basis <> 'sum of quarters' or unit = 'percent' or value is null "
                        "or ytd_value >= value"
                    ),
                    _expression(
                        "quarter <> 1 or ytd_basis <> 'sum of quarters' or unit = 'percent' "
                        "or ytd_value = value"
                    ),
                    _expression(
                        "ytd_denominator is null or ytd_denominator = 0 or "
                        "abs(ytd_value - ytd_numerator * 100.0 / ytd_denominator) < 1e-9"
                    ),
                    _expression("rag is null or rag in ('red', 'amber', 'green')"),
                    _expression(
                        "ytd_basis is null or ytd_basis in ('sum of quarters', 'as returned')"
                    ),
                    *_rule_tests(provider, "ytd_value"),
                ],
                "columns": _columns(
                    KPI_COLUMNS, ("provider", "measure", "financial_year", "quarter")
                ),
            },
            {
                "name": report,
                "description": f"One row per {provider.title} measure of the financial year of "
                "its latest quarter, shaped for the pack: the quarters side by side, the year "
                "to date, the target and the RAG of the latest quarter.",
                "config": {
                    "schema": "reporting",
                    "materialized": "table",
                    "contract": {"enforced": True},
                },
                "data_tests": [_unique(["measure"])],
                "columns": _columns(REPORT_COLUMNS),
            },
        ],
        "unit_tests": provider_unit_tests(provider),
    }


def provider_unit_tests(provider: Provider) -> list[dict[str, Any]]:
    """The year-to-date rule of the provider's own KPI model, on its first count (or amount):
    the same macro for every provider (dbt_project/macros/partner_models.sql, tested at length
    on the MARAC's), shown to hold on each provider's model and measure."""
    measure = next((m for m in provider.measures if m.unit in ("count", "currency")), None)
    if measure is None:
        return []
    fact = f"fct_partner_{provider.key}__quarterly"
    rows = [
        {
            "provider": provider.key,
            "measure": measure.key,
            "unit": measure.unit,
            "financial_year": "2022/23",
            "quarter": quarter,
            "value": value,
        }
        for quarter, value in ((1, 80), (2, 120))
    ]
    return [
        {
            "name": f"partner_{provider.key}_year_to_date_sums_the_quarters",
            "model": f"kpi_partner_{provider.key}",
            "description": f"{measure.label}: Q1 80 and Q2 120 of 2022/23 give a year to date "
            "of 80 at Q1 and 80 + 120 = 200 at Q2, the sum of the quarters "
            "(docs/kpi_definitions.md, section 6).",
            "given": [
                {"input": f"ref('{fact}')", "rows": rows},
                {
                    "input": "ref('partner_measures')",
                    "rows": [
                        {
                            "provider": provider.key,
                            "measure": measure.key,
                            "direction": "neutral",
                            "numerator": None,
                            "denominator": None,
                        }
                    ],
                },
                {
                    "input": "ref('partner_targets')",
                    "format": "sql",
                    "rows": "select 'x' as provider, 'x' as measure, 'quarter' as per, "
                    "'1999/00' as financial_year, null::integer as fiscal_quarter, "
                    "1.0 as target where false",
                },
            ],
            "expect": {
                "rows": [
                    {
                        "measure": measure.key,
                        "quarter": 1,
                        "ytd_value": 80,
                        "ytd_basis": "sum of quarters",
                    },
                    {
                        "measure": measure.key,
                        "quarter": 2,
                        "ytd_value": 200,
                        "ytd_basis": "sum of quarters",
                    },
                ]
            },
        }
    ]


def provider_models(provider: Provider) -> dict[str, str]:
    """File name -> SQL of the provider's four models."""
    key, group = provider.key, provider.source_key
    head = _comment("--")
    return {
        f"stg_partner__{key}.sql": head
        + f"{{{{ partner_staging(source('{group}', 'returns')) }}}}\n",
        f"fct_partner_{key}__quarterly.sql": head
        + f"{{{{ partner_fact(ref('stg_partner__{key}'), '{key}') }}}}\n",
        f"kpi_partner_{key}.sql": head
        + f"{{{{ partner_kpi(ref('fct_partner_{key}__quarterly'), '{key}') }}}}\n",
        f"rpt_partner_{key}.sql": head + f"{{{{ partner_report(ref('kpi_partner_{key}')) }}}}\n",
    }


def _union(catalogue: Catalogue, model: str, columns: list[Column]) -> str:
    parts = "\n\n    union all by name\n\n".join(
        f"    select * from {{{{ ref('{model.format(key=p.key)}') }}}}" for p in catalogue
    )
    names = ",\n".join(f"        {name}" for name, _, _ in columns)
    return (
        f"{_comment('--')}with\n\nunioned as (\n\n{parts}\n\n),\n\nfinal as (\n\n"
        f"    select\n{names}\n    from unioned\n\n)\n\nselect * from final\n"
    )


def partnership_files(catalogue: Catalogue) -> dict[str, str]:
    spec = {
        "version": 2,
        "models": [
            {
                "name": "fct_partner_measure_quarterly",
                "description": "One row per provider, measure, financial year and quarter, from "
                "the return submitted last for the quarter (every provider's "
                "fct_partner_<provider>__quarterly).",
                "config": {
                    "schema": "marts",
                    "materialized": "table",
                    "contract": {"enforced": True},
                },
                "data_tests": [_unique(["provider", *KEY_COLUMNS])],
                "columns": _columns(
                    FACT_COLUMNS, ("provider", "measure", "financial_year", "quarter")
                ),
            },
            {
                "name": "kpi_partner_measures",
                "description": "One row per provider, measure, financial year and quarter: the "
                "quarter, the year to date, the same quarter a year earlier, the target and "
                "the RAG (every provider's kpi_partner_<provider>).",
                "config": {
                    "schema": "marts",
                    "materialized": "table",
                    "contract": {"enforced": True},
                },
                "data_tests": [_unique(["provider", *KEY_COLUMNS])],
                "columns": _columns(
                    KPI_COLUMNS, ("provider", "measure", "financial_year", "quarter")
                ),
            },
        ],
    }
    return {
        "_partnership.yml": _yaml(spec),
        "fct_partner_measure_quarterly.sql": _union(
            catalogue, "fct_partner_{key}__quarterly", FACT_COLUMNS
        ),
        "kpi_partner_measures.sql": _union(catalogue, "kpi_partner_{key}", KPI_COLUMNS),
    }


def _yaml(spec: dict[str, Any]) -> str:
    return _comment("#") + yaml.safe_dump(spec, sort_keys=False, width=100)


def expected_files(catalogue: Catalogue) -> dict[Path, str]:
    """Every generated file and its content."""
    files: dict[Path, str] = {
        SEEDS_DIR / "partner_measures.csv": measures_seed(catalogue),
        SEEDS_DIR / "partner_targets.csv": targets_seed(catalogue),
    }
    for name, text in partnership_files(catalogue).items():
        files[MODELS_DIR / PARTNERSHIP / name] = text
    for provider in catalogue:
        folder = MODELS_DIR / provider.source_key
        files[folder / f"_partner_{provider.key}.yml"] = _yaml(provider_yaml(provider))
        for name, text in provider_models(provider).items():
            files[folder / name] = text
    return files


def _stale_folders(catalogue: Catalogue) -> Iterator[Path]:
    """Folders of providers no longer in the catalogue."""
    kept = {PARTNERSHIP, *(provider.source_key for provider in catalogue)}
    if MODELS_DIR.is_dir():
        for folder in sorted(MODELS_DIR.iterdir()):
            if folder.is_dir() and folder.name not in kept:
                yield folder


def differences(catalogue: Catalogue) -> list[str]:
    """The generated files that are missing, out of date or left over."""
    found = []
    for path, text in expected_files(catalogue).items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            found.append(str(path.relative_to(DBT_PROJECT_DIR.parent)))
    found += [str(p.relative_to(DBT_PROJECT_DIR.parent)) for p in _stale_folders(catalogue)]
    return found


def write_files(catalogue: Catalogue) -> list[Path]:
    """Writes what differs; removes the folders of providers gone from the catalogue."""
    written = []
    for path, text in expected_files(catalogue).items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    for folder in _stale_folders(catalogue):
        shutil.rmtree(folder)
        written.append(folder)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the files are stale")
    args = parser.parse_args(argv)
    catalogue = load_catalogue()
    if args.check:
        stale = differences(catalogue)
        for name in stale:
            print(f"out of date: {name}")
        if stale:
            print("run: .venv/bin/python -m orchestration.sources.partner_returns.dbt_files")
        return 1 if stale else 0
    for path in write_files(catalogue):
        print(f"wrote {path.relative_to(DBT_PROJECT_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
