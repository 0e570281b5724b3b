"""An independent calculation of the crime overview, straight from an MPS file.

Written from docs/kpi_definitions.md with the csv and statistics modules only; it shares no
code with the pipeline, so the end-to-end test can hold the marts to it.
"""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

# Which rows each board measure counts in an MPS file of the 2019-2023 layout, in either of its
# namings (2019-2021 releases say "Burglary - Residential", 2022-2023 "Domestic Burglary").
MEASURE_ROWS = {
    "burglary": lambda major, minor: major == "Burglary",
    "burglary_residential": lambda major, minor: (
        minor in ("Domestic Burglary", "Burglary - Residential")
    ),
    "burglary_business": lambda major, minor: (
        minor in ("Burglary Business and Community", "Burglary - Business and Community")
    ),
    "robbery": lambda major, minor: major == "Robbery",
    "violence_with_injury": lambda major, minor: minor == "Violence with Injury",
}
# The board's five overview measures, in the pack's order.
MEASURES = list(MEASURE_ROWS)
NOT_RANKED = {"London Heathrow and London City Airports", "City of London", "Unknown"}


SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"


def seed_rows(name: str) -> list[dict[str, str]]:
    """A dbt seed's rows, read with the csv module (`name` without `.csv`)."""
    with (SEEDS / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def month_add(month: str, delta: int) -> str:
    """'202105' + (-12) -> '202005'."""
    year, mon = int(month[:4]), int(month[4:])
    index = year * 12 + (mon - 1) + delta
    return f"{index // 12:04d}{index % 12 + 1:02d}"


@dataclass(frozen=True)
class Expected:
    ytd: int
    ytd_prev: int
    r12: int
    r12_prev: int
    rate: float
    rank: int
    rank_of: int
    exceptions: dict[str, str]

    @property
    def ytd_change(self) -> float:
        return (self.ytd - self.ytd_prev) * 100 / self.ytd_prev

    @property
    def r12_change(self) -> float:
        return (self.r12 - self.r12_prev) * 100 / self.r12_prev


def monthly_volumes(path: Path) -> dict[str, dict[str, dict[str, int]]]:
    """measure -> borough -> YYYYMM -> volume."""
    volumes: dict[str, dict[str, dict[str, int]]] = {
        m: defaultdict(lambda: defaultdict(int)) for m in MEASURE_ROWS
    }
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        months = header[3:]
        for row in reader:
            major, minor, borough = row[0], row[1], row[2]
            for measure, counts in MEASURE_ROWS.items():
                if counts(major, minor):
                    for month, value in zip(months, row[3:], strict=True):
                        volumes[measure][borough][month] += int(value)
    return volumes


def population(seed: Path, column: str) -> dict[str, int]:
    with seed.open(newline="", encoding="utf-8") as handle:
        return {row["borough_name"]: int(row[column]) for row in csv.DictReader(handle)}


def expected_overview(
    mps_file: Path, census_seed: Path, borough: str, month: str
) -> dict[str, Expected]:
    """The overview for one borough and month M ('YYYYMM'), by the catalogue's rules.

    For M in 2021 or later the population estimate in force is Census 2021 (reference date
    2021-03-21); residential burglary is per 1,000 households.
    """
    volumes = monthly_volumes(mps_file)
    residents = population(census_seed, "census2021_usual_residents")
    households = population(census_seed, "census2021_households")
    year = month[:4]
    ytd_months = [m for m in (month_add(month, -k) for k in range(12)) if m[:4] == year]
    r12_months = [month_add(month, -k) for k in range(12)]
    result = {}
    for measure, by_borough in volumes.items():
        denominator = households if measure == "burglary_residential" else residents
        rates = {
            name: sum(series[m] for m in r12_months) * 1000 / denominator[name]
            for name, series in by_borough.items()
            if name not in NOT_RANKED
        }
        series = by_borough[borough]
        exceptions = {}
        for back in (2, 1, 0):
            m = month_add(month, -back)
            prior = [series[month_add(m, -k)] for k in range(1, 25)]
            mean, sd = statistics.mean(prior), statistics.stdev(prior)
            exceptions[m] = (
                "high"
                if series[m] > mean + 2 * sd
                else "low"
                if series[m] < mean - 2 * sd
                else "normal"
            )
        result[measure] = Expected(
            ytd=sum(series[m] for m in ytd_months),
            ytd_prev=sum(series[month_add(m, -12)] for m in ytd_months),
            r12=sum(series[m] for m in r12_months),
            r12_prev=sum(series[month_add(m, -12)] for m in r12_months),
            rate=rates[borough],
            # rank(): 1 + the number of boroughs with a strictly lower rate.
            rank=1 + sum(1 for other in rates.values() if other < rates[borough]),
            rank_of=len(rates),
            exceptions=exceptions,
        )
    return result
