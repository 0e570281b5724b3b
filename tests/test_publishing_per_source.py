"""Per-source write-audit-publish, through Dagster on the session's pipeline: a source whose
new file is refused, or whose dbt tests fail, keeps its last good published tables and is
marked stale, while every other source still publishes; a check across sources blocks only
the pack.

Each test lands a bad file beside the session's samples, re-runs the refresh, and takes the
file away again; the last test shows that the next refresh publishes everything again.
"""

from __future__ import annotations

import hashlib
import json
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

pytestmark = pytest.mark.e2e

SLICE = FIXTURES / "mps" / "mps_2019_historical_201004-202201_slice.csv"
PACK = Path("packs") / "2021-05" / "board_pack_barnet_2021-05.html"


def shifted_two_months(text: str) -> str:
    """The slice relabelled two months later (2021-10 to 2022-03): a release newer than any in
    the session's raw/, so refusing it leaves the published crime figures stale."""
    header, rest = text.split("\r\n", 1)
    columns = header.split(",")
    months = []
    for column in columns[3:]:
        index = int(column[:4]) * 12 + int(column[4:]) - 1 + 2
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
    lines = shifted_two_months(SLICE.read_bytes().decode("utf-8")).split("\r\n")
    fields = lines[3].split(",")
    fields[-1] = "-3"  # row 4, the last month column (202203)
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
    assert "MPS_bad_negative_count.csv: row 4, column '202203'" in contract.description
    assert "counts must be whole numbers >= 0" in contract.description
    after = {t: table_fingerprint(pipeline.published_db, t) for t in before}
    assert after == before
    sources = manifest(pipeline)["sources"]
    crime = sources["met_recorded_crime"]
    assert crime["stale"] and crime["release"] == "2022-01"
    assert crime["reason"].startswith("figures from release 2022-01; the 2022-03 file")
    assert "MPS_bad_negative_count.csv" in crime["reason"] and "check contract" in crime["reason"]
    assert (
        sources["test_quarterly"]["status"] == "published"
        and not sources["test_quarterly"]["stale"]
    )
    # The pack was rebuilt, its crime sections marked stale.
    html = (pipeline.warehouse_dir / "published" / PACK).read_text(encoding="utf-8")
    assert "Stale" in html and "MPS_bad_negative_count.csv" in html
    # A run tag says which source refused a file, for the runs list.
    with dg.DagsterInstance.get() as instance:
        tags = instance.get_run_by_id(result.run_id).tags
    assert tags.get("scp/refused-met_recorded_crime") == "1"


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
    from orchestration.sources.partner_returns.catalogue import load_catalogue
    from orchestration.sources.partner_returns.quarters import FinancialQuarter
    from orchestration.sources.partner_returns.template import filled_bytes, filled_workbook

    chosen = load_catalogue().provider(provider)
    period = FinancialQuarter.parse(quarter)
    workbook = filled_workbook(chosen, period, sent, figures, ytd)
    return filled_bytes(workbook, chosen, period)


def test_a_refused_return_holds_back_only_its_provider_and_a_later_return_replaces_the_earlier(
    pipeline: PipelineRun,
) -> None:
    """A MARAC return with more repeat referrals than referrals is refused naming the cell: the
    MARAC's tables stay as they were and its pack section is marked stale, while the Met's and
    the other providers' publish. In the same run Solace re-sends its 2022/23 Q4 return (a later
    "submitted on"): the later one's figures are published and the earlier file stays in the
    raw table and the ledger."""
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
                       ("partner_solace", False), ("overview", False)):  # fmt: skip
        start = html.index(f'<section id="{key}"')
        section = html[start : html.index("</section>", start)]
        assert ("Stale:" in section) is stale, key
        if stale:
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
            "reference", "met_recorded_crime", "met_asb_calls", "met_da_incidents",
            "partner_marac", "partner_solace", "partner_rise", "partner_one_stop_shop",
            "partner_victim_care_hub", "partner_supporting_families", "test_quarterly",
            "partnership",
        )
    }  # fmt: skip
    assert sources["test_quarterly"]["release"] == "2021 Q1"
    assert sources["partner_solace"]["release"] == "2022/23 Q4 (submitted 2023-04-14)"
    con = duckdb.connect(str(pipeline.warehouse), read_only=True)
    try:
        statuses = dict(
            con.execute(
                "select source_file, status from audit.landing_files "
                "where source_file like '%bad%' or source_file like '%2021Q2%' "
                "or source_file in ('marac_2023-24-Q1.xlsx', 'solace_2022-23-Q4_resent.xlsx')"
            ).fetchall()
        )
    finally:
        con.close()
    assert set(statuses.values()) <= {"withdrawn", "removed"}
