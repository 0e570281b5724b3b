"""The Dagster UI in a real browser: what a data engineer sees, and a run started from it.

One real `dagster-webserver` (and `dagster-daemon`, which takes queued runs off the queue)
per module, on a landing zone holding the Met's recorded crime files and MOPAC's (every other
source is not set up, as at a partnership starting out), an empty warehouse and a fresh Dagster
home with the project's dagster.yaml. Headless Chromium opens the asset graph, the catalog and
the checks; the refresh for August 2021 as of 2021-12-31 is launched through the webserver's
GraphQL API with the launchpad's vintage, the way the UI's Materialize button does, and its run
page and the pack's partitions are looked at in the browser.

The run is also the test of building as of a date, on the real MPS files: release 2021-08
(published from 2021-09-01) and release 2022-01 (from 2022-02-01) are both in the folder. The
expected figures are computed here from the 2021-08 file alone with the csv module
(tests/support/reference.py), and differ from the 2022-01 release's: the Met revised them.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from orchestration.lib.duck import published
from orchestration.lib.partitions import WAREHOUSE_POOL
from tests.conftest import PROJECT_ROOT, SAMPLE_RAW, _ensure_dbt_manifest
from tests.support.reference import MEASURES, expected_overview
from tests.support.webserver import (
    DagsterUI,
    ManagedProcess,
    dagster_daemon,
    dagster_env,
    dagster_webserver,
    run_queue_needs_daemon,
    wait_until,
)

# The webserver and its run are this module's own fixtures: its tests stay on one worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("ui")]

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

JOB = "refresh"
# The build as of a date between the two releases, for the pack of August 2021.
REPORTING_MONTH = "2021-08"
AS_OF = "2021-12-31"
RUN_TIMEOUT_SECONDS = 8 * 60
PAGE_TIMEOUT_MS = 60_000
TERMINAL_STATUSES = {"SUCCESS", "FAILURE", "CANCELED"}

# The dbt groups of the sources, as the lineage lists them.
SOURCE_GROUPS = [
    "met_recorded_crime",
    "met_ward_crime",
    "met_crime_dashboard",
    "mopac_iom",
    "mopac_pas",
    "mopac_uss",
    "partner_marac",
    "partnership",
]
# The asset keys of each stage, as the catalog prints them ("prefix / name").
INGEST = "raw / met_recorded_crime"
DBT = ["staging / stg_met__recorded_crime", "marts / kpi_crime_overview"]
PUBLISH = ["published / marts", "published / board_pack"]
RAW_CHECKS = [
    "contract",
    "known_boroughs",
    "one_count_per_release",
    "every_borough_every_month",
    "board_measures_present",
    "labels_known",
    "fresh",
    "download",
]


@dataclass
class UI:
    """The module's running UI and the directories behind it."""

    server: DagsterUI
    processes: list[ManagedProcess]
    warehouse_dir: Path
    location: str
    repository: str

    def url(self, path: str) -> str:
        return self.server.url(path)

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.server.graphql(query, variables)


REPOSITORIES = """
{
  repositoriesOrError {
    __typename
    ... on RepositoryConnection {
      nodes {
        name
        location { name }
        jobs { name }
        sensors { id name sensorState { status } }
        schedules { id name scheduleState { status } }
      }
    }
    ... on PythonError { message }
  }
}
"""

STOP_SENSOR = """
mutation StopSensor($id: String!) {
  stopSensor(id: $id) {
    __typename
    ... on StopSensorMutationResult { instigationState { status } }
    ... on PythonError { message }
  }
}
"""

STOP_SCHEDULE = """
mutation StopSchedule($id: String!) {
  stopRunningSchedule(id: $id) {
    __typename
    ... on ScheduleStateResult { scheduleState { status } }
    ... on PythonError { message }
  }
}
"""


def _repository_with_job(ui: DagsterUI) -> dict[str, Any]:
    result = ui.graphql(REPOSITORIES)["repositoriesOrError"]
    assert result["__typename"] == "RepositoryConnection", result
    matching = [r for r in result["nodes"] if JOB in {j["name"] for j in r["jobs"]}]
    assert len(matching) == 1, f"expected one repository with job {JOB}: {result['nodes']}"
    return matching[0]


def _stop_automation(ui: DagsterUI, repository: dict[str, Any]) -> None:
    """The landing sensor and the schedule are on by default: with a daemon running, the
    sensor would start its own refresh for the file in raw/ within a minute. Stop both, so the
    only run is the one the test launches."""
    for sensor in repository["sensors"]:
        stopped = ui.graphql(STOP_SENSOR, {"id": sensor["id"]})["stopSensor"]
        assert stopped.get("instigationState", {}).get("status") == "STOPPED", stopped
    for schedule in repository["schedules"]:
        stopped = ui.graphql(STOP_SCHEDULE, {"id": schedule["id"]})["stopRunningSchedule"]
        assert stopped.get("scheduleState", {}).get("status") == "STOPPED", stopped


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path) -> Iterator[UI]:
    """Webserver and daemon on private directories; logs in test-artifacts/ui_logs/."""
    _ensure_dbt_manifest()
    from orchestration.lib.instance import write_dagster_yaml

    root = tmp_path_factory.mktemp("ui")
    raw_dir = root / "raw"
    for folder in ("met/recorded_crime", "mopac/pas", "mopac/uss", "mopac/iom"):
        shutil.copytree(SAMPLE_RAW / folder, raw_dir / folder)
    warehouse_dir = root / "warehouse"
    warehouse_dir.mkdir()
    dagster_home = root / "dagster_home"
    write_dagster_yaml(dagster_home)
    env = dagster_env(dagster_home=dagster_home, raw_dir=raw_dir, warehouse_dir=warehouse_dir)
    log_dir = artifacts_dir / "ui_logs"

    with ExitStack() as stack:
        server = stack.enter_context(
            dagster_webserver(project_root=PROJECT_ROOT, env=env, log_dir=log_dir)
        )
        repository = _repository_with_job(server)
        _stop_automation(server, repository)
        # The "join the community" dialog covers the UI on a fresh instance at 127.0.0.1.
        assert server.graphql("mutation { setNuxSeen }")["setNuxSeen"] is True
        processes = [server.server]
        if run_queue_needs_daemon(server):
            daemon = stack.enter_context(
                dagster_daemon(server, project_root=PROJECT_ROOT, env=env, log_dir=log_dir)
            )
            processes.append(daemon)
        yield UI(
            server=server,
            processes=processes,
            warehouse_dir=warehouse_dir,
            location=repository["location"]["name"],
            repository=repository["name"],
        )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from tests.support.browser import chromium

    with chromium() as context:
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        yield context


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    page = browser.new_page()
    page.set_viewport_size({"width": 1920, "height": 1200})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.close()
    assert not errors, f"uncaught JavaScript errors in the UI: {errors}"


def _open(page: Any, url: str) -> None:
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"


def _expect_text(page: Any, text: str) -> None:
    """`text` is an element's whole visible text somewhere on the page."""
    locator = page.get_by_text(text, exact=True).filter(visible=True).first
    expect(locator).to_be_visible(timeout=PAGE_TIMEOUT_MS)


LAUNCH_RUN = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""

RUN_STATUS = """
query Run($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { runId status jobName tags { key value } }
    ... on Error { message }
  }
}
"""

RUN_ERRORS = """
query RunLogs($runId: ID!) {
  logsForRun(runId: $runId) {
    __typename
    ... on EventConnection {
      events {
        __typename
        ... on MessageEvent { message level stepKey }
        ... on ErrorEvent { error { message } }
      }
    }
  }
}
"""


def _failure_summary(ui: UI, run_id: str) -> str:
    logs = ui.graphql(RUN_ERRORS, {"runId": run_id})["logsForRun"]
    lines = []
    for event in logs.get("events", []):
        if event.get("level") in {"ERROR", "CRITICAL"} or event.get("error"):
            error = (event.get("error") or {}).get("message", "")
            lines.append(f"[{event.get('stepKey') or 'run'}] {event.get('message')} {error}")
    return "\n".join(lines[-20:]) or "(no error events)"


@dataclass(frozen=True)
class Run:
    run_id: str
    status: str
    tags: dict[str, str]
    seconds: float


@pytest.fixture(scope="module")
def refresh_run(ui: UI) -> Run:
    """The refresh for August 2021 as of 2021-12-31, launched through the webserver with the
    launchpad's vintage and run to the end."""
    started = time.monotonic()
    params = {
        "selector": {
            "repositoryLocationName": ui.location,
            "repositoryName": ui.repository,
            "jobName": JOB,
        },
        "runConfigData": {"resources": {"vintage": {"config": {"as_of": AS_OF}}}},
        "executionMetadata": {
            "tags": [
                {"key": "dagster/partition", "value": REPORTING_MONTH},
                {"key": "scp/test", "value": "test_ui_browser"},
            ]
        },
    }
    launched = ui.graphql(LAUNCH_RUN, {"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]

    def finished() -> dict[str, Any] | None:
        run = ui.graphql(RUN_STATUS, {"runId": run_id})["runOrError"]
        assert run["__typename"] == "Run", run
        return run if run["status"] in TERMINAL_STATUSES else None

    run = wait_until(
        finished,
        timeout=RUN_TIMEOUT_SECONDS,
        what=f"run {run_id} to finish (a QUEUED run means the daemon did not dequeue it)",
        processes=ui.processes,
        interval=2,
    )
    assert run["status"] == "SUCCESS", (
        f"run {run_id} ended {run['status']}:\n{_failure_summary(ui, run_id)}"
    )
    return Run(
        run_id=run_id,
        status=run["status"],
        tags={t["key"]: t["value"] for t in run["tags"]},
        seconds=time.monotonic() - started,
    )


# The Met's crime groups and publishing, in the UI's asset selection syntax: the whole graph
# (every source, every provider) is too wide for its nodes to keep their names on screen, and
# too long a list for the catalog to render every row.
CRIME_AND_PUBLISH = quote("group:met_recorded_crime or group:publish")


def test_asset_graph_shows_ingest_dbt_and_publish(ui: UI, page: Any, artifacts_dir: Path):
    _open(page, ui.url("/asset-groups"))
    for group in SOURCE_GROUPS + ["publish", "reference"]:
        _expect_text(page, group)
    # Every source's lineage, expanded, is larger than the window and the graph draws only the
    # nodes in view: select the crime source and the publish step, as typing in the UI's search
    # box does (it puts the selection in the address).
    _open(page, ui.url(f"/asset-groups~{CRIME_AND_PUBLISH}/"))
    # The group's name in the list beside the graph, then on its node in the graph.
    drawn = page.get_by_text("met_recorded_crime", exact=True).filter(visible=True)
    expect(drawn.nth(1)).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    # The lineage may draw the selected groups collapsed: expand them all (⌥E in the UI), and
    # again if the first key press came before the graph was drawn.
    page.mouse.click(1400, 1000)
    board_pack = page.get_by_text("board_pack", exact=True).filter(visible=True)
    for _ in range(10):
        page.keyboard.press("Alt+e")
        page.wait_for_timeout(1500)
        if board_pack.count():
            break
    for node in ["met_recorded_crime", "kpi_crime_overview", "board_pack", "marts"]:
        _expect_text(page, node)
    page.wait_for_timeout(1000)  # let the graph finish its layout animation
    page.screenshot(path=str(artifacts_dir / "ui_asset_graph.png"))


def test_catalog_lists_every_stage_with_full_names(ui: UI, page: Any, artifacts_dir: Path):
    # A tall window, so the virtualised list renders every row.
    page.set_viewport_size({"width": 1920, "height": 2600})
    _open(page, ui.url(f"/assets?asset-selection={CRIME_AND_PUBLISH}"))
    for key in [INGEST, *DBT, *PUBLISH]:
        _expect_text(page, key)
    _expect_text(page, ui.location)
    page.screenshot(path=str(artifacts_dir / "ui_asset_catalog.png"))


def test_ingest_asset_shows_its_checks(ui: UI, page: Any, artifacts_dir: Path):
    _open(page, ui.url("/assets/raw/met_recorded_crime?view=checks"))
    _expect_text(page, f"Checks ({len(RAW_CHECKS)})")
    for check in RAW_CHECKS:
        expect(page.get_by_text(check, exact=True).first).to_be_attached()
    _expect_text(page, "known_boroughs")
    page.screenshot(path=str(artifacts_dir / "ui_asset_checks.png"))


def test_run_launched_from_the_webserver_succeeds(
    ui: UI, refresh_run: Run, page: Any, artifacts_dir: Path
):
    assert refresh_run.tags.get("dagster/partition") == REPORTING_MONTH
    _open(page, ui.url(f"/runs/{refresh_run.run_id}"))
    _expect_text(page, "Success")
    _expect_text(page, JOB)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(artifacts_dir / "ui_run.png"))


def test_the_packs_partition_shows_materialized_after_the_run(
    ui: UI, refresh_run: Run, page: Any, artifacts_dir: Path
):
    _open(
        page,
        ui.url(f"/assets/published/board_pack?view=partitions&partition={REPORTING_MONTH}"),
    )
    _expect_text(page, "Materialized (1)")
    _expect_text(page, refresh_run.run_id[:8])
    page.screenshot(path=str(artifacts_dir / "ui_partitions.png"))


def test_checks_passed_after_the_run(ui: UI, refresh_run: Run, page: Any, artifacts_dir: Path):
    _open(page, ui.url("/assets/raw/met_recorded_crime?view=checks"))
    _expect_text(page, "known_boroughs")
    _expect_text(page, "Passed")
    page.screenshot(path=str(artifacts_dir / "ui_asset_checks_after_run.png"))


JOB_POOLS = """
query JobPools($selector: PipelineSelector!) {
  pipelineOrError(params: $selector) {
    __typename
    ... on Pipeline { solids { name definition { ... on SolidDefinition { pool } } } }
    ... on Error { message }
  }
}
"""

STEP_EVENTS = """
query StepEvents($runId: ID!, $afterCursor: String) {
  logsForRun(runId: $runId, afterCursor: $afterCursor) {
    __typename
    ... on EventConnection {
      events {
        __typename
        ... on MessageEvent { stepKey timestamp }
      }
      cursor
      hasMore
    }
  }
}
"""


def _run_events(ui: UI, run_id: str) -> list[dict[str, Any]]:
    """Every event of the run: the webserver returns them a page at a time."""
    events: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = ui.graphql(STEP_EVENTS, {"runId": run_id, "afterCursor": cursor})["logsForRun"]
        assert page["__typename"] == "EventConnection", page
        events += page["events"]
        if not page["hasMore"]:
            return events
        cursor = page["cursor"]


STEP_END_EVENTS = {"ExecutionStepSuccessEvent", "ExecutionStepFailureEvent"}


def test_pool_ran_the_warehouse_steps_one_at_a_time(ui: UI, refresh_run: Run):
    """The refresh runs in one process, one step at a time; the instance's pool limit
    (dagster.yaml) is what keeps it from overlapping another run's warehouse steps."""
    selector = {
        "repositoryLocationName": ui.location,
        "repositoryName": ui.repository,
        "pipelineName": JOB,
    }
    job = ui.graphql(JOB_POOLS, {"selector": selector})["pipelineOrError"]
    assert job["__typename"] == "Pipeline", job
    pooled = {s["name"] for s in job["solids"] if s["definition"].get("pool") == WAREHOUSE_POOL}
    assert {"raw__met_recorded_crime", "dbt_warehouse", "published__marts"} <= pooled

    events = _run_events(ui, refresh_run.run_id)
    starts: dict[str, float] = {}
    spans: list[tuple[float, float, str]] = []
    for event in events:
        step = event.get("stepKey")
        if step not in pooled:
            continue
        at = float(event["timestamp"]) / 1000
        if event["__typename"] == "ExecutionStepStartEvent":
            starts[step] = at
        elif event["__typename"] in STEP_END_EVENTS:
            spans.append((starts.pop(step), at, step))
    assert {step for _, _, step in spans} == pooled, "every pooled step ran to the end"
    spans.sort()
    overlaps = [
        f"{a} ({a_start:.1f}-{a_end:.1f}) overlaps {b} ({b_start:.1f}-{b_end:.1f})"
        for (a_start, a_end, a), (b_start, b_end, b) in zip(spans, spans[1:], strict=False)
        if b_start < a_end
    ]
    assert not overlaps, overlaps


def test_run_published_the_marts(ui: UI, refresh_run: Run):
    published = ui.warehouse_dir / "published"
    assert (published / "marts.duckdb").is_file()
    assert (published / "marts.duckdb").stat().st_size > 0
    assert any((published / "parquet").glob("*.parquet"))
    assert list((published / "packs" / REPORTING_MONTH).iterdir())


# --- the run built as of a date ---------------------------------------------------------------

EARLIER_FILE = "MPS_Borough_Level_Crime_most_recent_24_months_201909-202108.csv"
LATER_FILE = "MPS_Borough_Level_Crime_Historical_201004-202201.csv"
CENSUS_SEED = PROJECT_ROOT / "dbt_project" / "seeds" / "population_census2021.csv"


def overview(database: Path, month: date) -> dict[str, dict]:
    with published(database) as con:
        frame = con.execute(
            "select * from kpi_crime_overview where borough_name = 'Barnet' "
            "and reporting_month = ?",
            [month],
        ).df()
    return {row["measure"]: row for row in frame.to_dict("records")}


def test_the_sources_without_a_file_are_not_set_up_and_hold_nothing_back(
    ui: UI, refresh_run: Run
) -> None:
    manifest = json.loads((ui.warehouse_dir / "published" / "manifest.json").read_text())
    status = {key: unit["status"] for key, unit in manifest["sources"].items()}
    landed = ("met_recorded_crime", "mopac_pas", "mopac_uss", "mopac_iom")
    assert {key: status[key] for key in landed} == dict.fromkeys(landed, "published")
    assert status["met_crime_dashboard"] == "not set up"
    assert manifest["sources"]["met_crime_dashboard"]["reason"] == (
        "no file has landed in raw/met/crime_dashboard/ yet"
    )


@pytest.mark.parametrize("measure", MEASURES)
def test_as_of_end_2021_barnet_august_2021_is_the_2021_08_releases_figures(
    ui: UI, refresh_run: Run, measure: str
) -> None:
    warehouse_dir = ui.warehouse_dir
    folder = SAMPLE_RAW / "met" / "recorded_crime"
    expected = expected_overview(folder / EARLIER_FILE, CENSUS_SEED, "Barnet", "202108")[measure]
    row = overview(warehouse_dir / "published" / "marts.duckdb", date(2021, 8, 1))[measure]
    assert (row["ytd_volume"], row["r12_volume"], row["r12_volume_prev"]) == (
        expected.ytd,
        expected.r12,
        expected.r12_prev,
    )
    assert row["rate_per_1000"] == pytest.approx(expected.rate, rel=1e-12)
    assert (row["london_rank"], row["london_rank_of"]) == (expected.rank, expected.rank_of)


def test_the_later_release_revised_august_2021_so_as_of_is_what_chose_the_figures(
    ui: UI, refresh_run: Run
) -> None:
    """Violence with injury, Barnet, R12 to August 2021: the two releases disagree, and the
    as-of copy has the earlier one's figure."""
    warehouse_dir = ui.warehouse_dir
    folder = SAMPLE_RAW / "met" / "recorded_crime"
    earlier = expected_overview(folder / EARLIER_FILE, CENSUS_SEED, "Barnet", "202108")
    later = expected_overview(folder / LATER_FILE, CENSUS_SEED, "Barnet", "202108")
    assert earlier["violence_with_injury"].r12 != later["violence_with_injury"].r12
    as_of = overview(warehouse_dir / "published" / "marts.duckdb", date(2021, 8, 1))
    assert as_of["violence_with_injury"]["r12_volume"] == earlier["violence_with_injury"].r12


def test_as_of_the_marts_hold_no_month_the_older_release_lacks(ui: UI, refresh_run: Run) -> None:
    warehouse_dir = ui.warehouse_dir
    with published(warehouse_dir / "published" / "marts.duckdb") as con:
        first, last = con.execute(
            "select min(month), max(month) from fct_recorded_crime_monthly "
            "where category_scheme = 'mps_2019'"
        ).fetchone()
    assert (first, last) == (date(2019, 9, 1), date(2021, 8, 1))


def test_the_manifest_and_the_pack_say_as_of_when_and_which_release(
    ui: UI,
    refresh_run: Run,
) -> None:
    warehouse_dir = ui.warehouse_dir
    manifest = json.loads((warehouse_dir / "published" / "manifest.json").read_text())
    assert manifest["as_of"] == AS_OF
    crime = manifest["sources"]["met_recorded_crime"]
    assert crime["release"] == "2021-08"
    assert [f["file"] for f in crime["files"]] == [EARLIER_FILE]
    html = warehouse_dir / "published" / "packs" / "2021-08" / "board_pack_barnet_2021-08.html"
    text = html.read_text(encoding="utf-8")
    assert f"As of {AS_OF}" in text
    assert "release 2021-08" in text
    assert "release 2022-01" not in text


def test_as_of_end_2021_the_mopac_marts_hold_only_what_was_released_by_then(
    ui: UI,
    refresh_run: Run,
) -> None:
    """Released by 2021-12-31: the IOM return of the July 2021 pack (to 2021 Q2, released
    2021-07-01). Not yet: the PAS exports (Jun-22, Sep-25), the USS and the April 2023 IOM
    returns (2022/23 Q4)."""
    warehouse_dir = ui.warehouse_dir
    database = warehouse_dir / "published" / "marts.duckdb"
    with published(database) as con:
        iom = con.execute(
            "select area, min(period_start), max(period_start), count(*) "
            "from kpi_iom_cohort group by area"
        ).fetchall()
        pas = con.execute("select count(*) from kpi_public_confidence").fetchone()
        uss = con.execute("select count(*) from kpi_victim_satisfaction").fetchone()
    assert iom == [("Barnet", date(2020, 1, 1), date(2021, 4, 1), 6)]
    assert (pas, uss) == ((0,), (0,))
    html = warehouse_dir / "published" / "packs" / "2021-08" / "board_pack_barnet_2021-08.html"
    text = html.read_text(encoding="utf-8")
    assert "No Public Attitude Survey figures for Barnet are published." in text
    assert "No IOM comparison with London is published for Barnet." in text
    assert "2021/22 Q1" in text and "2022/23 Q4" not in text
