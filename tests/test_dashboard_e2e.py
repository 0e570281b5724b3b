"""End to end: the Met's monthly crime dashboard through the session's pipeline run.

The figures in kpi_flagged_crime_overview and kpi_hate_crime_periods are held to a calculation
made here from the shipped sample with the csv module (tests/support/dashboard_reference.py):
several boroughs, measures and months, a January, the months where the two releases overlap
on knife crime, and the months only the knife file covers. Then the pack for 2024-01, built
from the session's published copy, shows the sections with the same figures.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from html import unescape
from pathlib import Path

import openpyxl
import pytest

from orchestration.lib.boroughs import Borough
from orchestration.lib.duck import published
from orchestration.publish.pack import build_pack
from tests.conftest import PROJECT_ROOT, PipelineRun
from tests.support.dashboard_reference import HATE, Dashboard, load, month_add

# On the worker that runs the session's refresh (tests/conftest.py), with every test that reads it.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("session")]

CENSUS_SEED = PROJECT_ROOT / "dbt_project" / "seeds" / "population_census2021.csv"
OTHER_FILE = "MPS_MonthlyCrimeDashboard_OtherCrimeData_202108-202507_refresh2025-08.csv"
KNIFE_FILE = "M1045_MonthlyCrimeDashboard_KnifeCrimeData_202203-202602_refresh2026-03.csv"
BARNET = Borough("E09000003", "Barnet")
JANUARY_2024 = date(2024, 1, 1)

SPREAD = [
    # borough, measure, reporting month
    ("Barnet", "domestic_abuse", JANUARY_2024),
    ("Barnet", "domestic_abuse_vwi", JANUARY_2024),
    ("Barnet", "knife_injury_victims_non_da_1_24", JANUARY_2024),
    ("Barnet", "lethal_barrel_discharge", JANUARY_2024),
    ("Barnet", "antisemitic_hate", date(2025, 7, 1)),
    ("Westminster", "hate_crime", date(2023, 7, 1)),
    ("Westminster", "knife_crime", date(2024, 6, 1)),
    ("Hackney", "racist_religious_hate", date(2024, 12, 1)),
    ("Hackney", "knife_crime_with_injury", date(2025, 3, 1)),
    ("Kingston upon Thames", "transphobic_hate", JANUARY_2024),
    ("Kingston upon Thames", "gun_crime", date(2025, 7, 1)),
    ("Sutton", "disability_hate", date(2024, 9, 1)),
    ("Croydon", "knife_crime", date(2026, 2, 1)),  # only the knife file covers it
    ("Newham", "knife_injury_victims_1_24", date(2025, 11, 1)),
    ("Tower Hamlets", "islamophobic_hate", date(2025, 1, 1)),
]
COLUMNS = [
    "r12_volume", "r12_volume_prev", "r12_change_pct", "ytd_volume", "ytd_volume_prev",
    "ytd_change_pct", "r12_positive_outcomes", "r12_positive_outcomes_prev",
    "r12_outcome_rate_pct", "r12_outcome_rate_pct_prev", "rate_per_1000", "london_rank",
    "outcome_rate_london_rank", "rag",
]  # fmt: skip


@pytest.fixture(scope="module")
def reference(pipeline: PipelineRun) -> Dashboard:
    return load(pipeline.raw_dir / "met" / "crime_dashboard", CENSUS_SEED)


def kpi_row(run: PipelineRun, borough: str, measure: str, month: date) -> dict:
    rows = run.records(
        "select * from kpi_flagged_crime_overview "
        "where borough_name = ? and measure = ? and reporting_month = ?",
        [borough, measure, month],
    )
    assert len(rows) == 1, (borough, measure, month)
    return rows[0]


@pytest.mark.parametrize(("borough", "measure", "month"), SPREAD)
def test_a_spread_of_flagged_crime_figures_matches_an_independent_calculation(
    pipeline: PipelineRun, reference: Dashboard, borough: str, measure: str, month: date
) -> None:
    row = kpi_row(pipeline, borough, measure, month)
    expected = reference.kpi(measure, borough, month)
    for column in COLUMNS:
        if isinstance(expected[column], float):
            assert row[column] == pytest.approx(expected[column], rel=1e-12), column
        else:
            assert row[column] == expected[column], column


def test_the_kpi_mart_has_exactly_the_agreed_columns_and_32_boroughs_a_month(
    pipeline: PipelineRun,
) -> None:
    with published(pipeline.published_db) as con:
        columns = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_name = 'kpi_flagged_crime_overview' order by ordinal_position"
        ).fetchall()
        per_month = con.execute(
            "select reporting_month, measure, count(distinct borough_code), count(*) "
            "from kpi_flagged_crime_overview group by all"
        ).fetchall()
        names = {
            n
            for (n,) in con.execute(
                "select distinct borough_name from kpi_flagged_crime_overview"
            ).fetchall()
        }
    assert columns == [
        ("borough_code", "VARCHAR"), ("borough_name", "VARCHAR"), ("measure", "VARCHAR"),
        ("reporting_month", "DATE"), ("r12_volume", "BIGINT"), ("r12_volume_prev", "BIGINT"),
        ("r12_change_pct", "DOUBLE"), ("ytd_volume", "BIGINT"), ("ytd_volume_prev", "BIGINT"),
        ("ytd_change_pct", "DOUBLE"), ("r12_positive_outcomes", "BIGINT"),
        ("r12_positive_outcomes_prev", "BIGINT"), ("r12_outcome_rate_pct", "DOUBLE"),
        ("r12_outcome_rate_pct_prev", "DOUBLE"), ("rate_per_1000", "DOUBLE"),
        ("london_rank", "INTEGER"), ("outcome_rate_london_rank", "INTEGER"), ("rag", "VARCHAR"),
    ]  # fmt: skip
    assert {(b, n) for _, _, b, n in per_month} == {(32, 32)}
    # The other-crime file starts in 2021-08: 2023-07 is its first month with 24 months; the
    # knife file carries knife crime on to 2026-02.
    months = {(m, measure) for m, measure, _, _ in per_month}
    assert min(m for m, _ in months) == date(2023, 7, 1)
    assert max(m for m, measure in months if measure == "domestic_abuse") == date(2025, 7, 1)
    assert max(m for m, measure in months if measure == "knife_crime") == date(2026, 2, 1)
    assert len({measure for _, measure in months}) == 17
    assert not names & {"Unknown", "N/K (Legacy Only)", "Non MET police force"}
    assert not any("Aviation" in name for name in names)


def test_where_the_releases_overlap_the_knife_file_refreshed_later_gives_knife_crime(
    pipeline: PipelineRun, reference: Dashboard
) -> None:
    """The two releases disagree on knife crime in the months they share; the published
    monthly figures are the knife file's (refreshed 2026-03-18), the other months the other
    file's, and a non-knife measure in the same months stays with the other file."""
    other, knife = (
        next(f for f in reference.files if f.name == n) for n in (OTHER_FILE, KNIFE_FILE)
    )
    revised = [
        (area, month)
        for (measure, kind, area, month), count in knife.counts.items()
        if measure == "knife_crime"
        and kind == "offences"
        and area in reference.london
        and (measure, month) in other.covers
        and other.counts.get((measure, kind, area, month), 0) != count
    ]
    assert len(revised) > 100, "the sample is expected to carry revised knife counts"
    with published(pipeline.published_db) as con:
        published_counts = {
            (area, month): (offences, source)
            for area, month, offences, source in con.execute(
                "select borough_name, month, offences, source_file "
                "from fct_crime_dashboard_monthly where measure = 'knife_crime'"
            ).fetchall()
        }
        lbd_sources = {
            source
            for (source,) in con.execute(
                "select distinct source_file from fct_crime_dashboard_monthly "
                "where measure = 'lethal_barrel_discharge'"
            ).fetchall()
        }
    for area, month in revised[:50]:
        assert published_counts[(area, month)] == (
            knife.counts[("knife_crime", "offences", area, month)],
            KNIFE_FILE,
        )
    # Before the knife file starts, the other file is the only one covering knife crime.
    assert published_counts[("Barnet", date(2021, 8, 1))] == (
        other.counts.get(("knife_crime", "offences", "Barnet", date(2021, 8, 1)), 0),
        OTHER_FILE,
    )
    assert lbd_sources == {OTHER_FILE}


def test_a_month_a_file_covers_without_a_row_for_a_borough_is_zero(
    pipeline: PipelineRun, reference: Dashboard
) -> None:
    """Zero counts are omitted rows: a London borough absent from a month a file covers for
    the measure is published as 0, never left out."""
    missing = [
        (area, month)
        for area in reference.london
        for month in (date(2023, m, 1) for m in range(1, 13))
        if ("lethal_barrel_discharge", "offences", area, month)
        not in next(f for f in reference.files if f.name == OTHER_FILE).counts
    ]
    assert missing, "the sample is expected to omit some zero months"
    with published(pipeline.published_db) as con:
        for area, month in missing[:20]:
            (offences,) = con.execute(
                "select offences from fct_crime_dashboard_monthly where borough_name = ? "
                "and measure = 'lethal_barrel_discharge' and month = ?",
                [area, month],
            ).fetchall()[0]
            assert offences == 0


def test_knife_injury_victims_have_no_outcome_columns_and_an_outcome_rate_over_no_offences_is_null(
    pipeline: PipelineRun,
) -> None:
    with published(pipeline.published_db) as con:
        victims = con.execute(
            "select count(*), count(r12_positive_outcomes), count(r12_outcome_rate_pct), "
            "count(outcome_rate_london_rank) from kpi_flagged_crime_overview "
            "where measure like 'knife_injury_victims%'"
        ).fetchall()[0]
        zero = con.execute(
            "select count(*), count(r12_outcome_rate_pct), count(outcome_rate_london_rank) "
            "from kpi_flagged_crime_overview where r12_volume = 0"
        ).fetchall()[0]
        rated = con.execute(
            "select count(*), count(r12_outcome_rate_pct) from kpi_flagged_crime_overview "
            "where r12_volume > 0 and measure not like 'knife_injury_victims%'"
        ).fetchall()[0]
    assert victims[0] > 0 and victims[1:] == (0, 0, 0)
    assert zero[1:] == (0, 0)
    assert rated[0] == rated[1] > 0


@pytest.mark.parametrize(
    ("borough", "month"),
    [
        ("Barnet", JANUARY_2024),
        ("Barnet", date(2024, 3, 1)),
        ("Camden", date(2025, 7, 1)),
        ("Harrow", date(2022, 2, 1)),
    ],  # fmt: skip
)
def test_hate_crime_periods_match_an_independent_calculation(
    pipeline: PipelineRun, reference: Dashboard, borough: str, month: date
) -> None:
    with published(pipeline.published_db) as con:
        rows = con.execute(
            "select measure, period_kind, period_label, period_start, period_end, volume "
            "from kpi_hate_crime_periods where borough_name = ? and reporting_month = ?",
            [borough, month],
        ).fetchall()
    got: dict[str, dict[str, int]] = {}
    for measure, kind, label, start, end, volume in rows:
        got.setdefault(measure, {})[label] = volume
        assert start <= end <= month_add(month, 1)
        if kind == "month":
            assert (start, label) == (month, f"{month:%Y-%m}")
    assert got == {measure: reference.hate_periods(measure, borough, month) for measure in HATE}
    if month.month == 1:
        assert not any(kind == "ytd_before" for _, kind, *_ in rows)


def test_the_january_2024_table_has_the_month_and_the_two_full_years_the_data_covers(
    pipeline: PipelineRun,
) -> None:
    with published(pipeline.published_db) as con:
        labels = con.execute(
            "select distinct period_kind, period_label from kpi_hate_crime_periods "
            "where reporting_month = date '2024-01-01' order by 2 desc"
        ).fetchall()
    assert labels == [("month", "2024-01"), ("calendar_year", "2023"), ("calendar_year", "2022")]


@pytest.fixture(scope="module")
def pack_2024(pipeline: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = build_pack(
        pipeline.published_db, tmp_path_factory.mktemp("pack_2024"), BARNET, JANUARY_2024
    )
    return out.html_path


def section_text(html: str, key: str) -> str:
    match = re.search(rf'<section id="{key}".*?</section>', html, re.S)
    assert match, key
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(0))).split())


def test_the_2024_01_pack_has_the_dashboard_sections_with_their_release_and_figures(
    pack_2024: Path, reference: Dashboard
) -> None:
    html = pack_2024.read_text(encoding="utf-8")
    knife = section_text(html, "knife_gun")
    da = section_text(html, "domestic_abuse")
    hate = section_text(html, "hate_crime")
    for text in (knife, da, hate):
        assert "release 2026-03-18" in text  # the source's latest release
    assert "refreshed 2025-08-21 and 2026-03-18" in knife
    assert "refreshed 2025-08-21." in da
    victims = reference.kpi("knife_injury_victims_non_da_1_24", "Barnet", JANUARY_2024)
    lbd = reference.kpi("lethal_barrel_discharge", "Barnet", JANUARY_2024)
    # Measure, its RAG, what it was rated from and the good direction, then the 12 months and
    # the 12 months before.
    assert re.search(
        rf"Knife injury victims aged 1-24 \(not domestic abuse\) [RAG] \w+ .*? is better "
        rf"{victims['r12_volume']} {victims['r12_volume_prev']} ",
        knife,
    )
    assert f"Lethal barrel discharges {lbd['rag'][0].upper()} {lbd['rag'].capitalize()} " in knife
    da_kpi = reference.kpi("domestic_abuse", "Barnet", JANUARY_2024)
    assert f"Domestic abuse offences {da_kpi['rag'][0].upper()} " in da
    assert f"{da_kpi['r12_volume']:,} {da_kpi['r12_volume_prev']:,}" in da
    assert f"{da_kpi['outcome_rate_london_rank']}/32" in da
    assert "Domestic abuse incidents, and the share that become offences, follow" in da
    race = reference.hate_periods("racist_religious_hate", "Barnet", JANUARY_2024)
    semitism = reference.hate_periods("antisemitic_hate", "Barnet", JANUARY_2024)
    assert "Category 2024 Jan 2023 Full Year 2022 Full Year" in hate
    assert f"Race and Religion {race['2024-01']} {race['2023']} {race['2022']}" in hate
    assert f"of which – Anti-Semitism {semitism['2024-01']} {semitism['2023']}" in hate


def test_every_rag_cell_of_the_pack_shows_its_letter_as_well_as_its_colour(
    pack_2024: Path,
) -> None:
    html = pack_2024.read_text(encoding="utf-8")
    rag = r'<span class="rag rag-(\w+)"[^>]*>(?:<span aria-hidden="true">)?(\w)</span>'
    cells = re.findall(rag, html)
    assert all(letter == colour[0].upper() for colour, letter in cells)
    assert len(re.findall(r'class="rag rag-', html)) == len(cells)
    # The overview's five rows and its key's three, two knife and gun rows, two domestic abuse.
    crime = {
        key: len(re.findall(rag, re.search(rf'<section id="{key}".*?</section>', html, re.S)[0]))
        for key in ("overview", "knife_gun", "domestic_abuse")
    }
    assert crime == {"overview": 5 + 3, "knife_gun": 2, "domestic_abuse": 2}
    workbook = openpyxl.load_workbook(pack_2024.with_suffix(".xlsx"))
    try:
        for name in ("Overview", "Knife and gun", "Domestic abuse"):
            sheet = workbook[name]
            column = [c.value for c in sheet[1]].index("RAG")
            letters = [row[column].value for row in sheet.iter_rows(min_row=2) if row[0].value]
            letters = [letter for letter in letters if letter is not None]
            assert letters and set(letters) <= {"R", "A", "G"}, name
    finally:
        workbook.close()


def test_the_may_2021_pack_says_the_dashboard_has_no_figures_for_that_month(
    pipeline: PipelineRun,
) -> None:
    html = (
        pipeline.warehouse_dir
        / "published"
        / "packs"
        / "2021-05"
        / "board_pack_barnet_2021-05.html"
    ).read_text(encoding="utf-8")
    text = section_text(html, "domestic_abuse")
    assert "No figures for Barnet: the published data gives this section for July 2023 to" in text
    assert "not for May 2021" in text


# --- Domestic abuse incidents beside the dashboard's offences ---------------------------------


def _incidents(raw_dir: Path, area: str, month: date) -> int | None:
    """The feed's 12 months to `month` for `area`, read with the csv module; None if short."""
    counts = {}
    for path in sorted((raw_dir / "met" / "da_incidents").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["borough"] == area:
                    counts[date.fromisoformat(row["month"] + "-01")] = int(row["da_incidents"])
    window = [counts.get(month_add(month, -k)) for k in range(12)]
    return None if None in window else sum(window)  # type: ignore[arg-type]


def test_da_incidents_sit_beside_the_dashboards_offences_of_the_same_12_months(
    pipeline: PipelineRun, reference: Dashboard
) -> None:
    rows = pipeline.records(
        "select * from kpi_da_incidents_to_offences where borough_name = 'Barnet' "
        "order by reporting_month"
    )
    assert [r["reporting_month"] for r in rows] == [
        month_add(date(2022, 2, 1), k) for k in range(13)
    ]
    for row in rows:
        month = row["reporting_month"]
        incidents = _incidents(pipeline.raw_dir, "Barnet", month)
        offences = reference.window("domestic_abuse", "offences", "Barnet", month, 12)
        assert row["r12_da_incidents"] == incidents, month
        assert row["r12_da_offences"] == offences, month
        if offences is None:  # the dashboard starts in August 2021
            assert month < date(2022, 7, 1) and row["offences_per_100_incidents"] is None
        else:
            assert row["offences_per_100_incidents"] == pytest.approx(offences * 100 / incidents)
    # The April 2023 report (§3.5.4): 5,044 incidents in the 12 months to February 2023, 62% of
    # them offences (3,121). The dashboard's 2025 refresh counts 3,078 offences for those months.
    february = rows[-1]
    assert february["r12_da_incidents"] == 5044
    assert round(february["offences_per_100_incidents"]) == 61
    assert round(3121 * 100 / 5044) == 62


def test_the_pack_shows_da_incidents_and_the_share_that_become_offences(
    pipeline: PipelineRun, reference: Dashboard, tmp_path_factory: pytest.TempPathFactory
) -> None:
    february = date(2023, 2, 1)
    folder = tmp_path_factory.mktemp("pack_2023_02")
    out = build_pack(pipeline.published_db, folder, BARNET, february)
    text = section_text(out.html_path.read_text(encoding="utf-8"), "da_incidents")
    offences = reference.window("domestic_abuse", "offences", "Barnet", february, 12)
    assert offences is not None
    assert "the 12 months to February 2023" in text
    assert "5,044 -3% (from 5,185)" in text
    assert f"{offences:,} {offences * 100 / 5044:.1f}% n/a" in text
    assert "No London rank: only 1 of the 32 London boroughs" in text
    sheet = openpyxl.load_workbook(out.xlsx_path)["Domestic abuse incidents"]
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert values["Domestic abuse incidents"] == 5044
    assert values["Domestic abuse offences, same 12 months"] == offences
    assert values["Offences per 100 incidents"] == pytest.approx(offences / 5044)
