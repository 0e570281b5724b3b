"""The subset rules of the dashboard's landing gate, proven on the real data before they block.

A rule may refuse a file only if it holds on the real releases. Each rule the suite
`subtypes_within_totals` holds is checked here on every borough-row area and month of the two
shipped files (their borough rows are the real releases' own), with the csv module; so are the
two relations that must never block: racist and religious crime can exceed hate crime, and
positive outcomes can exceed a month's offences. Then the gate itself refuses a file that breaks
a rule, naming the row, the rule, the area and the month.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.landing.load import sync_source
from orchestration.sources.met_crime_dashboard import SOURCE

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = PROJECT_ROOT / "raw" / "met" / "crime_dashboard"
SLICE = PROJECT_ROOT / "tests" / "fixtures" / "mps_dashboard" / "other_crime_2025-07_slice.csv"

# (subset subtype, total subtype), by the names, in lower case.
HOLDING = [
    ("antisemitic", "racist and religious crime"),
    ("islamophobic crime", "racist and religious crime"),
    ("racist crime", "racist and religious crime"),
    ("faith crime", "racist and religious crime"),
    ("homophobic crime", "hate crime"),
    ("domestic abuse violence with injury", "domestic abuse"),
    ("lethal barrel discharge", "gun crime"),
    ("knife injury victims (non da 1-24)", "knife crime"),
]


def borough_counts(path: Path) -> dict[tuple[str, str, str, str], int]:
    """(measure, subtype, area, month) -> count, borough rows only."""
    counts: dict[tuple[str, str, str, str], int] = defaultdict(int)
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Area Type"] == "Borough":
                key = (
                    row["Measure"],
                    row["Crime Subtype"].lower(),
                    row["Area name"],
                    row["Month_Year"],
                )
                counts[key] += int(row["Count"])
    return counts


@pytest.fixture(scope="module")
def files() -> dict[str, dict[tuple[str, str, str, str], int]]:
    return {path.name: borough_counts(path) for path in sorted(SAMPLE_DIR.glob("*.csv"))}


def area_months(counts: dict) -> set[tuple[str, str]]:
    return {(area, month) for (_, _, area, month) in counts}


def broken(counts: dict, subset: str, total: str, measure: str = "Offences") -> tuple[int, int]:
    """(area-months where the subset exceeds the total, area-months judged) in one file."""
    judged = area_months(counts)
    over = sum(
        1
        for area, month in judged
        if counts.get((measure, subset, area, month), 0)
        > counts.get((measure, total, area, month), 0)
    )
    return over, len(judged)


@pytest.mark.parametrize(("subset", "total"), HOLDING, ids=[s for s, _ in HOLDING])
def test_each_blocking_rule_holds_on_every_borough_month_of_both_real_releases(
    files: dict, subset: str, total: str
) -> None:
    judged = 0
    for name, counts in files.items():
        subtypes = {key[1] for key in counts}
        if total not in subtypes:
            continue  # the knife file carries knife crime only
        over, months = broken(counts, subset, total)
        assert over == 0, name
        judged += months
    assert judged > 1500


def test_racist_and_religious_crime_can_exceed_hate_crime_so_it_must_not_block(
    files: dict,
) -> None:
    other = next(c for n, c in files.items() if n.startswith("MPS_"))
    over, judged = broken(other, "racist and religious crime", "hate crime")
    # 25 of the release's area-months (20 of them London boroughs').
    assert over == 25 and judged > 1600


def test_positive_outcomes_can_exceed_a_months_offences_so_they_never_block(files: dict) -> None:
    other = next(c for n, c in files.items() if n.startswith("MPS_"))
    exceeding = [
        key
        for key, outcomes in other.items()
        if key[0] == "Positive Outcomes" and outcomes > other.get(("Offences", *key[1:]), 0)
    ]
    assert len(exceeding) > 50


def test_the_gate_refuses_a_file_whose_subtype_exceeds_its_total_naming_row_rule_area_and_month(
    tmp_path: Path,
) -> None:
    with SLICE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    line, total = next(
        (number, int(row[10]))
        for number, row in enumerate(rows[1:], start=2)
        if row[1] == "Borough" and row[3] == "Camden" and row[6] == "Racist and Religious Crime"
        and row[7] == "Offences"
    )  # fmt: skip
    antisemitic = next(
        number
        for number, row in enumerate(rows[1:], start=2)
        if row[1] == "Borough" and row[3] == "Camden" and row[6] == "AntiSemitic"
        and row[7] == "Offences"
    )  # fmt: skip
    rows[antisemitic - 1][10] = str(total + 1)
    raw_dir = tmp_path / "raw"
    folder = SOURCE.landing_folder(raw_dir)
    folder.mkdir(parents=True)
    shutil.copy(SLICE, folder / SLICE.name)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    (folder / "more_antisemitic.csv").write_text(buffer.getvalue(), encoding="utf-8")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        report = sync_source(
            con, SOURCE, raw_dir, today=date(2026, 11, 27), loaded_at=datetime.now(UTC)
        )
    finally:
        con.close()
    assert [v.name for v in report.loaded] == [SLICE.name]
    (refused,) = report.refused
    assert (refused.check, refused.where) == ("subtypes_within_totals", f"row {antisemitic}")
    assert "antisemitic <= racist and religious" in refused.rule
    assert "'Camden'" in refused.rule and "'2025-07'" in refused.rule
    assert line != antisemitic
