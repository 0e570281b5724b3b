"""Per-source write-audit-publish, through Dagster: a source whose new file is refused, or whose
dbt tests fail, keeps its last good published tables and is marked stale, while every other
source still publishes; a check across sources blocks only the pack.

Two refreshes, the first in a copy of the session's state (`tests.conftest.scenario`), the
second in a copy of the first's, each with several faults in sources that do not touch one
another, so one run answers many questions:

- first: a newer Met recorded crime release with a negative count (refused), the IOM table as
  the April 2023 report printed it (refused), a test-source count past its mart's sanity bound
  (passes the gate, fails a dbt test), the Lambeth copy of the PAS series landed after the 2025
  release (loads with a warning, changes nothing), and a month of domestic abuse incidents
  with a negative count (refused);
- second, with the first's bad files taken away (their sources publish again, every refusal
  withdrawn): a newer dashboard release with a negative count, a MARAC return with more repeats
  than referrals, Solace's 2022/23 Q4 return re-sent, an ASB calls file naming an unknown
  borough, and a test-source count its mart cannot build (a model error, not a failed test).

A check across sources that fails is shown on the pack step alone, against a published copy
whose test-source count exceeds the borough's recorded crime.
"""

from __future__ import annotations

import csv
import hashlib
import html as html_lib
import io
import json
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from orchestration.lib.duck import published
from tests.conftest import FIXTURES, PipelineRun, scenario
from tests.support.mopac_reference import london_series

# On the worker that runs the session's refresh (tests/conftest.py), with every test that reads it.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("session")]

SLICE = FIXTURES / "mps" / "mps_2019_historical_201004-202201_slice.csv"
PACK = Path("packs") / "2021-05" / "board_pack_barnet_2021-05.html"
DASHBOARD_TABLES = (
    "fct_crime_dashboard_monthly",
    "kpi_flagged_crime_overview",
    "kpi_hate_crime_periods",
)
CRIME_SECTIONS = {"overview", "exceptions", "trend", "rates", "revisions"}
DASHBOARD_SECTIONS = {"knife_gun", "domestic_abuse", "hate_crime"}
IOM_SECTIONS = {"iom_trend", "iom_profile", "iom_comparison", "iom_cost_of_crime"}
KNIFE = "M1045_MonthlyCrimeDashboard_KnifeCrimeData_202203-202602_refresh2026-03.csv"
BAD_CRIME = "MPS_bad_negative_count.csv"
LAMBETH_COPY = FIXTURES / "mopac" / "public-perception-data_MPS_Dec-14_to_Sep-22_LambethCopy.csv"
SERIES_2025 = "public-perception-data_MPS_Dec-14_to_Sep-25.csv"
IOM_SAMPLE = "iom_london_comparison_2022-23_Q4.csv"
IOM_AS_PRINTED = "iom_london_comparison_2022-23_Q4_as_printed.csv"
SEP_22 = date(2022, 9, 30)
BAD_INCIDENTS = "da_incidents_2023-03.csv"
# Past fct_test_quarterly_counts' sanity bound (50,000): passes the gate, fails a dbt test.
TOO_LARGE = "quarterly_counts_2021Q2.csv"
# Larger than Barnet's recorded crime in the quarter (about 8,000), within the sanity bound.
ACROSS_SOURCES = "quarterly_counts_2021Q2_beyond_crime.csv"
# A count the test source's mart fails to build on (tests/support/quarterly_source).
CANNOT_BUILD = "quarterly_counts_2021Q2_cannot_build.csv"
ASB_BAD = "asb_calls_2021-06.csv"


# --- helpers -------------------------------------------------------------------------------------


def shifted(text: str, months_later: int = 26) -> str:
    """The slice relabelled 26 months later (2023-10 to 2024-03): a release newer than any in
    the session's raw/, so refusing it leaves the published crime figures stale."""
    header, rest = text.split("\r\n", 1)
    columns = header.split(",")
    months = []
    for column in columns[3:]:
        index = int(column[:4]) * 12 + int(column[4:]) - 1 + months_later
        months.append(f"{index // 12:04d}{index % 12 + 1:02d}")
    return ",".join(columns[:3] + months) + "\r\n" + rest


def table_fingerprint(database: Path, table: str, where: str = "true") -> tuple[int, int]:
    """(rows, an order-free hash of every row), read with DuckDB directly."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(
            f"select count(*), sum(hash(t)) from {table} as t where {where}"
        ).fetchone()
    finally:
        con.close()


def manifest(run: PipelineRun) -> dict[str, Any]:
    return json.loads(run.manifest.read_text())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def evaluations(result: Any) -> dict[tuple[str, str], Any]:
    return {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }


def stale_marks(html: str) -> dict[str, bool]:
    """Section key -> whether its provenance line carries the stale mark (the sections that
    show a source; the sources section at the end lists every stale source)."""
    marks = {}
    for key, body in re.findall(r'<section id="(\w+)"(.*?)</section>', html, re.S):
        if key == "sources":
            continue
        provenance = re.search(r'<p class="provenance( stale)?">', body)
        if provenance:
            marks[key] = bool(provenance.group(1))
    return marks


def provenance(page: str, key: str) -> str:
    """The provenance line under a section's heading, as text."""
    start = page.index(f'<section id="{key}"')
    fragment = page[start : page.index("</section>", start)]
    line = re.search(r'<p class="provenance[^"]*">(.*?)</p>', fragment, re.DOTALL)
    assert line, key
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", line.group(1))).split())


def pack(run: PipelineRun) -> str:
    return (run.warehouse_dir / "published" / PACK).read_text(encoding="utf-8")


def run_tags(run: PipelineRun) -> dict[str, str]:
    with dg.DagsterInstance.get() as instance:
        return instance.get_run_by_id(run.result.run_id).tags


def london_sep_22(database: Path) -> dict[str, tuple[float, str]]:
    """London's Sep-22 public confidence figures as published: measure -> (percent, file)."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        found = con.execute(
            "select measure_label, percent, source_file from kpi_public_confidence "
            "where area_code = 'E23000001' and period_end = ?",
            [SEP_22],
        ).fetchall()
    finally:
        con.close()
    return {label: (percent, file) for label, percent, file in found}


def _return(provider: str, quarter: str, sent: date, figures: dict, ytd: dict) -> bytes:
    """A provider's return made with its template, as the provider would fill it in."""
    from orchestration.lib.periods import FinancialQuarter
    from orchestration.sources.partner_returns.catalogue import load_catalogue
    from orchestration.sources.partner_returns.template import filled_bytes, filled_workbook

    chosen = load_catalogue().provider(provider)
    period = FinancialQuarter.parse(quarter)
    workbook = filled_workbook(chosen, period, sent, figures, ytd)
    return filled_bytes(workbook, chosen, period)


def _iom_as_printed(folder: Path) -> tuple[str, int]:
    """The correct IOM return with Harrow's charged-during-cohort as the report printed it (73,
    more than the 17 charged), and the line Harrow is on."""
    records = list(csv.reader(io.StringIO((folder / IOM_SAMPLE).read_text(encoding="utf-8"))))
    header = records[0]
    harrow = next(r for r in records if r[1] == "Harrow")
    harrow[header.index("offenders_charged_during_cohort")] = "73"
    harrow[header.index("note")] = ""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(records)
    return buffer.getvalue(), records.index(harrow) + 1


# --- the first refresh: crime, IOM, a failing dbt test, the Lambeth copy, DA incidents ---------


@pytest.fixture(scope="module")
def first(
    pipeline: PipelineRun, extended_dbt_project: Any, tmp_path_factory: pytest.TempPathFactory
) -> PipelineRun:
    def land(raw: Path) -> None:
        lines = shifted(SLICE.read_bytes().decode("utf-8")).split("\r\n")
        fields = lines[3].split(",")
        fields[-1] = "-3"  # row 4, the last month column (202403)
        lines[3] = ",".join(fields)
        (raw / "met" / "recorded_crime" / BAD_CRIME).write_text("\r\n".join(lines), newline="")
        text, _ = _iom_as_printed(raw / "mopac" / "iom")
        (raw / "mopac" / "iom" / IOM_AS_PRINTED).write_text(text, encoding="utf-8")
        (raw / "test" / "quarterly" / TOO_LARGE).write_text(
            "quarter,borough,count\n2021 Q2,Barnet,999999\n", encoding="utf-8"
        )
        shutil.copyfile(LAMBETH_COPY, raw / "mopac" / "pas" / LAMBETH_COPY.name)
        (raw / "met" / "da_incidents" / BAD_INCIDENTS).write_text(
            "month,borough,da_incidents\n2023-03,Barnet,-4\n", encoding="utf-8"
        )

    return scenario(pipeline, extended_dbt_project, tmp_path_factory.mktemp("first"), land)


def test_the_first_refresh_succeeds_though_files_were_refused(first: PipelineRun) -> None:
    assert first.result.success


def test_a_refused_crime_file_leaves_the_crime_tables_as_they_were(
    pipeline: PipelineRun, first: PipelineRun
) -> None:
    contract = evaluations(first.result)[("raw/met_recorded_crime", "contract")]
    assert not contract.passed and contract.severity == dg.AssetCheckSeverity.ERROR
    assert f"{BAD_CRIME}: row 4, column '202403'" in contract.description
    assert "counts must be whole numbers >= 0" in contract.description
    for table in ("kpi_crime_overview", "fct_recorded_crime_monthly"):
        assert table_fingerprint(first.published_db, table) == table_fingerprint(
            pipeline.published_db, table
        ), table
    crime = manifest(first)["sources"]["met_recorded_crime"]
    assert crime["stale"] and crime["release"] == "2024-01"
    assert crime["reason"].startswith("figures from release 2024-01; the 2024-03 file")
    assert BAD_CRIME in crime["reason"] and "check contract" in crime["reason"]
    # A run tag says which source refused a file, for the runs list.
    assert run_tags(first).get("scp/refused-met_recorded_crime") == "1"


def test_the_iom_table_as_printed_is_refused_naming_the_file_the_row_and_the_rule(
    pipeline: PipelineRun, first: PipelineRun
) -> None:
    _, harrow_row = _iom_as_printed(pipeline.raw_dir / "mopac" / "iom")
    check = evaluations(first.result)[("raw/mopac_iom", "charged_within_cohort")]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert f"{IOM_AS_PRINTED}: row {harrow_row}: " in check.description
    assert (
        "offenders_charged_during_cohort <= offenders_charged <= offenders_in_cohort"
        in check.description
    )
    assert "'Harrow'" in check.description
    assert "offenders_charged_during_cohort 73" in check.description
    # The correct return's areas are still what is published, Harrow's figure empty.
    assert table_fingerprint(first.published_db, "kpi_iom_cohort") == table_fingerprint(
        pipeline.published_db, "kpi_iom_cohort"
    )
    assert first.records(
        "select offenders_charged, offenders_charged_during_cohort, source_file "
        "from kpi_iom_cohort where area = 'Harrow'"
    ) == [
        {
            "offenders_charged": 17,
            "offenders_charged_during_cohort": None,
            "source_file": IOM_SAMPLE,
        }
    ]
    iom = manifest(first)["sources"]["mopac_iom"]
    assert iom["status"] == "published" and iom["stale"]
    assert (
        f"the 2022/23 Q4 file {IOM_AS_PRINTED} failed check charged_within_cohort"
        in (iom["reason"])
    )
    assert run_tags(first).get("scp/refused-mopac_iom") == "1"


def test_a_failing_dbt_test_keeps_that_sources_last_good_tables_and_says_which_test(
    pipeline: PipelineRun, first: PipelineRun
) -> None:
    """The count passes the landing gate (a whole number, a known borough) but fails the
    mart's sanity bound, so the source keeps the tables it published before."""
    failed = [
        e
        for e in first.result.get_asset_check_evaluations()
        if not e.passed and e.asset_key == dg.AssetKey(["marts", "fct_test_quarterly_counts"])
    ]
    assert [e.check_name for e in failed] == [
        "expression_is_true_fct_test_quarterly_counts_incident_count__between_0_and_50000"
    ]
    # Held back, it shows as an error in the UI, though dbt lets the rest of the build go on.
    assert failed[0].severity == dg.AssetCheckSeverity.ERROR
    assert table_fingerprint(first.published_db, "fct_test_quarterly_counts") == (
        table_fingerprint(pipeline.published_db, "fct_test_quarterly_counts")
    )
    quarterly = manifest(first)["sources"]["test_quarterly"]
    assert quarterly["status"] == "kept" and quarterly["stale"]
    assert (
        quarterly["published_at"] == manifest(pipeline)["sources"]["test_quarterly"]["published_at"]
    )
    assert "expression_is_true_fct_test_quarterly_counts_incident_count" in quarterly["reason"]


def test_the_lambeth_copy_landed_after_the_2025_release_leaves_sep_22_as_the_newer_release_has_it(
    pipeline: PipelineRun, first: PipelineRun
) -> None:
    """The copy (release Sep-22) repeats Dec-14's figures as Sep-22's; the 2025 release (Sep-25)
    holds the true ones. Landed later, the copy loads, is flagged, and changes nothing."""
    series = london_series(pipeline.raw_dir / "mopac" / "pas" / SERIES_2025)
    expected = {
        label: (percent, SERIES_2025) for (end, label), percent in series.items() if end == SEP_22
    }
    assert sorted(p for p, _ in expected.values()) == [50, 58, 60, 61, 62]
    assert london_sep_22(pipeline.published_db) == expected
    assert london_sep_22(first.published_db) == expected
    checks = evaluations(first.result)
    assert checks[("raw/mopac_pas", "contract")].passed
    repeated = checks[("raw/mopac_pas", "repeated_quarter")]
    assert not repeated.passed and repeated.severity == dg.AssetCheckSeverity.WARN
    assert repeated.description.startswith(f"{LAMBETH_COPY.name}: row 217: ")
    assert "quarter 'Sep-22'" in repeated.description
    assert "equals_quarter 'Dec-14'" in repeated.description
    pas = manifest(first)["sources"]["mopac_pas"]
    assert (pas["status"], pas["stale"], pas["release"]) == ("published", False, "Sep-25")
    assert LAMBETH_COPY.name in {f["file"] for f in pas["files"]}


def test_refused_incidents_hold_back_the_table_beside_the_offences_not_the_offences(
    first: PipelineRun,
) -> None:
    sources = manifest(first)["sources"]
    assert sources["met_da_incidents"]["stale"]
    assert BAD_INCIDENTS in sources["met_da_incidents"]["reason"]
    assert sources["domestic_abuse"]["stale"]
    assert "met_da_incidents is stale" in sources["domestic_abuse"]["reason"]
    assert (sources["met_crime_dashboard"]["status"], sources["met_crime_dashboard"]["stale"]) == (
        "published",
        False,
    )


def test_the_sources_with_no_fault_publish_from_this_run(
    pipeline: PipelineRun, first: PipelineRun
) -> None:
    sources = manifest(first)["sources"]
    faulty = {"met_recorded_crime", "mopac_iom", "test_quarterly", "met_da_incidents"}
    combined = {"domestic_abuse", "reconciliation"}
    for key, entry in sources.items():
        if key in faulty | combined:
            continue
        assert (entry["status"], entry["stale"]) == ("published", False), key
        assert entry["published_at"] == manifest(first)["published_at"], key
        assert entry["published_at"] > manifest(pipeline)["published_at"], key


def test_the_pack_marks_exactly_the_faulty_sources_sections_stale(first: PipelineRun) -> None:
    page = pack(first)
    marks = stale_marks(page)
    assert {key for key, stale in marks.items() if stale} == (
        CRIME_SECTIONS | IOM_SECTIONS | {"da_incidents", "reconciliation"}
    )
    assert DASHBOARD_SECTIONS | {"public_confidence", "victim_satisfaction"} <= marks.keys()
    assert BAD_CRIME in page
    for key in IOM_SECTIONS:
        line = provenance(page, key)
        assert line.startswith("Stale: figures from release 2022/23 Q4;"), line
        assert IOM_AS_PRINTED in line and "charged_within_cohort" in line


# --- the second refresh: the dashboard, a MARAC return, a re-sent Solace return, a bad borough ---


@pytest.fixture(scope="module")
def second(
    first: PipelineRun, extended_dbt_project: Any, tmp_path_factory: pytest.TempPathFactory
) -> PipelineRun:
    def land(raw: Path) -> None:
        for folder, name in (
            ("met/recorded_crime", BAD_CRIME),
            ("mopac/iom", IOM_AS_PRINTED),
            ("test/quarterly", TOO_LARGE),
            ("mopac/pas", LAMBETH_COPY.name),
            ("met/da_incidents", BAD_INCIDENTS),
        ):
            (raw / folder / name).unlink()
        dashboard = raw / "met" / "crime_dashboard"
        lines = (dashboard / KNIFE).read_text(encoding="utf-8")
        lines = lines.replace(",2026-03-18", ",2026-04-20").split("\n")
        fields = lines[5].split(",")
        fields[10] = "-1"  # row 6, Count
        lines[5] = ",".join(fields)
        (dashboard / "knife_refresh2026-04.csv").write_text("\n".join(lines), encoding="utf-8")
        bad = _return(
            "marac",
            "2023-24-Q1",
            date(2023, 7, 14),
            {"referrals": 30, "children_in_household": 20, "families_with_children": 12,
             "repeat_referrals": 35},
            {},
        )  # fmt: skip
        (raw / "providers" / "marac" / "marac_2023-24-Q1.xlsx").write_bytes(bad)
        resent = _return(
            "solace",
            "2022-23-Q4",
            date(2023, 4, 20),
            {"referrals": 380} | dict.fromkeys(
                ("new_service_users", "dash_risk_assessments", "high_risk_idva_cases",
                 "referred_to_adult_safeguarding", "left_service"), "n/a"),
            {"referrals": 1257},
        )  # fmt: skip
        (raw / "providers" / "solace" / "solace_2022-23-Q4_resent.xlsx").write_bytes(resent)
        (raw / "met" / "asb_calls" / ASB_BAD).write_text(
            "month,borough,asb_calls,repeat_asb_calls\n2021-06,Barnett,6800,40\n",
            encoding="utf-8",
        )
        (raw / "test" / "quarterly" / CANNOT_BUILD).write_text(
            "quarter,borough,count\n2021 Q2,Barnet,31337\n", encoding="utf-8"
        )

    return scenario(first, extended_dbt_project, tmp_path_factory.mktemp("second"), land)


def test_a_refused_dashboard_file_leaves_its_tables_and_the_table_beside_them_as_they_were(
    pipeline: PipelineRun, second: PipelineRun
) -> None:
    """A newer dashboard release (refreshed 2026-04-20) with a negative count is refused: the
    dashboard's published tables stay as they were and its pack sections are marked stale (the
    domestic abuse incidents' too, for the offences beside them), while Met recorded crime
    publishes as usual."""
    assert second.result.success
    contract = evaluations(second.result)[("raw/met_crime_dashboard", "contract")]
    assert not contract.passed
    assert "knife_refresh2026-04.csv: row 6, column 'Count'" in contract.description
    for table in DASHBOARD_TABLES:
        assert table_fingerprint(second.published_db, table) == table_fingerprint(
            pipeline.published_db, table
        ), table
    sources = manifest(second)["sources"]
    dashboard, crime = sources["met_crime_dashboard"], sources["met_recorded_crime"]
    assert dashboard["stale"] and dashboard["release"] == "2026-03-18"
    assert dashboard["reason"].startswith(
        "figures from release 2026-03-18; the 2026-04-20 file knife_refresh2026-04.csv failed "
        "check contract"
    )
    assert crime["status"] == "published" and not crime["stale"]
    assert (
        crime["published_at"] > manifest(pipeline)["sources"]["met_recorded_crime"]["published_at"]
    )
    assert sources["domestic_abuse"]["stale"] and not sources["met_da_incidents"]["stale"]
    assert run_tags(second).get("scp/refused-met_crime_dashboard") == "1"


def test_a_refused_return_holds_back_only_its_provider_and_a_later_return_replaces_the_earlier(
    pipeline: PipelineRun, second: PipelineRun
) -> None:
    """A MARAC return with more repeat referrals than referrals is refused naming the cell: the
    MARAC's tables stay as they were and its pack section is marked stale, while the other
    providers publish. Solace's re-sent 2022/23 Q4 return (a later "submitted on") wins, and the
    earlier file stays in the raw table and the ledger."""
    contract = evaluations(second.result)[("raw/partner_marac", "contract")]
    assert not contract.passed and contract.severity == dg.AssetCheckSeverity.ERROR
    assert (
        "marac_2023-24-Q1.xlsx: Return!C9: repeat_referrals = 35 exceeds referrals = 30 (rule "
        "repeat_referrals <= referrals)"
    ) in contract.description
    for table in ("fct_partner_measure_quarterly", "kpi_partner_measures", "rpt_partner_measures"):
        marac = "provider = 'marac'"
        assert table_fingerprint(second.published_db, table, marac) == table_fingerprint(
            pipeline.published_db, table, marac
        ), table
    sources = manifest(second)["sources"]
    marac = sources["partner_marac"]
    assert marac["stale"] and marac["status"] == "published"
    assert marac["reason"].startswith(
        "figures from release 2022/23 Q4 (submitted 2023-04-14); the 2023/24 Q1 (submitted "
        "2023-07-14) file marac_2023-24-Q1.xlsx failed check contract (Return!C9: "
        "repeat_referrals = 35 exceeds referrals = 30"
    )
    for key in ("met_recorded_crime", "partner_solace", "partner_rise", "met_ward_crime"):
        assert (sources[key]["status"], sources[key]["stale"]) == ("published", False), key
    assert sources["partnership"]["stale"]
    assert "partner_marac is stale" in sources["partnership"]["reason"]
    with published(second.published_db) as con:
        solace = con.execute(
            "select value, ytd_value, source_file from kpi_partner_measures where provider = "
            "'solace' and measure = 'referrals' and financial_year = '2022/23' and quarter = 4"
        ).fetchone()
    assert solace == (380, 1257, "solace_2022-23-Q4_resent.xlsx")
    assert sources["partner_solace"]["release"] == "2022/23 Q4 (submitted 2023-04-20)"
    con = duckdb.connect(str(second.warehouse), read_only=True)
    try:
        kept = con.execute(
            "select distinct source_file from raw.partner_solace where fiscal_quarter = 4 "
            "and financial_year = '2022/23' order by 1"
        ).fetchall()
        ledger = con.execute(
            "select source_file, status from audit.landing_files where source = "
            "'partner_solace' and source_file like 'solace_2022-23-Q4%' order by 1"
        ).fetchall()
    finally:
        con.close()
    assert kept == [("solace_2022-23-Q4.xlsx",), ("solace_2022-23-Q4_resent.xlsx",)]
    assert ledger == [
        ("solace_2022-23-Q4.xlsx", "accepted"),
        ("solace_2022-23-Q4_resent.xlsx", "accepted"),
    ]


def test_a_refused_asb_file_names_the_borough_and_leaves_the_asb_figures_stale(
    pipeline: PipelineRun, second: PipelineRun
) -> None:
    check = evaluations(second.result)[("raw/met_asb_calls", "known_boroughs")]
    assert not check.passed
    assert f"{ASB_BAD}: row 2" in check.description
    assert "'Barnett'" in check.description
    assert table_fingerprint(second.published_db, "kpi_asb_calls") == table_fingerprint(
        pipeline.published_db, "kpi_asb_calls"
    )
    asb = manifest(second)["sources"]["met_asb_calls"]
    assert asb["stale"]
    assert f"the 2021-06 file {ASB_BAD} failed check known_boroughs" in asb["reason"]


def test_a_model_that_fails_to_build_holds_back_only_what_is_built_on_it(
    pipeline: PipelineRun, second: PipelineRun
) -> None:
    """The mart errors (dbt's status `error`, not a failed test): its unit keeps its last good
    tables and says which model, and the build's other units publish, in the same run."""
    result = second.result
    assert not [e for e in result.all_events if e.is_step_failure]
    with duckdb.connect(str(second.warehouse), read_only=True) as con:
        errors = con.execute(
            "select name, unit from audit.dbt_results where status = 'error' order by all"
        ).fetchall()
    assert errors == [("fct_test_quarterly_counts", "test_quarterly")]
    assert table_fingerprint(second.published_db, "fct_test_quarterly_counts") == (
        table_fingerprint(pipeline.published_db, "fct_test_quarterly_counts")
    )
    sources = manifest(second)["sources"]
    quarterly = sources["test_quarterly"]
    assert (quarterly["status"], quarterly["stale"]) == ("kept", True)
    assert "dbt model fct_test_quarterly_counts error" in quarterly["reason"]
    assert "a model that cannot build" in quarterly["reason"]
    assert (sources["met_recorded_crime"]["status"], sources["met_recorded_crime"]["stale"]) == (
        "published",
        False,
    )
    # The pack was still built, from the tables that published.
    assert result.asset_materializations_for_node("published__board_pack")


def test_the_second_pack_marks_the_dashboard_and_the_marac_stale_in_words(
    second: PipelineRun,
) -> None:
    page = pack(second)
    marks = stale_marks(page)
    assert {key for key, stale in marks.items() if stale} == (
        DASHBOARD_SECTIONS
        | {"da_incidents", "partner_marac", "marac_benchmark", "asb_calls", "reconciliation"}
    )
    assert CRIME_SECTIONS <= marks.keys() and "partner_solace" in marks
    for key in ("partner_marac", "marac_benchmark"):
        start = page.index(f'<section id="{key}"')
        section = page[start : page.index("</section>", start)]
        assert "marac_2023-24-Q1.xlsx" in section and "Return!C9" in section


# --- the second refresh, for the first's sources: their bad files gone -------------------------


def test_with_the_bad_files_gone_their_sources_publish_again_and_the_refusals_are_withdrawn(
    second: PipelineRun,
) -> None:
    sources = manifest(second)["sources"]
    for key in ("met_recorded_crime", "mopac_iom", "mopac_pas", "met_da_incidents"):
        assert (sources[key]["status"], sources[key]["stale"]) == ("published", False), key
    assert LAMBETH_COPY.name not in {f["file"] for f in sources["mopac_pas"]["files"]}
    con = duckdb.connect(str(second.warehouse), read_only=True)
    try:
        statuses = dict(
            con.execute(
                "select source_file, status from audit.landing_files where source_file in "
                "(?, ?, ?, ?, ?)",
                [BAD_CRIME, IOM_AS_PRINTED, TOO_LARGE, LAMBETH_COPY.name, BAD_INCIDENTS],
            ).fetchall()
        )
    finally:
        con.close()
    # The refused files were withdrawn; those accepted (the copy; the count the dbt test
    # failed, which the gate let through) were removed with their rows.
    assert statuses == {
        BAD_CRIME: "withdrawn",
        IOM_AS_PRINTED: "withdrawn",
        BAD_INCIDENTS: "withdrawn",
        LAMBETH_COPY.name: "removed",
        TOO_LARGE: "removed",
    }


# --- a check across sources -----------------------------------------------------------------


def test_a_check_across_sources_blocks_only_the_pack(pipeline: PipelineRun, tmp_path: Path) -> None:
    """A quarterly count larger than the borough's recorded crime in the quarter (within its
    own gate's and tests' bounds, so published) fails the check across the two sources: the
    pack step fails saying so, and the previous pack stays."""
    published_dir = tmp_path / "warehouse" / "published"
    shutil.copytree(pipeline.warehouse_dir / "published", published_dir)
    with duckdb.connect(str(published_dir / "marts.duckdb")) as con:
        con.execute(
            "insert into fct_test_quarterly_counts values "
            "('E09000003', 'Barnet', date '2021-04-01', 20000, '2021 Q2')"
        )
    pack_path = published_dir / PACK
    pack_before = digest(pack_path)
    board_pack = pipeline.definitions.get_assets_def(dg.AssetKey(["published", "board_pack"]))
    settings = pipeline.definitions.resources["pipeline"].settings
    from orchestration.lib.config import Settings
    from orchestration.lib.resources import PipelineSettings

    moved = Settings(
        raw_dir=settings.raw_dir,
        warehouse_dir=tmp_path / "warehouse",
        borough=settings.borough,
        dagster_home=settings.dagster_home,
    )
    result = dg.materialize(
        [board_pack],
        partition_key="2021-05",
        resources={"pipeline": PipelineSettings.from_settings(moved)},
        raise_on_error=False,
    )
    assert not result.success
    failures = {e.step_key: e for e in result.all_events if e.is_step_failure}
    assert list(failures) == ["published__board_pack"]
    description = failures["published__board_pack"].step_failure_data.user_failure_data.description
    assert "check across sources failed" in description
    check = evaluations(result)[("published/board_pack", "quarterly_counts_within_recorded_crime")]
    assert not check.passed
    # The failing row is named by its index columns: the borough and the quarter.
    failures_md = check.metadata["failures"].value
    assert "borough_name=Barnet, quarter_start=2021-04" in failures_md
    assert digest(pack_path) == pack_before
