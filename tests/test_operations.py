"""Operations: the landing sensors, the monthly schedule, the freshness rule and check, and the
download inside an ingest run.

Real components only: fixture files copied into temporary folders, a real HTTP server on
127.0.0.1, real Dagster runs of the ingest asset and its checks (no dbt, to stay cheap) against a
temporary warehouse, and an instance loaded from the dagster.yaml the project writes. Expected
months, hashes and row counts are read from the fixtures here with csv and hashlib, never from
the code under test.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import defs
from orchestration.landing.assets import build_ingest_asset
from orchestration.landing.freshness import expected_period, freshness_problem
from orchestration.landing.sensors import scan_landing
from orchestration.landing.source import Grain
from orchestration.lib.config import Settings
from orchestration.lib.instance import write_dagster_yaml
from orchestration.lib.partitions import WAREHOUSE_POOL
from orchestration.lib.resources import PipelineSettings
from orchestration.sources.met_recorded_crime import SOURCE
from tests.conftest import FIXTURES
from tests.support.http_server import running


def expected_release(today: date, deadline_day: int = 10) -> date:
    return expected_period(Grain.MONTH, today, deadline_day)


RAW = dg.AssetKey(["raw", "met_recorded_crime"])
INGEST_STEP = "raw__met_recorded_crime"

MPS = FIXTURES / "mps"
SLICE_2021 = MPS / "mps_2019_24_months_201909-202108_slice.csv"
SLICE_2022 = MPS / "mps_2019_historical_201004-202201_slice.csv"
NOT_MPS = b"ward,month,count\r\nBarnet Vale,202108,3\r\n"


# ---------------------------------------------------------------------------------------------
# Helpers: what a fixture says, read independently of the code under test
# ---------------------------------------------------------------------------------------------


def header_of(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


def release_of(path: Path) -> str:
    """The last header column, 'YYYYMM', as a partition key 'YYYY-MM'."""
    last = header_of(path)[-1].strip()
    return f"{last[:4]}-{last[4:]}"


def long_row_count(path: Path) -> int:
    """Rows x month columns: one loaded row per source row and month."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        months = sum(column.strip().isdigit() for column in header)
        return months * sum(1 for row in reader if row)


def sha256_hex(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def with_one_count_changed(path: Path) -> bytes:
    """The same file (same header, same release) with its last count on line 2 plus one."""
    lines = path.read_bytes().split(b"\r\n")
    fields = lines[1].split(b",")
    fields[-1] = str(int(fields[-1]) + 1).encode()
    lines[1] = b",".join(fields)
    return b"\r\n".join(lines)


def month_due(today: date) -> str:
    """Month M is due by day 10 of month M+1, worked out by month arithmetic."""
    index = today.year * 12 + (today.month - 1) - (1 if today.day >= 10 else 2)
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def listing(folder: Path) -> list[str]:
    """Every entry, dotfiles included, so a leftover `.part` shows up."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# ---------------------------------------------------------------------------------------------
# Fixtures: temporary folders, settings, a real HTTP server
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        raw_dir=tmp_path / "raw",
        warehouse_dir=tmp_path / "warehouse",
        borough="Barnet",
        dagster_home=tmp_path / "dagster_home",
    )


@pytest.fixture
def landing(settings: Settings) -> Path:
    folder = SOURCE.landing_folder(settings.raw_dir)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def instance(settings: Settings) -> Iterator[dg.DagsterInstance]:
    """An instance read from the dagster.yaml the project writes (pool limit 1)."""
    write_dagster_yaml(settings.dagster_home)
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as loaded:
        yield loaded


class OneReplyServer(ThreadingHTTPServer):
    """Answers every GET with the same status, headers and body, and counts the requests."""

    daemon_threads = True

    def __init__(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _OneReplyHandler)
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.requests = 0

    def url(self, name: str) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/data/{name}"


class _OneReplyHandler(BaseHTTPRequestHandler):
    server: OneReplyServer

    def do_GET(self) -> None:
        self.server.requests += 1
        self.send_response(self.server.status)
        for name, value in self.server.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


def serving(name: str, status: int, body: bytes, headers: dict[str, str] | None = None):
    """A fixture named `name`: a real server on 127.0.0.1 giving that one reply."""

    @pytest.fixture(name=name)
    def fixture() -> Iterator[OneReplyServer]:
        with running(OneReplyServer(status, body, headers)) as httpd:
            yield httpd

    return fixture


mps_server = serving("mps_server", 200, SLICE_2021.read_bytes(), {"Content-Type": "text/csv"})
# Retry-After: 0 keeps the downloader's retries (which the asset does not let a run configure)
# from sleeping 2 + 4 + 8 s; the failure path is the same.
broken_server = serving("broken_server", 500, b"Internal Server Error", {"Retry-After": "0"})


# ---------------------------------------------------------------------------------------------
# The landing sensor
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sensor() -> dg.SensorDefinition:
    return defs.resolve_sensor_def("met_recorded_crime_landing_sensor")


def tick(
    sensor: dg.SensorDefinition, settings: Settings, cursor: str | None
) -> tuple[dg.SensorResult | dg.SkipReason, str | None]:
    """One evaluation, as the daemon would make it; returns what it said and the new cursor."""
    context = dg.build_sensor_context(
        cursor=cursor, resources={"pipeline": PipelineSettings.from_settings(settings)}
    )
    result = sensor(context)
    if isinstance(result, dg.SensorResult):
        return result, result.cursor if result.cursor is not None else context.cursor
    return result, context.cursor


def requested_months(result: dg.SensorResult | dg.SkipReason) -> list[str]:
    assert isinstance(result, dg.SensorResult), f"expected run requests, got {result}"
    return [request.partition_key for request in result.run_requests]


def skip_message(result: dg.SensorResult | dg.SkipReason) -> str:
    assert isinstance(result, dg.SkipReason), f"expected a skip, got {result}"
    return result.skip_message or ""


def test_the_first_tick_asks_once_for_the_release_month_of_the_file_in_the_folder(
    sensor: dg.SensorDefinition, settings: Settings, landing: Path
) -> None:
    shutil.copy(SLICE_2021, landing)

    result, cursor = tick(sensor, settings, None)

    assert requested_months(result) == [release_of(SLICE_2021)]
    assert cursor


def test_a_second_tick_with_the_returned_cursor_skips_naming_the_folder(
    sensor: dg.SensorDefinition, settings: Settings, landing: Path
) -> None:
    shutil.copy(SLICE_2021, landing)
    _, cursor = tick(sensor, settings, None)

    result, _ = tick(sensor, settings, cursor)

    assert str(landing) in skip_message(result)


def test_touching_a_file_without_changing_its_bytes_still_skips(
    sensor: dg.SensorDefinition, settings: Settings, landing: Path
) -> None:
    landed = Path(shutil.copy(SLICE_2021, landing))
    _, cursor = tick(sensor, settings, None)
    later = landed.stat().st_mtime_ns + 3_600 * 10**9
    os.utime(landed, ns=(later, later))

    result, _ = tick(sensor, settings, cursor)

    assert str(landing) in skip_message(result)


def test_a_new_release_dropped_in_asks_once_for_that_release_only(
    sensor: dg.SensorDefinition, settings: Settings, landing: Path
) -> None:
    shutil.copy(SLICE_2021, landing)
    _, cursor = tick(sensor, settings, None)
    shutil.copy(SLICE_2022, landing)
    assert release_of(SLICE_2022) != release_of(SLICE_2021)

    result, cursor = tick(sensor, settings, cursor)
    after, _ = tick(sensor, settings, cursor)

    assert requested_months(result) == [release_of(SLICE_2022)]
    assert str(landing) in skip_message(after)


def test_changing_a_files_bytes_asks_again_for_its_release_month(
    sensor: dg.SensorDefinition, settings: Settings, landing: Path
) -> None:
    landed = Path(shutil.copy(SLICE_2021, landing))
    _, cursor = tick(sensor, settings, None)
    landed.write_bytes(with_one_count_changed(SLICE_2021))

    result, _ = tick(sensor, settings, cursor)

    assert requested_months(result) == [release_of(SLICE_2021)]


def test_two_new_files_of_the_same_release_give_one_run_request(
    sensor: dg.SensorDefinition, settings: Settings, landing: Path
) -> None:
    shutil.copy(SLICE_2021, landing / "first.csv")
    (landing / "second.csv").write_bytes(with_one_count_changed(SLICE_2021))

    result, _ = tick(sensor, settings, None)

    assert requested_months(result) == [release_of(SLICE_2021)]
    (request,) = result.run_requests
    assert request.tags["scp/trigger_source"] == "met_recorded_crime"
    assert "first.csv" in request.tags["scp/trigger_files"]
    assert "second.csv" in request.tags["scp/trigger_files"]


def test_a_file_that_is_not_an_mps_layout_is_named_in_the_skip_reason_and_not_requested(
    sensor: dg.SensorDefinition, settings: Settings, landing: Path
) -> None:
    shutil.copy(SLICE_2021, landing)
    _, cursor = tick(sensor, settings, None)
    (landing / "ward_level.csv").write_bytes(NOT_MPS)

    result, _ = tick(sensor, settings, cursor)

    message = skip_message(result)
    assert "ward_level.csv" in message
    assert str(landing) in message


def test_dotfiles_such_as_a_download_in_progress_are_ignored(
    sensor: dg.SensorDefinition, settings: Settings, landing: Path
) -> None:
    (landing / ".x.part").write_bytes(SLICE_2022.read_bytes()[:200])
    (landing / ".hidden.csv").write_bytes(SLICE_2022.read_bytes())

    result, _ = tick(sensor, settings, None)

    message = skip_message(result)
    assert str(landing) in message
    assert ".x.part" not in message and ".hidden.csv" not in message


def test_a_file_put_back_after_being_removed_is_asked_for_again(
    sensor: dg.SensorDefinition, settings: Settings, landing: Path
) -> None:
    """Between the removal and the return a run may have loaded the folder without the file
    (the table mirrors the folder), so its return is news. Regression: the cursor once kept a
    removed file's hash, so the sensor skipped its return."""
    landed = Path(shutil.copy(SLICE_2021, landing))
    _, cursor = tick(sensor, settings, None)
    landed.unlink()
    _, cursor = tick(sensor, settings, cursor)
    shutil.copy(SLICE_2021, landing)

    result, _ = tick(sensor, settings, cursor)

    assert requested_months(result) == [release_of(SLICE_2021)]


def test_a_file_reverted_to_an_earlier_version_gets_a_run_key_not_used_before(
    sensor: dg.SensorDefinition, settings: Settings, landing: Path
) -> None:
    """Dagster drops a sensor's run request whose run_key an earlier request of that sensor
    used. Version A, then B, then A again (a bad correction undone) must start a run for the
    return to A. (Regression: the run key was once made from name and hash only, so it repeated.)"""
    landed = Path(shutil.copy(SLICE_2021, landing))
    first, cursor = tick(sensor, settings, None)
    landed.write_bytes(with_one_count_changed(SLICE_2021))
    second, cursor = tick(sensor, settings, cursor)
    shutil.copy(SLICE_2021, landing)

    third, _ = tick(sensor, settings, cursor)

    assert requested_months(third) == [release_of(SLICE_2021)]
    used = {r.run_key for r in first.run_requests} | {r.run_key for r in second.run_requests}
    assert third.run_requests[0].run_key not in used


def test_scan_landing_reports_new_changed_and_unreadable_files_and_a_cursor_of_hashes(
    landing: Path,
) -> None:
    kept = Path(shutil.copy(SLICE_2021, landing))
    new = Path(shutil.copy(SLICE_2022, landing))
    bad = landing / "ward_level.csv"
    bad.write_bytes(NOT_MPS)
    (landing / ".y.csv.part").write_bytes(b"partial")
    cursor = {kept.name: sha256_hex(kept), "gone.csv": "0" * 64}

    scan = scan_landing(SOURCE, landing, cursor)

    assert scan.changed == {new.name: release_of(SLICE_2022)}
    assert len(scan.unreadable) == 1 and bad.name in scan.unreadable[0]
    assert scan.cursor[new.name] == sha256_hex(new)
    assert scan.cursor[bad.name] == sha256_hex(bad)
    assert scan.cursor[kept.name] == sha256_hex(kept)
    assert not any(name.startswith(".") for name in scan.cursor)


def test_scan_landing_of_an_unchanged_folder_finds_nothing_and_keeps_the_cursor(
    landing: Path,
) -> None:
    kept = Path(shutil.copy(SLICE_2021, landing))
    cursor = {kept.name: sha256_hex(kept)}

    scan = scan_landing(SOURCE, landing, cursor)

    assert scan.changed == {} and scan.unreadable == []
    assert scan.cursor == cursor


def test_scan_landing_of_a_missing_folder_finds_nothing(tmp_path: Path) -> None:
    scan = scan_landing(SOURCE, tmp_path / "not_there", {})

    assert scan.changed == {} and scan.unreadable == [] and scan.cursor == {}


# ---------------------------------------------------------------------------------------------
# The monthly schedule
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tick_at", "partition"),
    [
        (datetime(2026, 11, 10, 7, 0, tzinfo=UTC), "2026-10"),
        (datetime(2027, 1, 10, 7, 0, tzinfo=UTC), "2026-12"),
    ],
)
def test_the_schedule_at_07_00_on_the_10th_requests_the_month_that_just_ended(
    tick_at: datetime, partition: str
) -> None:
    schedule = defs.resolve_schedule_def("monthly_refresh_schedule")

    data = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=tick_at))

    assert [request.partition_key for request in data.run_requests] == [partition]


def test_the_schedule_runs_at_07_00_utc_on_the_10th_of_every_month() -> None:
    schedule = defs.resolve_schedule_def("monthly_refresh_schedule")

    assert schedule.cron_schedule == "0 7 10 * *"
    assert schedule.execution_timezone in (None, "UTC")


# ---------------------------------------------------------------------------------------------
# The freshness rule
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 10), date(2026, 10, 1)),
        (date(2026, 11, 9), date(2026, 9, 1)),
        (date(2027, 1, 15), date(2026, 12, 1)),
        (date(2027, 1, 5), date(2026, 11, 1)),
        (date(2027, 2, 3), date(2026, 12, 1)),
    ],
)
def test_the_expected_release_is_last_month_from_the_10th_and_the_month_before_until_then(
    today: date, expected: date
) -> None:
    assert expected_release(today) == expected


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2023, 4, 20), date(2023, 1, 1)),
        (date(2023, 4, 19), date(2022, 10, 1)),
        (date(2023, 7, 19), date(2023, 1, 1)),
        (date(2024, 1, 20), date(2023, 10, 1)),
    ],
)
def test_a_quarterly_return_is_due_on_its_delivery_day_of_the_month_after_the_quarter(
    today: date, expected: date
) -> None:
    """Day 20: the January-March return is due by 20 April."""
    assert expected_period(Grain.QUARTER, today, 20) == expected


def test_a_late_quarterly_return_names_the_quarter_and_its_deadline() -> None:
    message = freshness_problem(Grain.QUARTER, date(2022, 10, 1), date(2023, 4, 25), 20)

    assert message is not None
    assert "2023 Q1 (Jan-Mar)" in message and "2023-04-20" in message and "2022 Q4" in message


def test_a_custom_deadline_day_moves_the_day_the_release_falls_due() -> None:
    assert expected_release(date(2026, 11, 5), deadline_day=5) == date(2026, 10, 1)
    assert expected_release(date(2026, 11, 4), deadline_day=5) == date(2026, 9, 1)
    assert expected_release(date(2026, 11, 14), deadline_day=15) == date(2026, 9, 1)


def monthly_problem(latest: date | None, today: date, day: int = 10) -> str | None:
    return freshness_problem(Grain.MONTH, latest, today, day)


def test_freshness_is_fine_when_the_expected_release_or_a_later_one_is_loaded() -> None:
    assert monthly_problem(date(2026, 10, 1), date(2026, 11, 10)) is None
    assert monthly_problem(date(2026, 11, 1), date(2026, 11, 10)) is None
    assert monthly_problem(date(2026, 9, 1), date(2026, 11, 9)) is None


def test_a_late_release_names_the_expected_release_its_deadline_and_the_latest_loaded() -> None:
    message = monthly_problem(date(2026, 9, 1), date(2026, 11, 10))

    assert message is not None
    assert "2026-10" in message
    assert "2026-11-10" in message
    assert "2026-09" in message


def test_a_late_december_release_is_due_on_the_10th_of_january() -> None:
    message = monthly_problem(date(2026, 11, 1), date(2027, 1, 15))

    assert message is not None
    assert "2026-12" in message and "2027-01-10" in message and "2026-11" in message


def test_a_custom_deadline_day_appears_in_the_late_message() -> None:
    message = monthly_problem(date(2026, 9, 1), date(2026, 11, 20), day=15)

    assert message is not None and "2026-10" in message and "2026-11-15" in message


def test_with_nothing_loaded_the_message_says_none_is_loaded() -> None:
    message = monthly_problem(None, date(2026, 11, 10))

    assert message is not None
    assert "2026-10" in message and "none is loaded" in message


def test_a_deadline_day_past_the_end_of_a_short_month_reports_instead_of_raising() -> None:
    """SCP_FRESHNESS_DEADLINE_DAY=31 ("by the end of the month"): on 2026-03-05 release 2026-01
    is due, by February's end. Regression: the deadline was once built as date(2026, 2, 31) and
    the check raised ValueError instead of reporting."""
    message = monthly_problem(None, date(2026, 3, 5), day=31)

    assert message is not None and "2026-01" in message


# ---------------------------------------------------------------------------------------------
# Runs: the download, the raw checks and the freshness check; a backfill as one run
# ---------------------------------------------------------------------------------------------


def checks_by_name(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def fetch_and_ingest(settings: Settings, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """The Met ingest (with its checks) for these folders, downloading from its URL first."""
    return dg.materialize(
        [build_ingest_asset(SOURCE)],
        instance=instance,
        resources={"pipeline": PipelineSettings.from_settings(settings)},
        raise_on_error=False,
    )


def test_a_run_fetches_the_file_loads_it_and_warns_that_the_data_is_not_fresh(
    settings: Settings, instance: dg.DagsterInstance, mps_server: OneReplyServer
) -> None:
    url = mps_server.url(SLICE_2021.name)
    settings = dataclasses.replace(settings, download_urls={SOURCE.key: url})
    result = fetch_and_ingest(settings, instance)

    assert mps_server.requests == 1
    landing = SOURCE.landing_folder(settings.raw_dir)
    assert listing(landing) == [SLICE_2021.name]
    assert (landing / SLICE_2021.name).read_bytes() == SLICE_2021.read_bytes()
    assert result.success
    (materialization,) = result.asset_materializations_for_node(INGEST_STEP)
    metadata = {name: value.value for name, value in materialization.metadata.items()}
    assert metadata["source_sha256"] == sha256_hex(SLICE_2021)
    assert metadata["release"] == release_of(SLICE_2021)
    assert metadata["dagster/row_count"] == long_row_count(SLICE_2021)
    checks = checks_by_name(result)
    assert checks["download"].passed
    for name in ("contract", "known_boroughs", "every_borough_every_month", "labels_known"):
        assert checks[name].passed, name
    fresh = checks["fresh"]
    assert not fresh.passed
    assert fresh.severity == dg.AssetCheckSeverity.WARN
    assert month_due(date.today()) in (fresh.description or "")
    assert release_of(SLICE_2021) in (fresh.description or "")


def test_a_server_that_always_answers_500_fails_the_download_check_and_loads_the_folder(
    settings: Settings,
    landing: Path,
    instance: dg.DagsterInstance,
    broken_server: OneReplyServer,
) -> None:
    """A failed download lands nothing and says so; what is already in the folder still loads
    (the step succeeds, so the other sources are not held back)."""
    shutil.copy(SLICE_2022, landing)
    before = listing(landing)
    url = broken_server.url(SLICE_2021.name)
    settings = dataclasses.replace(settings, download_urls={SOURCE.key: url})
    result = fetch_and_ingest(settings, instance)

    assert result.success
    assert broken_server.requests > 1  # a 500 is worth retrying
    download = checks_by_name(result)["download"]
    assert not download.passed and download.severity == dg.AssetCheckSeverity.ERROR
    assert url in (download.description or "") and "500" in (download.description or "")
    assert listing(landing) == before
    assert listing(landing.parent) == ["recorded_crime"]
    (materialization,) = result.asset_materializations_for_node(INGEST_STEP)
    assert materialization.metadata["release"].value == release_of(SLICE_2022)


def test_the_projects_dagster_yaml_limits_every_pool_to_one_slot(
    instance: dg.DagsterInstance,
) -> None:
    assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
    assert instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).limit == 1
