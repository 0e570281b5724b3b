"""Re-serialises the Met's monthly crime dashboard releases to the Datastore's CSV layout.

    .venv/bin/python scripts/make_dashboard_sample.py              # the sample in raw/
    .venv/bin/python scripts/make_dashboard_sample.py --full DIR   # every row, for the benchmark
    .venv/bin/python scripts/make_dashboard_sample.py --fixture    # the tests' one-month slice

The only copies of the two real releases are Parquet conversions (`../shared/data/
mps_monthly_dashboard/`, see `raw/SOURCES.md`): headers snake-cased, `Month_Year` and `Refresh
Date` parsed to timestamps, a `sheet` column added. This script writes them back with the
Datastore's own header and column order, dates as `YYYY-MM-DD` and counts as whole numbers,
leaving every label and count as published.

The sample keeps the borough rows (`Area Type` = `Borough`, including the areas that are not
London boroughs: `Unknown`, `N/K (Legacy Only)`, ...) of the crime subtypes the board reads, so
the two files stay at a few MB. `--full` keeps every row, Safer Neighbourhood Team rows and
every subtype included: the full release `make bench` loads. `--fixture` writes the tests'
slice: July 2025 of the other-crime release, every borough row and Barnet's Safer
Neighbourhood Team rows, every subtype.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / "shared" / "data" / "mps_monthly_dashboard"
SAMPLE_DIR = PROJECT_ROOT / "raw" / "met" / "crime_dashboard"
FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "mps_dashboard" / "other_crime_2025-07_slice.csv"
FIXTURE_ROWS = (
    "month_year = timestamp '2025-07-01' and (area_type = 'Borough' or borough_snt like 'Barnet %')"
)

# Parquet copy -> the CSV file name the Datastore gives the release.
RELEASES = {
    "MPS_MonthlyCrimeDashboard_OtherCrimeData_202108-202507_refresh2025-08.parquet": (
        "MPS_MonthlyCrimeDashboard_OtherCrimeData_202108-202507_refresh2025-08.csv"
    ),
    "M1045_MonthlyCrimeDashboard_KnifeCrimeData_202203-202602_refresh2026-03.parquet": (
        "M1045_MonthlyCrimeDashboard_KnifeCrimeData_202203-202602_refresh2026-03.csv"
    ),
}
FULL_RELEASE = next(iter(RELEASES))

# The Datastore's header, and the Parquet column each field comes from.
COLUMNS = {
    "Month_Year": "strftime(month_year, '%Y-%m-%d')",
    "Area Type": "area_type",
    "Borough_SNT": "borough_snt",
    "Area name": "area_name",
    "Area code": "area_code",
    "Crime Type": "crime_type",
    "Crime Subtype": "crime_subtype",
    "Measure": "measure",
    "Financial Year": "financial_year",
    "FY_FYIndex": "fy_fyindex",
    "Count": "count",
    "Refresh Date": "strftime(refresh_date, '%Y-%m-%d')",
}

# The subtypes the board's sections read (every spelling the two releases use).
BOARD_SUBTYPES = (
    "Domestic Abuse",
    "Domestic Abuse violence with injury",
    "Domestic Abuse Violence with Injury",
    "Hate crime",
    "Racist and Religious Crime",
    "Racist Crime",
    "Faith Crime",
    "AntiSemitic",
    "Islamophobic Crime",
    "Homophobic Crime",
    "Transphobic Crime",
    "Disability Crime",
    "Knife Crime",
    "Knife Crime with Injury",
    "Knife Injury Victims (1-24)",
    "Knife Injury Victims (non DA 1-24)",
    "Gun Crime",
    "Lethal Barrel Discharge",
)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def write_csv(parquet: Path, out: Path, *, sample: bool, where: str = "true") -> int:
    """Writes one release as the Datastore's CSV; returns the data rows written.

    Args:
        sample: keep only borough rows of the board's subtypes; otherwise every row (that
            `where` keeps).
    """
    fields = ", ".join(f'{expression} as "{name}"' for name, expression in COLUMNS.items())
    if sample:
        subtypes = ", ".join(_literal(s) for s in BOARD_SUBTYPES)
        where = f"area_type = 'Borough' and crime_subtype in ({subtypes})"
    out.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        # The Parquet copy keeps the Datastore's row order; the copy keeps it too.
        con.execute("set preserve_insertion_order = true")
        con.execute(
            f"copy (select {fields} from read_parquet({_literal(str(parquet))}) where {where}) "
            f"to {_literal(str(out))} (format csv, header true)"
        )
        (rows,) = con.execute(
            f"select count(*) from read_parquet({_literal(str(parquet))}) where {where}"
        ).fetchall()[0]
    finally:
        con.close()
    return int(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-dir", type=Path, default=SHARED, help="the Parquet copies")
    parser.add_argument(
        "--full", type=Path, metavar="DIR", help="write the whole other-crime release to DIR"
    )
    parser.add_argument("--fixture", action="store_true", help="write the tests' slice")
    args = parser.parse_args()
    if args.fixture:
        rows = write_csv(args.source_dir / FULL_RELEASE, FIXTURE, sample=False, where=FIXTURE_ROWS)
        print(f"{FIXTURE}: {rows:,} rows")
        return 0
    if args.full:
        out = args.full / RELEASES[FULL_RELEASE]
        rows = write_csv(args.source_dir / FULL_RELEASE, out, sample=False)
        print(f"{out}: {rows:,} rows")
        return 0
    for parquet, name in RELEASES.items():
        rows = write_csv(args.source_dir / parquet, SAMPLE_DIR / name, sample=True)
        print(f"{SAMPLE_DIR / name}: {rows:,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
