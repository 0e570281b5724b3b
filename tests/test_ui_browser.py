"""The Dagster UI in a real browser: what a data engineer sees, and a run started from it.

One real `dagster-webserver` (and `dagster-daemon`, which takes queued runs off the queue)
per module, on a landing zone holding the Met's recorded crime files alone (every other source
is not set up, as at a partnership starting out), an empty warehouse and a fresh Dagster home
with the project's dagster.yaml. Headless Chromium opens the asset graph, the catalog and the
checks; the refresh for 2021-05 is launched through the webserver's GraphQL API, the way the
UI's Materialize button does, and its run page and the pack's partitions are looked at in the
browser.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from orchestration.lib.partitions import WAREHOUSE_POOL
from tests.conftest import PROJECT_ROOT, REPORTING_MONTH, SAMPLE_RAW, _ensure_dbt_manifest
from tests.support.webserver import (
    DagsterUI,
    ManagedProcess,
    dagster_daemon,
    dagster_env,
    dagster_webserver,
    run_queue_needs_daemon,
    wait_until,
)

pytestmark = pytest.mark.browser

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

JOB = "refresh"
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
    shutil.copytree(SAMPLE_RAW / "met" / "recorded_crime", raw_dir / "met" / "recorded_crime")
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
    """The refresh for 2021-05, launched through the webserver and run to the end."""
    started = time.monotonic()
    params = {
        "selector": {
            "repositoryLocationName": ui.location,
            "repositoryName": ui.repository,
            "jobName": JOB,
        },
        "runConfigData": {},
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
