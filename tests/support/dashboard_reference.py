"""An independent calculation of the dashboard's KPIs, straight from the Met's CSV files.

Written from the issue and docs/kpi_definitions.md with the csv module only; it shares no code
and no seed with the models (the subtype names are the issue's list, the London boroughs are
the areas with an E09 code), so the end-to-end tests can hold the marts to it.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

# The measure keys, each from one crime subtype (any spelling, any case).
SUBTYPES = {
    "domestic abuse": "domestic_abuse",
    "domestic abuse violence with injury": "domestic_abuse_vwi",
    "hate crime": "hate_crime",
    "racist and religious crime": "racist_religious_hate",
    "racist crime": "racist_hate",
    "faith crime": "faith_hate",
    "antisemitic": "antisemitic_hate",
    "anti-semitic": "antisemitic_hate",
    "islamophobic crime": "islamophobic_hate",
    "homophobic crime": "homophobic_hate",
    "transphobic crime": "transphobic_hate",
    "transgender crime": "transphobic_hate",
    "disability crime": "disability_hate",
    "knife crime": "knife_crime",
    "knife crime with injury": "knife_crime_with_injury",
    "knife injury victims (1-24)": "knife_injury_victims_1_24",
    "knife injury victims (non da 1-24)": "knife_injury_victims_non_da_1_24",
    "gun crime": "gun_crime",
    "lethal barrel discharge": "lethal_barrel_discharge",
}
# The issue: the source gives no positive outcomes for the knife injury victim measures.
NO_OUTCOMES = {"knife_injury_victims_1_24", "knife_injury_victims_non_da_1_24"}
HATE = [
    "hate_crime", "racist_religious_hate", "racist_hate", "faith_hate", "antisemitic_hate",
    "islamophobic_hate", "homophobic_hate", "transphobic_hate", "disability_hate",
]  # fmt: skip


def month_add(month: date, delta: int) -> date:
    index = month.year * 12 + month.month - 1 + delta
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class DashboardFile:
    """One release: its refresh date and its borough rows' counts."""

    name: str
    refreshed: date
    # (measure, kind, area, month) -> count; kind is "offences" or "outcomes"
    counts: dict[tuple[str, str, str, date], int]
    # (measure, month) the file has any borough row for
    covers: set[tuple[str, date]]
    london: set[str]


def read_file(path: Path) -> DashboardFile:
    counts: dict[tuple[str, str, str, date], int] = defaultdict(int)
    covers: set[tuple[str, date]] = set()
    london: set[str] = set()
    refreshed = date.min
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            refreshed = max(refreshed, date.fromisoformat(row["Refresh Date"][:10]))
            if row["Area Type"] != "Borough":
                continue
            measure = SUBTYPES.get(row["Crime Subtype"].strip().lower())
            if measure is None:
                continue
            month = date.fromisoformat(row["Month_Year"][:10])
            kind = "offences" if row["Measure"] == "Offences" else "outcomes"
            area = row["Area name"]
            if row["Area code"].startswith("E09"):
                london.add(area)
            counts[(measure, kind, area, month)] += int(row["Count"])
            covers.add((measure, month))
    return DashboardFile(path.name, refreshed, dict(counts), covers, london)


class Dashboard:
    """The figures the marts should publish, from the files in a folder."""

    def __init__(self, files: list[DashboardFile], population: dict[str, int]) -> None:
        self.files = files
        self.population = population
        self.london = sorted(set().union(*(f.london for f in files)))

    def source(self, measure: str, month: date) -> DashboardFile | None:
        """The file with the latest refresh that covers the measure in the month."""
        covering = [f for f in self.files if (measure, month) in f.covers]
        return max(covering, key=lambda f: f.refreshed, default=None)

    def count(self, measure: str, kind: str, area: str, month: date) -> int | None:
        """A month's count (0 where the chosen file has no row), None when no file covers it."""
        chosen = self.source(measure, month)
        if chosen is None:
            return None
        return chosen.counts.get((measure, kind, area, month), 0)

    def window(self, measure: str, kind: str, area: str, month: date, months: int) -> int | None:
        values = [self.count(measure, kind, area, month_add(month, -k)) for k in range(months)]
        return None if any(v is None for v in values) else sum(v for v in values if v is not None)

    def ytd(self, measure: str, area: str, month: date) -> int | None:
        months = [date(month.year, m, 1) for m in range(1, month.month + 1)]
        values = [self.count(measure, "offences", area, m) for m in months]
        return None if any(v is None for v in values) else sum(v for v in values if v is not None)

    def kpi(self, measure: str, area: str, month: date) -> dict:
        r12 = self.window(measure, "offences", area, month, 12)
        prev = self.window(measure, "offences", area, month_add(month, -12), 12)
        ytd = self.ytd(measure, area, month)
        ytd_prev = self.ytd(measure, area, month_add(month, -12))
        outcomes = prev_outcomes = rate_pct = rate_prev = None
        if measure not in NO_OUTCOMES:
            outcomes = self.window(measure, "outcomes", area, month, 12)
            prev_outcomes = self.window(measure, "outcomes", area, month_add(month, -12), 12)
            rate_pct = outcomes * 100 / r12 if r12 else None
            rate_prev = prev_outcomes * 100 / prev if prev else None
        rates = {
            a: self.window(measure, "offences", a, month, 12) * 1000 / self.population[a]
            for a in self.london
        }
        outcome_rates: dict[str, float] = {}
        if measure not in NO_OUTCOMES:
            for a in self.london:
                offences = self.window(measure, "offences", a, month, 12)
                if offences:
                    outcome_rates[a] = self.window(measure, "outcomes", a, month, 12) / offences
        indicators = [
            _sign(None if not prev else (r12 - prev), good=-1),
            _sign(None if not ytd_prev else (ytd - ytd_prev), good=-1),
            _sign(None if rate_pct is None or rate_prev is None else rate_pct - rate_prev, good=1),
        ]
        return {
            "r12_volume": r12,
            "r12_volume_prev": prev,
            "r12_change_pct": (r12 - prev) * 100 / prev if prev else None,
            "ytd_volume": ytd,
            "ytd_volume_prev": ytd_prev,
            "ytd_change_pct": (ytd - ytd_prev) * 100 / ytd_prev if ytd_prev else None,
            "r12_positive_outcomes": outcomes,
            "r12_positive_outcomes_prev": prev_outcomes,
            "r12_outcome_rate_pct": rate_pct,
            "r12_outcome_rate_pct_prev": rate_prev,
            "rate_per_1000": rates[area],
            # rank(): 1 + the boroughs strictly better.
            "london_rank": 1 + sum(1 for r in rates.values() if r < rates[area]),
            "outcome_rate_london_rank": (
                1 + sum(1 for r in outcome_rates.values() if r > outcome_rates[area])
                if area in outcome_rates
                else None
            ),
            "rag": _rag(indicators),
        }

    def hate_periods(self, measure: str, area: str, month: date) -> dict[str, int]:
        """period_label -> offences, for the pack's Table 1."""
        periods = {f"{month:%Y-%m}": self.count(measure, "offences", area, month)}
        if month.month > 1:
            before = [self.count(measure, "offences", area, date(month.year, m, 1))
                      for m in range(1, month.month)]  # fmt: skip
            if None not in before:
                label = f"{month.year} Jan" + (
                    f"-{month_add(month, -1):%b}" if month.month > 2 else ""
                )
                periods[label] = sum(v for v in before if v is not None)
        for year in range(2000, month.year + 1):
            if date(year, 12, 1) > month:
                continue
            months = [self.count(measure, "offences", area, date(year, m, 1)) for m in range(1, 13)]
            if None not in months:
                periods[str(year)] = sum(v for v in months if v is not None)
        return {label: value for label, value in periods.items() if value is not None}


def _sign(change: float | None, good: int) -> str:
    if change is None or change == 0:
        return "neutral"
    return "positive" if (change > 0) == (good > 0) else "negative"


def _rag(indicators: list[str]) -> str:
    positives, negatives = indicators.count("positive"), indicators.count("negative")
    if negatives == 0 and positives > 0:
        return "green"
    if negatives and negatives >= 0.75 * (positives + negatives):
        return "red"
    return "amber"


def census_population(seed: Path) -> dict[str, int]:
    with seed.open(newline="", encoding="utf-8") as handle:
        return {
            row["borough_name"]: int(row["census2021_usual_residents"])
            for row in csv.DictReader(handle)
        }


def load(folder: Path, census_seed: Path) -> Dashboard:
    files = [read_file(path) for path in sorted(folder.glob("*.csv"))]
    return Dashboard(files, census_population(census_seed))
