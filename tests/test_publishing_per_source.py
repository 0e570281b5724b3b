"""Per-source write-audit-publish, through Dagster on the session's pipeline: a source whose
new file is refused, or whose dbt tests fail, keeps its last good published tables and is
marked stale, while every other source still publishes; a check across sources blocks only
the pack.

Each test lands a bad file beside the session's samples, re-runs the refresh, and takes the
file away again; the last test shows that the next refresh publishes everything again. Met
recorded crime and the Met's crime dashboard fail and publish independently of each other. Two
are the MOPAC sources': an older PAS release landed after a newer one, and an IOM return with
the impossible figure the April 2023 report printed.
"""

from __future__ import annotations

import csv
import hashlib
import html as html_lib
import io
import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from orchestration.lib.duck import published
from tests.conftest import FIXTURES, PipelineRun, run_refresh
from tests.support.mopac_reference import london_series

pytestmark = pytest.mark.e2e

SLICE = FIXTURES / "mps" / "mps_2019_historical_201004-202201_slice.csv"
PACK = Path("packs") / "2021-05" / "board_pack_barnet_2021-05.html"


DASHBOARD_TABLES = (
    "fct_crime_dashboard_monthly",
    "kpi_flagged_crime_overview",
    "kpi_hate_crime_periods",
)
CRIME_SECTIONS = {"overview", "exceptions", "trend", "rates"}
DASHBOARD_SECTIONS = {"knife_gun", "domestic_abuse", "hate_crime"}
KNIFE = "M1045_MonthlyCrimeDashboard_KnifeCrimeData_202203-202602_refresh2026-03.csv"


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


def table_fingerprint(database: Path, table: str) -> tuple[int, int]:
    """(rows, an order-free hash of every row), read with DuckDB directly."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(f"select count(*), sum(hash(t)) from {table} as t").fetchone()
    finally:
        con.close()


def manifest(run: PipelineRun) -> dict[str, Any]:
    return json.loads(run.manifest.read_text())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def landed(run: PipelineRun, folder: str, name: str, text: str) -> Iterator[Path]:
    path = run.raw_dir / folder / name
    path.write_text(text, encoding="utf-8", newline="")
    try:
        yield path
    finally:
        path.unlink()


def evaluations(result: Any) -> dict[tuple[str, str], Any]:
    return {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }


def test_a_refused_crime_file_leaves_the_crime_tables_as_they_were_and_the_rest_publishes(
    pipeline: PipelineRun,
) -> None:
    lines = shifted(SLICE.read_bytes().decode("utf-8")).split("\r\n")
    fields = lines[3].split(",")
    fields[-1] = "-3"  # row 4, the last month column (202403)
    lines[3] = ",".join(fields)
    before = {
        t: table_fingerprint(pipeline.published_db, t)
        for t in ("kpi_crime_overview", "fct_recorded_crime_monthly")
    }
    with landed(pipeline, "met/recorded_crime", "MPS_bad_negative_count.csv", "\r\n".join(lines)):
        result = run_refresh(pipeline.definitions)
    assert result.success
    contract = evaluations(result)[("raw/met_recorded_crime", "contract")]
    assert not contract.passed and contract.severity == dg.AssetCheckSeverity.ERROR
    assert "MPS_bad_negative_count.csv: row 4, column '202403'" in contract.description
    assert "counts must be whole numbers >= 0" in contract.description
    after = {t: table_fingerprint(pipeline.published_db, t) for t in before}
    assert after == before
    sources = manifest(pipeline)["sources"]
    crime = sources["met_recorded_crime"]
    assert crime["stale"] and crime["release"] == "2024-01"
    assert crime["reason"].startswith("figures from release 2024-01; the 2024-03 file")
    assert "MPS_bad_negative_count.csv" in crime["reason"] and "check contract" in crime["reason"]
    for key in ("test_quarterly", "met_crime_dashboard"):
        assert sources[key]["status"] == "published" and not sources[key]["stale"], key
    # The pack was rebuilt, its crime sections marked stale, the dashboard's not.
    html = (pipeline.warehouse_dir / "published" / PACK).read_text(encoding="utf-8")
    assert "Stale" in html and "MPS_bad_negative_count.csv" in html
    marks = stale_marks(html)
    assert {key for key, stale in marks.items() if stale} == CRIME_SECTIONS
    assert DASHBOARD_SECTIONS <= marks.keys()
    # A run tag says which source refused a file, for the runs list.
    with dg.DagsterInstance.get() as instance:
        tags = instance.get_run_by_id(result.run_id).tags
    assert tags.get("scp/refused-met_recorded_crime") == "1"


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


def test_a_refused_dashboard_file_leaves_its_tables_as_they_were_and_recorded_crime_publishes(
    pipeline: PipelineRun,
) -> None:
    """A newer dashboard release (refreshed 2026-04-20) with a negative count is refused: the
    dashboard's published tables stay as they were and its pack sections are marked stale (the
    domestic abuse incidents' too, for the offences beside them), while Met recorded crime
    publishes as usual."""
    text = (pipeline.raw_dir / "met" / "crime_dashboard" / KNIFE).read_text(encoding="utf-8")
    lines = text.replace(",2026-03-18", ",2026-04-20").split("\n")
    fields = lines[5].split(",")
    fields[10] = "-1"  # row 6, Count
    lines[5] = ",".join(fields)
    before = {t: table_fingerprint(pipeline.published_db, t) for t in DASHBOARD_TABLES}
    crime_before = manifest(pipeline)["sources"]["met_recorded_crime"]["published_at"]
    with landed(pipeline, "met/crime_dashboard", "knife_refresh2026-04.csv", "\n".join(lines)):
        result = run_refresh(pipeline.definitions)
    assert result.success
    contract = evaluations(result)[("raw/met_crime_dashboard", "contract")]
    assert not contract.passed
    assert "knife_refresh2026-04.csv: row 6, column 'Count'" in contract.description
    assert {t: table_fingerprint(pipeline.published_db, t) for t in DASHBOARD_TABLES} == before
    sources = manifest(pipeline)["sources"]
    dashboard, crime = sources["met_crime_dashboard"], sources["met_recorded_crime"]
    assert dashboard["stale"] and dashboard["release"] == "2026-03-18"
    assert dashboard["reason"].startswith(
        "figures from release 2026-03-18; the 2026-04-20 file knife_refresh2026-04.csv failed "
        "check contract"
    )
    assert crime["status"] == "published" and not crime["stale"]
    assert crime["published_at"] > crime_before
    html = (pipeline.warehouse_dir / "published" / PACK).read_text(encoding="utf-8")
    marks = stale_marks(html)
    # The incidents' section sets them beside the dashboard's offences: stale with them.
    assert {key for key, stale in marks.items() if stale} == DASHBOARD_SECTIONS | {"da_incidents"}
    assert sources["domestic_abuse"]["stale"] and not sources["met_da_incidents"]["stale"]
    assert CRIME_SECTIONS <= marks.keys()
    with dg.DagsterInstance.get() as instance:
        tags = instance.get_run_by_id(result.run_id).tags
    assert tags.get("scp/refused-met_crime_dashboard") == "1"


def test_a_refused_quarterly_file_leaves_that_source_stale_and_the_crime_figures_publish(
    pipeline: PipelineRun,
) -> None:
    text = "quarter,borough,count\n2021 Q2,Barnet,40\n2021 Q2,Barnett,12\n"
    before = table_fingerprint(pipeline.published_db, "fct_test_quarterly_counts")
    with landed(pipeline, "test/quarterly", "quarterly_counts_2021Q2.csv", text):
        result = run_refresh(pipeline.definitions)
    assert result.success
    check = evaluations(result)[("raw/test_quarterly", "known_boroughs")]
    assert not check.passed
    assert "quarterly_counts_2021Q2.csv: row 3" in check.description
    assert "'Barnett'" in check.description
    assert table_fingerprint(pipeline.published_db, "fct_test_quarterly_counts") == before
    sources = manifest(pipeline)["sources"]
    assert sources["test_quarterly"]["stale"]
    assert (
        "the 2021 Q2 file quarterly_counts_2021Q2.csv failed check known_boroughs"
        in (sources["test_quarterly"]["reason"])
    )
    crime = sources["met_recorded_crime"]
    assert crime["status"] == "published" and not crime["stale"]
    assert crime["published_at"] == manifest(pipeline)["published_at"]


def test_a_failing_dbt_test_keeps_that_sources_last_good_tables_and_says_which_test(
    pipeline: PipelineRun,
) -> None:
    """A count past the mart's sanity bound passes the landing gate (a whole number, a known
    borough) but fails a dbt test, so the source keeps the tables it published before; Met
    recorded crime publishes."""
    text = "quarter,borough,count\n2021 Q2,Barnet,999999\n"
    before = table_fingerprint(pipeline.published_db, "fct_test_quarterly_counts")
    earlier = manifest(pipeline)["sources"]["test_quarterly"]["published_at"]
    with landed(pipeline, "test/quarterly", "quarterly_counts_2021Q2.csv", text):
        result = run_refresh(pipeline.definitions)
    assert result.success
    failed = [
        e
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.asset_key == dg.AssetKey(["marts", "fct_test_quarterly_counts"])
    ]
    assert [e.check_name for e in failed] == [
        "expression_is_true_fct_test_quarterly_counts_incident_count__between_0_and_50000"
    ]
    assert table_fingerprint(pipeline.published_db, "fct_test_quarterly_counts") == before
    sources = manifest(pipeline)["sources"]
    quarterly = sources["test_quarterly"]
    assert quarterly["status"] == "kept" and quarterly["stale"]
    assert quarterly["published_at"] == earlier
    assert "expression_is_true_fct_test_quarterly_counts_incident_count" in quarterly["reason"]
    assert sources["met_recorded_crime"]["status"] == "published"


def test_a_check_across_sources_blocks_only_the_pack(pipeline: PipelineRun) -> None:
    """A quarterly count larger than the borough's recorded crime in the quarter (about 8,000)
    passes its own gate and its dbt tests and publishes, but the pack is not rebuilt until the
    sources agree."""
    text = "quarter,borough,count\n2021 Q2,Barnet,20000\n"
    pack = pipeline.warehouse_dir / "published" / PACK
    pack_before = digest(pack)
    with landed(pipeline, "test/quarterly", "quarterly_counts_2021Q2.csv", text):
        result = run_refresh(pipeline.definitions)
    assert not result.success
    failures = {e.step_key: e for e in result.all_events if e.is_step_failure}
    assert list(failures) == ["published__board_pack"]
    description = failures["published__board_pack"].step_failure_data.user_failure_data.description
    assert "check across sources failed" in description
    check = evaluations(result)[("published/board_pack", "quarterly_counts_within_recorded_crime")]
    assert not check.passed
    assert digest(pack) == pack_before
    quarterly = manifest(pipeline)["sources"]["test_quarterly"]
    assert quarterly["status"] == "published" and quarterly["release"] == "2021 Q2"


LAMBETH_COPY = FIXTURES / "mopac" / "public-perception-data_MPS_Dec-14_to_Sep-22_LambethCopy.csv"
SERIES_2025 = "public-perception-data_MPS_Dec-14_to_Sep-25.csv"
IOM_SAMPLE = "iom_london_comparison_2022-23_Q4.csv"
IOM_AS_PRINTED = "iom_london_comparison_2022-23_Q4_as_printed.csv"
SEP_22 = date(2022, 9, 30)
MOPAC_SECTIONS = ("public_confidence", "victim_satisfaction", "iom_trend", "iom_comparison")


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


def provenance(page: str, key: str) -> str:
    """The provenance line under a section's heading, as text."""
    start = page.index(f'<section id="{key}"')
    fragment = page[start : page.index("</section>", start)]
    line = re.search(r'<p class="provenance[^"]*">(.*?)</p>', fragment, re.DOTALL)
    assert line, key
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", line.group(1))).split())


def test_the_lambeth_copy_landed_after_the_2025_release_leaves_sep_22_as_the_newer_release_has_it(
    pipeline: PipelineRun,
) -> None:
    """The copy (release Sep-22) repeats Dec-14's figures as Sep-22's; the 2025 release (Sep-25)
    holds the true ones. Landed later, the copy loads, is flagged, and changes nothing."""
    folder = pipeline.raw_dir / "mopac" / "pas"
    series = london_series(folder / SERIES_2025)
    expected = {
        label: (percent, SERIES_2025) for (end, label), percent in series.items() if end == SEP_22
    }
    assert sorted(p for p, _ in expected.values()) == [50, 58, 60, 61, 62]
    assert london_sep_22(pipeline.published_db) == expected
    copy = folder / LAMBETH_COPY.name
    shutil.copyfile(LAMBETH_COPY, copy)
    try:
        result = run_refresh(pipeline.definitions)
    finally:
        copy.unlink()
    assert result.success
    assert london_sep_22(pipeline.published_db) == expected
    # The copy loaded (it breaks no blocking rule) and its repeated quarter shows as a warning.
    checks = evaluations(result)
    assert checks[("raw/mopac_pas", "contract")].passed
    repeated = checks[("raw/mopac_pas", "repeated_quarter")]
    assert not repeated.passed and repeated.severity == dg.AssetCheckSeverity.WARN
    assert repeated.description.startswith(f"{LAMBETH_COPY.name}: row 217: ")
    assert "quarter 'Sep-22'" in repeated.description
    assert "equals_quarter 'Dec-14'" in repeated.description
    pas = manifest(pipeline)["sources"]["mopac_pas"]
    assert (pas["status"], pas["stale"], pas["release"]) == ("published", False, "Sep-25")
    assert LAMBETH_COPY.name in {f["file"] for f in pas["files"]}


def test_an_iom_return_with_harrows_printed_73_is_refused_and_only_the_iom_sections_go_stale(
    pipeline: PipelineRun,
) -> None:
    """The April 2023 report's table as printed lands beside the correct return: it is refused
    naming the file, the row and the rule; the correct return's areas stay published; crime
    and the pack publish, the pack's IOM sections marked stale."""
    folder = pipeline.raw_dir / "mopac" / "iom"
    text = (folder / IOM_SAMPLE).read_text(encoding="utf-8")
    records = list(csv.reader(io.StringIO(text)))
    header = records[0]
    harrow = next(r for r in records if r[1] == "Harrow")
    harrow[header.index("offenders_charged_during_cohort")] = "73"
    harrow[header.index("note")] = ""
    harrow_row = records.index(harrow) + 1
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(records)
    iom_before = table_fingerprint(pipeline.published_db, "kpi_iom_cohort")
    crime_before = table_fingerprint(pipeline.published_db, "kpi_crime_overview")
    with landed(pipeline, "mopac/iom", IOM_AS_PRINTED, buffer.getvalue()):
        result = run_refresh(pipeline.definitions)
    assert result.success
    check = evaluations(result)[("raw/mopac_iom", "charged_within_cohort")]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert f"{IOM_AS_PRINTED}: row {harrow_row}: " in check.description
    assert (
        "offenders_charged_during_cohort <= offenders_charged <= offenders_in_cohort"
        in check.description
    )
    assert (
        "'Harrow'" in check.description
        and "offenders_charged_during_cohort 73" in check.description
    )
    # The correct return's four areas are still what is published, Harrow's figure empty.
    assert table_fingerprint(pipeline.published_db, "kpi_iom_cohort") == iom_before
    con = duckdb.connect(str(pipeline.published_db), read_only=True)
    try:
        harrow_now = con.execute(
            "select offenders_charged, offenders_charged_during_cohort, source_file "
            "from kpi_iom_cohort where area = 'Harrow'"
        ).fetchall()
    finally:
        con.close()
    assert harrow_now == [(17, None, IOM_SAMPLE)]
    sources = manifest(pipeline)["sources"]
    iom = sources["mopac_iom"]
    assert iom["status"] == "published" and iom["stale"]
    assert (
        f"the 2022/23 Q4 file {IOM_AS_PRINTED} failed check charged_within_cohort" in iom["reason"]
    )
    crime = sources["met_recorded_crime"]
    assert crime["status"] == "published" and not crime["stale"]
    assert table_fingerprint(pipeline.published_db, "kpi_crime_overview") == crime_before
    # The pack was rebuilt: the IOM sections carry the stale mark and the reason, the others not.
    page = (pipeline.warehouse_dir / "published" / PACK).read_text(encoding="utf-8")
    for key in MOPAC_SECTIONS:
        line = provenance(page, key)
        if key.startswith("iom_"):
            assert line.startswith("Stale: figures from release 2022/23 Q4;"), line
            assert IOM_AS_PRINTED in line and "charged_within_cohort" in line
        else:
            assert not line.startswith("Stale"), line
    assert not provenance(page, "overview").startswith("Stale")
    with dg.DagsterInstance.get() as instance:
        tags = instance.get_run_by_id(result.run_id).tags
    assert tags.get("scp/refused-mopac_iom") == "1"


@contextmanager
def landed_bytes(run: PipelineRun, folder: str, name: str, data: bytes) -> Iterator[Path]:
    path = run.raw_dir / folder / name
    path.write_bytes(data)
    try:
        yield path
    finally:
        path.unlink()


def _return(provider: str, quarter: str, sent: date, figures: dict, ytd: dict) -> bytes:
    """A provider's return made with its template, as the provider would fill it in."""
    from orchestration.lib.periods import FinancialQuarter
    from orchestration.sources.partner_returns.catalogue import load_catalogue
    from orchestration.sources.partner_returns.template import filled_bytes, filled_workbook

    chosen = load_catalogue().provider(provider)
    period = FinancialQuarter.parse(quarter)
    workbook = filled_workbook(chosen, period, sent, figures, ytd)
    return filled_bytes(workbook, chosen, period)


# A month of domestic abuse incidents that cannot be: counts are whole numbers >= 0.
BAD_INCIDENTS = b"month,borough,da_incidents\n2023-03,Barnet,-4\n"


def test_a_refused_return_holds_back_only_its_provider_and_a_later_return_replaces_the_earlier(
    pipeline: PipelineRun,
) -> None:
    """A MARAC return with more repeat referrals than referrals is refused naming the cell: the
    MARAC's tables stay as they were and its pack section is marked stale, while the Met's and
    the other providers' publish. In the same run Solace re-sends its 2022/23 Q4 return (a later
    "submitted on"): the later one's figures are published and the earlier file stays in the
    raw table and the ledger. A domestic abuse incidents file with a negative count is refused
    too: the incidents, and the table that sets them beside the dashboard's offences, keep their
    last good figures marked stale, and the dashboard's own sections stay current."""
    bad = _return(
        "marac",
        "2023-24-Q1",
        date(2023, 7, 14),
        {"referrals": 30, "children_in_household": 20, "families_with_children": 12,
         "repeat_referrals": 35},
        {},
    )  # fmt: skip
    resent = _return(
        "solace",
        "2022-23-Q4",
        date(2023, 4, 20),
        {"referrals": 380} | dict.fromkeys(
            ("new_service_users", "dash_risk_assessments", "high_risk_idva_cases",
             "referred_to_adult_safeguarding", "left_service"), "n/a"),
        {"referrals": 1257},
    )  # fmt: skip
    marac_tables = ("fct_partner_marac__quarterly", "kpi_partner_marac", "rpt_partner_marac")
    before = {t: table_fingerprint(pipeline.published_db, t) for t in marac_tables}
    with (
        landed_bytes(pipeline, "providers/marac", "marac_2023-24-Q1.xlsx", bad),
        landed_bytes(pipeline, "providers/solace", "solace_2022-23-Q4_resent.xlsx", resent),
        landed_bytes(pipeline, "met/da_incidents", "da_incidents_2023-03.csv", BAD_INCIDENTS),
    ):
        result = run_refresh(pipeline.definitions)
    assert result.success
    contract = evaluations(result)[("raw/partner_marac", "contract")]
    assert not contract.passed and contract.severity == dg.AssetCheckSeverity.ERROR
    assert (
        "marac_2023-24-Q1.xlsx: Return!C9: repeat_referrals = 35 exceeds referrals = 30 (rule "
        "repeat_referrals <= referrals)"
    ) in contract.description
    assert {t: table_fingerprint(pipeline.published_db, t) for t in marac_tables} == before
    sources = manifest(pipeline)["sources"]
    marac = sources["partner_marac"]
    assert marac["stale"] and marac["status"] == "published"
    assert marac["reason"].startswith(
        "figures from release 2022/23 Q4 (submitted 2023-04-14); the 2023/24 Q1 (submitted "
        "2023-07-14) file marac_2023-24-Q1.xlsx failed check contract (Return!C9: "
        "repeat_referrals = 35 exceeds referrals = 30"
    )
    for key in ("met_recorded_crime", "partner_solace", "partner_rise", "met_asb_calls"):
        assert (sources[key]["status"], sources[key]["stale"]) == ("published", False), key
    assert (
        sources["partnership"]["stale"]
        and "partner_marac is stale" in (sources["partnership"]["reason"])
    )
    assert sources["met_da_incidents"]["stale"]
    assert "da_incidents_2023-03.csv" in sources["met_da_incidents"]["reason"]
    assert sources["domestic_abuse"]["stale"] and (
        "met_da_incidents is stale" in sources["domestic_abuse"]["reason"]
    )
    assert not sources["met_crime_dashboard"]["stale"]
    # The later Solace return wins; the earlier one stays in the lineage.
    with published(pipeline.published_db) as con:
        solace = con.execute(
            "select value, ytd_value, source_file from kpi_partner_solace "
            "where measure = 'referrals' and financial_year = '2022/23' and quarter = 4"
        ).fetchone()
    assert solace == (380, 1257, "solace_2022-23-Q4_resent.xlsx")
    assert sources["partner_solace"]["release"] == "2022/23 Q4 (submitted 2023-04-20)"
    con = duckdb.connect(str(pipeline.warehouse), read_only=True)
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
    # The pack marks the MARAC's sections stale, in words, and not the others.
    html = (pipeline.warehouse_dir / "published" / PACK).read_text(encoding="utf-8")
    for key, stale in (("partner_marac", True), ("marac_benchmark", True),
                       ("partner_solace", False), ("overview", False),
                       ("da_incidents", True), ("domestic_abuse", False)):  # fmt: skip
        start = html.index(f'<section id="{key}"')
        section = html[start : html.index("</section>", start)]
        assert ("Stale:" in section) is stale, key
        if stale and key != "da_incidents":
            assert "marac_2023-24-Q1.xlsx" in section and "Return!C9" in section


def test_with_the_bad_files_gone_the_next_refresh_publishes_every_source_again(
    pipeline: PipelineRun,
) -> None:
    result = run_refresh(pipeline.definitions)
    assert result.success
    sources = manifest(pipeline)["sources"]
    assert {key: (s["status"], s["stale"]) for key, s in sources.items()} == {
        key: ("published", False)
        for key in (
            "reference", "met_recorded_crime", "met_ward_crime", "met_crime_dashboard",
            "mopac_pas", "mopac_uss",
            "mopac_iom", "met_asb_calls", "met_da_incidents", "partner_marac", "partner_solace",
            "partner_rise", "partner_one_stop_shop", "partner_victim_care_hub",
            "partner_supporting_families", "test_quarterly", "partnership", "domestic_abuse",
        )
    }  # fmt: skip
    assert LAMBETH_COPY.name not in {f["file"] for f in sources["mopac_pas"]["files"]}
    assert sources["test_quarterly"]["release"] == "2021 Q1"
    assert sources["partner_solace"]["release"] == "2022/23 Q4 (submitted 2023-04-14)"
    con = duckdb.connect(str(pipeline.warehouse), read_only=True)
    try:
        statuses = dict(
            con.execute(
                "select source_file, status from audit.landing_files "
                "where source_file like '%bad%' or source_file like '%2026-04%' "
                "or (source = 'test_quarterly' and source_file like '%2021Q2%') "
                "or source_file like '%LambethCopy%' or source_file like '%as_printed%' "
                "or source_file in ('marac_2023-24-Q1.xlsx', 'solace_2022-23-Q4_resent.xlsx')"
            ).fetchall()
        )
    finally:
        con.close()
    assert set(statuses.values()) <= {"withdrawn", "removed"}
    # The Lambeth copy was accepted (then removed); the printed IOM table was refused (then
    # withdrawn).
    assert statuses[LAMBETH_COPY.name] == "removed"
    assert statuses[IOM_AS_PRINTED] == "withdrawn"
