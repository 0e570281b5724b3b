"""End to end: the MOPAC sources through the session's pipeline run, against the real exports
and the board's papers.

The June 2022 borough figures and ranks, and the London series of the 2025 release, are
recomputed here from the real files in raw/mopac/pas/ (tests/support/mopac_reference.py, the
csv module only); the victim satisfaction and IOM figures are the ones the board published
(docs/kpi_definitions.md §5, raw/SOURCES.md). Tests that land a bad file and run the refresh
again are in test_publishing_per_source.py.
"""

from __future__ import annotations

import csv
import html as html_lib
import re
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from orchestration.lib.duck import published
from tests.conftest import PROJECT_ROOT, PipelineRun
from tests.support.mopac_reference import (
    borough_export,
    london_series,
    previous_quarter_end,
)

# On the worker that runs the session's refresh (tests/conftest.py), with every test that reads it.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("session")]

PAS_FOLDER = PROJECT_ROOT / "raw" / "mopac" / "pas"
SERIES_2025 = "public-perception-data_MPS_Dec-14_to_Sep-25.csv"
SEEDS = PROJECT_ROOT / "dbt_project" / "seeds"
LONDON = "E23000001"
JUNE_2022 = date(2022, 6, 30)
PACK = Path("packs") / "2021-05" / "board_pack_barnet_2021-05.html"

# The contracts the issue set for the marts, in order.
CONTRACTS = {
    "kpi_public_confidence": [
        "area", "area_code", "measure", "measure_label", "period_start", "period_end",
        "period_label", "percent", "london_percent", "london_rank",
        "change_on_previous_quarter", "change_on_year_earlier", "source_file",
    ],
    "kpi_victim_satisfaction": [
        "area", "period_start", "period_end", "period_label", "percent",
        "change_on_previous_quarter", "change_on_baseline", "source_file",
    ],
    "kpi_iom_cohort": [
        "area", "area_code", "period_start", "period_end", "period_label",
        "offenders_in_cohort", "offenders_charged", "offenders_charged_during_cohort",
        "charged_offences", "share_of_cohort_charged_pct", "source_file",
    ],
}  # fmt: skip

# Barnet's IOM cohort as the July 2021 pack prints it (calendar quarters), and the April 2023
# report's London comparison for 2022/23 Q4, Harrow's charged during cohort left empty.
BARNET_IOM = {
    # quarter start: (cohort, charged, charged during cohort, offences), board label
    date(2020, 1, 1): ((88, 23, 23, 84), "2019/20 Q4"),
    date(2020, 4, 1): ((95, 30, 29, 116), "2020/21 Q1"),
    date(2020, 7, 1): ((96, 25, 24, 66), "2020/21 Q2"),
    date(2020, 10, 1): ((102, 21, 21, 66), "2020/21 Q3"),
    date(2021, 1, 1): ((87, 12, 12, 115), "2020/21 Q4"),
    date(2021, 4, 1): ((97, 19, 19, 54), "2021/22 Q1"),
}
COMPARISON_2022_23_Q4 = {
    "London": (2192, 654, 593, 2339),
    "Barnet": (105, 30, 27, 135),
    "Brent": (118, 45, 35, 154),
    "Harrow": (73, 17, None, 68),
}


def rows(run: PipelineRun, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    return run.records(sql, params)


def borough_codes() -> dict[str, str]:
    """Borough name as sources spell it -> ONS code, from the seeds, read with csv."""
    with (SEEDS / "borough_name_aliases.csv").open(newline="", encoding="utf-8") as handle:
        return {row["source_name"]: row["borough_code"] for row in csv.DictReader(handle)}


# --- Public confidence ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def june_2022(pipeline: PipelineRun) -> dict[tuple[str, str], dict[str, Any]]:
    found = rows(pipeline, "select * from kpi_public_confidence where period_end = ?", [JUNE_2022])
    return {(row["area_code"], row["measure_label"]): row for row in found}


@pytest.mark.parametrize(
    "export", sorted(p.name for p in PAS_FOLDER.glob("all_borough_police_*_june_2022.csv"))
)
def test_june_2022_borough_figures_and_ranks_match_an_independent_reading_of_the_export(
    june_2022: dict[tuple[str, str], dict[str, Any]], export: str
) -> None:
    expected = borough_export(PAS_FOLDER / export)
    assert expected.quarter_end == JUNE_2022
    codes = borough_codes()
    assert len(expected.boroughs) == 32
    for area, figure in expected.boroughs.items():
        row = june_2022[(codes[area], expected.measure_label)]
        assert row["percent"] == figure.percent, area
        assert row["london_rank"] == figure.rank, area
        assert row["london_percent"] == expected.london, area
        assert (row["period_start"], row["period_label"]) == (date(2022, 4, 1), "Jun-22")
    london = june_2022[(LONDON, expected.measure_label)]
    assert (london["area"], london["percent"], london["london_rank"]) == (
        "London",
        expected.london,
        None,
    )


def test_barnet_june_2022_reads_as_the_exports_print_it(
    june_2022: dict[tuple[str, str], dict[str, Any]],
) -> None:
    """Figures read off the exports: Barnet 49% (London 49%) think the police do a good job,
    13th of 32 (twelve boroughs are higher); 71% that they treat everyone fairly, 4th (only
    Hillingdon 78%, Sutton 74% and Kingston 72% are higher; Hounslow and Richmond tie)."""
    barnet = {label: row for (code, label), row in june_2022.items() if code == "E09000003"}
    good_job = barnet["Police do a good job in the local area"]
    fair = barnet["Agree the police treat everyone fairly regardless of who they are"]
    assert (good_job["percent"], good_job["london_percent"], good_job["london_rank"]) == (
        49,
        49,
        13,
    )
    assert (fair["percent"], fair["london_percent"], fair["london_rank"]) == (71, 61, 4)
    assert len(barnet) == 7
    assert all(row["change_on_previous_quarter"] is None for row in barnet.values())


def test_the_london_series_matches_the_2025_release_for_every_quarter_and_measure(
    pipeline: PipelineRun,
) -> None:
    series = london_series(PAS_FOLDER / SERIES_2025)
    assert len(series) == 280
    found = {
        (row["period_end"], row["measure_label"]): row
        for row in rows(
            pipeline, "select * from kpi_public_confidence where area_code = ?", [LONDON]
        )
    }
    for (end, label), percent in series.items():
        row = found[(end, label)]
        assert row["percent"] == percent, (end, label)
        assert row["source_file"] == SERIES_2025, (end, label)
        assert row["period_label"] == f"{end:%b-%y}"
        previous = series.get((previous_quarter_end(end), label))
        year_earlier = series.get((date(end.year - 1, end.month, end.day), label))
        # Every quarter before a series figure is in the series too (the two measures the
        # series drops after Mar-22 never come back), so the changes follow from it alone.
        assert row["change_on_previous_quarter"] == (
            None if previous is None else percent - previous
        ), (end, label)
        assert row["change_on_year_earlier"] == (
            None if year_earlier is None else percent - year_earlier
        ), (end, label)
    # Sep-22 is the 2025 release's, not a repeat of Dec-14.
    sep_22 = {label: p for (end, label), p in series.items() if end == date(2022, 9, 30)}
    assert sorted(sep_22.values()) == [50, 58, 60, 61, 62]


def test_londons_june_2022_figures_the_series_lacks_come_from_the_borough_exports(
    june_2022: dict[tuple[str, str], dict[str, Any]],
) -> None:
    series = london_series(PAS_FOLDER / SERIES_2025)
    for name in ("informed", "contact_ward_officer"):
        export = borough_export(PAS_FOLDER / f"all_borough_police_{name}_june_2022.csv")
        assert (JUNE_2022, export.measure_label) not in series
        row = june_2022[(LONDON, export.measure_label)]
        assert row["percent"] == export.london
        assert row["source_file"] == f"all_borough_police_{name}_june_2022.csv"


def test_lambeths_trend_export_agrees_with_the_june_2022_borough_exports(
    pipeline: PipelineRun,
) -> None:
    found = rows(
        pipeline,
        "select measure_label, percent, period_end from kpi_public_confidence "
        "where area = 'Lambeth' order by period_end",
    )
    assert len(found) == 31 * 7  # Dec 2014 to Jun 2022, seven measures
    for export in PAS_FOLDER.glob("all_borough_police_*_june_2022.csv"):
        expected = borough_export(export)
        [row] = [
            r
            for r in found
            if (r["period_end"], r["measure_label"]) == (JUNE_2022, expected.measure_label)
        ]
        assert row["percent"] == expected.boroughs["Lambeth"].percent


# --- Victim satisfaction and IOM -----------------------------------------------------------


def test_victim_satisfaction_carries_the_figures_the_board_published(pipeline: PipelineRun) -> None:
    found = rows(
        pipeline,
        "select area, period_label, percent, change_on_previous_quarter, change_on_baseline "
        "from kpi_victim_satisfaction order by area, period_start",
    )
    # 2022/23 Q4: North West BCU 65% (no Q3 figure for it), London 66% from 63%; the baseline
    # is London's 64% in 2020/21.
    assert [tuple(row.values()) for row in found] == [
        ("London", "2022/23 Q3", 63.0, None, -1.0),
        ("London", "2022/23 Q4", 66.0, 3.0, 2.0),
        ("North West BCU", "2022/23 Q4", 65.0, None, 1.0),
    ]


def test_barnets_iom_cohort_is_the_july_2021_packs_table_with_the_share_recomputed(
    pipeline: PipelineRun,
) -> None:
    found = {
        row["period_start"]: row
        for row in rows(pipeline, "select * from kpi_iom_cohort where area = 'Barnet'")
    }
    for start, (counts, label) in BARNET_IOM.items():
        row = found[start]
        cohort, charged, during, offences = counts
        assert (
            row["offenders_in_cohort"],
            row["offenders_charged"],
            row["offenders_charged_during_cohort"],
            row["charged_offences"],
        ) == counts
        assert row["period_label"] == label
        assert row["share_of_cohort_charged_pct"] == pytest.approx(during * 100 / cohort)
    assert found[date(2023, 1, 1)]["share_of_cohort_charged_pct"] == pytest.approx(27 / 105 * 100)


def test_the_london_comparison_recomputes_each_share_and_leaves_harrows_empty(
    pipeline: PipelineRun,
) -> None:
    found = {
        row["area"]: row
        for row in rows(
            pipeline, "select * from kpi_iom_cohort where period_start = ?", [date(2023, 1, 1)]
        )
    }
    assert set(found) == set(COMPARISON_2022_23_Q4)
    for area, counts in COMPARISON_2022_23_Q4.items():
        row = found[area]
        assert (
            row["offenders_in_cohort"],
            row["offenders_charged"],
            row["offenders_charged_during_cohort"],
            row["charged_offences"],
        ) == counts
    # The printed "reoffending rates" were 27.2, 24, 29.7 and 22.
    assert round(found["London"]["share_of_cohort_charged_pct"], 1) == 27.1
    assert round(found["Barnet"]["share_of_cohort_charged_pct"], 1) == 25.7
    assert round(found["Brent"]["share_of_cohort_charged_pct"], 1) == 29.7
    assert found["Harrow"]["share_of_cohort_charged_pct"] is None
    assert found["London"]["area_code"] == LONDON
    printed = {
        row["area"]: (row["reported_rate_pct"], row["reported_rate_differs"])
        for row in rows(
            pipeline, "select * from rpt_iom_comparison where borough_code = 'E09000003'"
        )
    }
    assert printed == {
        "London": (27.2, True),
        "Barnet": (24.0, True),
        "Brent": (29.7, False),
        "Harrow": (22.0, True),
    }


def test_the_cohorts_breakdowns_are_the_april_2023_reports_and_sum_to_the_cohort(
    pipeline: PipelineRun,
) -> None:
    found = rows(
        pipeline,
        "select period_start, category, offender_count, offenders_in_cohort "
        "from fct_iom_cohort_breakdown where area = 'Barnet' order by period_start, sort_order",
    )
    by_quarter: dict[date, dict[str, int]] = {}
    for row in found:
        by_quarter.setdefault(row["period_start"], {})[row["category"]] = row["offender_count"]
    assert by_quarter == {
        date(2021, 4, 1): {"statutory": 82, "non_statutory": 15},
        date(2023, 1, 1): {
            "red": 39, "amber": 23, "green": 9, "blue": 34, "statutory": 88, "non_statutory": 17,
            # §5.1.18: ethnicity, gender and age, as printed.
            "asian": 16, "black": 33, "other": 3, "white": 53,
            "male": 101, "female": 4,
            "aged_17_and_a_half": 3, "aged_18_24": 27, "aged_25_34": 30, "aged_35_44": 32,
            "aged_45_plus": 13,
        },
    }  # fmt: skip
    assert 39 + 23 + 9 + 34 == 88 + 17 == 16 + 33 + 3 + 53 == 101 + 4 == 3 + 27 + 30 + 32 + 13


def test_the_profile_is_published_in_the_reports_order_with_each_share_of_105(
    pipeline: PipelineRun,
) -> None:
    found = rows(
        pipeline,
        "select breakdown, category_label, offender_count, offenders_in_cohort, "
        "share_of_cohort_pct, period_label from fct_iom_cohort_breakdown "
        "where area = 'Barnet' and breakdown in ('ethnicity', 'gender', 'age') order by sort_order",
    )
    printed = [
        ("ethnicity", "Asian", 16), ("ethnicity", "Black", 33), ("ethnicity", "Other", 3),
        ("ethnicity", "White", 53), ("gender", "Male", 101), ("gender", "Female", 4),
        ("age", "17½", 3), ("age", "18-24", 27), ("age", "25-34", 30), ("age", "35-44", 32),
        ("age", "45 and over", 13),
    ]  # fmt: skip
    assert [(r["breakdown"], r["category_label"], r["offender_count"]) for r in found] == printed
    assert {(r["offenders_in_cohort"], r["period_label"]) for r in found} == {(105, "2022/23 Q4")}
    for row, (_, _, count) in zip(found, printed, strict=True):
        assert row["share_of_cohort_pct"] == pytest.approx(count * 100 / 105)


def test_the_cost_of_crime_is_the_july_2021_packs_table_by_phase(pipeline: PipelineRun) -> None:
    found = rows(
        pipeline,
        "select * from kpi_iom_cost_of_crime where area_code = 'E09000003' order by sort_order",
    )
    # "IOM Cost of Crime Savings": 279 offenders; before, during and after the cohort.
    assert [(r["phase"], r["offenders"], r["offences"], r["cost_of_crime_gbp"]) for r in found] == [
        ("before", 279, 2158, 6809153),
        ("during", 279, 3071, 10662180),
        ("after", 279, 561, 1829150),
    ]
    assert {(r["period_start"], r["period_label"]) for r in found} == {
        (date(2021, 4, 1), "2021/22 Q1")
    }
    assert [round(r["cost_per_offence_gbp"], 2) for r in found] == [3155.31, 3471.89, 3260.52]


# --- The contracts, and every row's lineage ---------------------------------------------------


@pytest.mark.parametrize("table", list(CONTRACTS))
def test_each_mopac_mart_has_exactly_its_contracts_columns_and_every_row_its_file_and_period(
    pipeline: PipelineRun, table: str
) -> None:
    with published(pipeline.published_db) as con:
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns where table_name = ? "
                "order by ordinal_position",
                [table],
            ).fetchall()
        ]
        missing = con.execute(
            f"select count(*) from {table} where source_file is null or period_label is null"
        ).fetchone()
        count = con.execute(f"select count(*) from {table}").fetchone()
    assert columns == CONTRACTS[table]
    assert missing == (0,) and count[0] > 0


def test_the_mopac_gates_passed_in_the_session_run_but_the_freshness_warnings(
    pipeline: PipelineRun,
) -> None:
    evaluations = [
        e
        for e in pipeline.result.get_asset_check_evaluations()
        if e.asset_key.to_user_string().startswith("raw/mopac_")
    ]
    names = {(e.asset_key.to_user_string(), e.check_name) for e in evaluations}
    assert {
        ("raw/mopac_pas", "rank_consistent"),
        ("raw/mopac_pas", "repeated_quarter"),
        ("raw/mopac_uss", "baselines_are_london"),
        ("raw/mopac_iom", "charged_within_cohort"),
        ("raw/mopac_iom", "breakdowns_sum_to_cohort"),
    } <= names
    failed = {
        (e.asset_key.to_user_string(), e.check_name, e.severity)
        for e in evaluations
        if not e.passed
    }
    assert failed == {
        (f"raw/{key}", "fresh", dg.AssetCheckSeverity.WARN)
        for key in ("mopac_pas", "mopac_uss", "mopac_iom")
    }


# --- The pack ---------------------------------------------------------------------------------


def section_text(page: str, key: str) -> str:
    start = page.index(f'<section id="{key}"')
    fragment = page[start : page.index("</section>", start)]
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def test_the_pack_shows_each_mopac_section_with_its_quarter_source_and_figures(
    pipeline: PipelineRun,
) -> None:
    page = (pipeline.warehouse_dir / "published" / PACK).read_text(encoding="utf-8")
    confidence = section_text(page, "public_confidence")
    assert "Source: MOPAC Public Attitude Survey (public confidence), release Sep-25." in confidence
    assert "Survey quarter Jun-22 (Apr-Jun 2022)" in confidence
    assert "Police do a good job in the local area 49% 49% 0 13/32" in confidence
    satisfaction = section_text(page, "victim_satisfaction")
    assert (
        "release 2022/23 Q4" in satisfaction and "Quarter 2022/23 Q4 (Jan-Mar 2023)" in satisfaction
    )
    assert "North West BCU 65% n/a +1" in satisfaction and "London 66% +3 +2" in satisfaction
    trend = section_text(page, "iom_trend")
    assert "2019/20 Q4 Jan-Mar 2020 88 23 23 26.1% 84" in trend
    comparison = section_text(page, "iom_comparison")
    assert "Harrow * 73 17 n/a 68 n/a 22%" in comparison
    assert "London 2,192 654 593 2,339 27.1% 27.2%" in comparison
    profile = section_text(page, "iom_profile")
    assert "2022/23 Q4 (Jan-Mar 2023): 105 offenders" in profile
    assert "Asian 16 15.2% Black 33 31.4% Other 3 2.9% White 53 50.5%" in profile
    assert "Male 101 96.2% Female 4 3.8%" in profile
    assert "17½ 3 2.9% 18-24 27 25.7% 25-34 30 28.6% 35-44 32 30.5% 45 and over 13 12.4%" in profile
    cost = section_text(page, "iom_cost_of_crime")
    assert "The 279 offenders" in cost and "2021/22 Q1 (Apr-Jun 2021)" in cost
    assert "12 months before selection to the cohort 2,158 £6,809,153 £3,155" in cost
    assert "While on the cohort 3,071 £10,662,180 £3,472" in cost
    assert "After leaving the cohort 561 £1,829,150 £3,261" in cost
