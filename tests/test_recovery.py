"""Faults around the run, not in the data: a run killed with kill -9, a full or read-only
published folder, a warehouse held open by another process, a missing landing folder.

Each ends in a sentence (in the terminal and in the Dagster UI) and leaves the published copy
whole, and none stops a later refresh. Real components: a real `python -m orchestration.cli
run` killed with SIGKILL, a real tmpfs that fills up or is remounted read-only (where the
machine lets tests mount one), a real second process holding the DuckDB file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from orchestration.definitions import build_definitions
from orchestration.landing.assets import build_ingest_asset
from orchestration.lib.config import Settings
from orchestration.lib.instance import write_dagster_yaml
from orchestration.lib.partitions import WAREHOUSE_POOL
from orchestration.lib.resources import PipelineSettings, Vintage
from orchestration.publish.marts import PublishError, publish
from orchestration.sources.met_recorded_crime import SOURCE
from tests.conftest import FIXTURES, PROJECT_ROOT, SAMPLE_RAW
from tests.support.webserver import folder_env as cli_env

# The three runs' fixture is this module's own: its tests stay on one worker.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("recovery")]

SLICE = FIXTURES / "mps" / "mps_2019_historical_201004-202201_slice.csv"


def cli_run(env: dict[str, str], *args: str, **kwargs: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "run", "--month", "2021-05", *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        **kwargs,
    )


def slot_holder(instance: dg.DagsterInstance, step_key: str) -> str | None:
    """The run whose step `step_key` holds the warehouse's slot, if one does."""
    info = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL)
    return next((slot.run_id for slot in info.claimed_slots if slot.step_key == step_key), None)


def publish_slot_holder(instance: dg.DagsterInstance) -> str | None:
    return slot_holder(instance, "published__marts")


LATEST = "MPS_Borough_Level_Crime_most_recent_24_months_202202-202401.csv"
RESENT = "MPS_Borough_Level_Crime_202401-202402.csv"


def _resend_the_last_month(folder: Path) -> tuple[int, int]:
    """The next release: the latest file's last month again, with Barnet's arson one higher,
    and a month after it (the same counts). It takes January 2024 over from the 24-month file.
    Returns the count before and after."""
    rows = list(csv.reader(io.StringIO((folder / LATEST).read_text(encoding="utf-8-sig"))))
    month = [[*row[:3], row[-1], row[-1]] for row in rows]
    month[0][-1] = "202402"
    arson = next(row for row in month if row[1:3] == ["Arson", "Barnet"])
    before = int(arson[3])
    arson[3] = str(before + 1)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(month)
    (folder / RESENT).write_text(buffer.getvalue(), encoding="utf-8", newline="")
    return before, before + 1


@dataclass
class Sequence:
    """Three real `make run`s (the CLI) on one project, as a data engineer meets them.

    The landing zone holds the Met's recorded crime and dashboard files (every other source is
    not set up) and a crime file that names a borough wrongly. Run A starts; while it holds the
    warehouse, run B is asked to wait three seconds for it and gives up; A is killed with
    SIGKILL while it publishes; run C frees what A held and publishes, naming the refused file.
    """

    root: Path
    waiting: str
    waiting_code: int
    dead_run: str
    dead_status: Any
    slot_after_kill: str | None
    recovered: str
    recovered_code: int
    dead_status_after: Any
    slot_after_recovery: str | None


@pytest.fixture(scope="module")
def sequence(tmp_path_factory: pytest.TempPathFactory) -> Sequence:
    root = tmp_path_factory.mktemp("recovery")
    for folder in ("recorded_crime", "crime_dashboard"):
        shutil.copytree(SAMPLE_RAW / "met" / folder, root / "raw" / "met" / folder)
    text = SLICE.read_bytes().decode("utf-8").replace(",Barnet,", ",Barnett,", 1)
    (root / "raw" / "met" / "recorded_crime" / "MPS_misspelt_borough.csv").write_text(
        text, encoding="utf-8", newline=""
    )
    write_dagster_yaml(root / "dagster_home")
    env = cli_env(root, SCP_BOROUGH="barnet")
    first = cli_run(env)
    try:
        with dg.DagsterInstance.from_config(str(root / "dagster_home")) as instance:
            deadline = time.monotonic() + 300
            # B starts while A builds with dbt (the step that holds the warehouse longest),
            # so that B finds A holding it whenever it looks.
            while slot_holder(instance, "dbt_warehouse") is None:
                assert first.poll() is None and time.monotonic() < deadline, "A never built"
                time.sleep(0.05)
            waiting = cli_run(env, "--wait-minutes", "0.05")
            waiting_output, _ = waiting.communicate(timeout=120)
            dead_run = None
            while dead_run is None and first.poll() is None and time.monotonic() < deadline:
                dead_run = publish_slot_holder(instance)
                time.sleep(0.02)
            assert dead_run, f"A never reached publishing:\n{first.communicate()[0]}"
            # As an out-of-memory kill or a reboot would: no chance to clean up.
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
            dead_status = instance.get_run_by_id(dead_run).status
            slot_after_kill = publish_slot_holder(instance)
            _resend_the_last_month(root / "raw" / "met" / "recorded_crime")
            recovered = cli_run(env, "--wait-minutes", "2")
            output, _ = recovered.communicate(timeout=600)
            return Sequence(
                root=root,
                waiting=waiting_output,
                waiting_code=waiting.returncode,
                dead_run=dead_run,
                dead_status=dead_status,
                slot_after_kill=slot_after_kill,
                recovered=output,
                recovered_code=recovered.returncode,
                dead_status_after=instance.get_run_by_id(dead_run).status,
                slot_after_recovery=publish_slot_holder(instance),
            )
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)


def test_a_live_run_holding_the_warehouse_is_named_and_waited_for_then_given_up_on(
    sequence: Sequence,
) -> None:
    """A second `make run` while one is running says which run it waits for, and stops at
    its time limit with a sentence instead of waiting in silence."""
    assert sequence.waiting_code == 2, sequence.waiting
    assert "waiting for run" in sequence.waiting
    assert "still holds the working warehouse after" in sequence.waiting
    assert "Traceback" not in sequence.waiting


def test_after_a_kill_9_during_publishing_the_next_run_frees_the_warehouse_and_publishes(
    sequence: Sequence,
) -> None:
    assert sequence.dead_status == dg.DagsterRunStatus.STARTED
    assert sequence.slot_after_kill == sequence.dead_run
    output = sequence.recovered
    assert f"run {sequence.dead_run} (refresh" in output
    assert "died without finishing" in output and "marked failed" in output
    assert sequence.dead_status_after == dg.DagsterRunStatus.FAILURE
    assert sequence.slot_after_recovery is None
    published = sequence.root / "warehouse" / "published"
    assert (published / "marts.duckdb").is_file()
    assert (published / "catalogue" / "index.html").is_file()
    assert (published / "packs" / "2021-05" / "board_pack_barnet_2021-05.html").is_file()
    assert not list(published.rglob(".*")), "no staged file of the killed run is left behind"


def test_a_refused_file_is_named_with_its_row_and_rule_in_the_terminal(
    sequence: Sequence,
) -> None:
    assert sequence.recovered_code == 1, sequence.recovered
    out = sequence.recovered
    assert "Refused or held back (each source keeps its last good data):" in out
    assert "raw/met_recorded_crime check known_boroughs: MPS_misspelt_borough.csv: row" in out
    assert "every borough is one the reference knows (check known_boroughs)" in out
    assert "borough_name 'Barnett'" in out
    assert "Published with refusals" in out
    assert "Traceback" not in out


def test_a_month_taken_over_by_a_later_file_is_named_with_the_figure_it_changed(
    sequence: Sequence,
) -> None:
    folder = sequence.root / "raw" / "met" / "recorded_crime"
    rows = list(csv.reader(io.StringIO((folder / LATEST).read_text(encoding="utf-8-sig"))))
    before = int(next(r for r in rows if r[1:3] == ["Arson", "Barnet"])[-1])
    out = sequence.recovered
    assert "Periods whose figures now come from another file:" in out
    assert (
        f"raw/met_recorded_crime: 2024-01: {RESENT} replaces {LATEST}; changed: "
        f"Barnet Arson and Criminal Damage Arson {before} -> {before + 1}"
    ) in out


def test_the_other_releases_still_publish_and_the_overview_is_printed_for_the_borough(
    sequence: Sequence,
) -> None:
    out = sequence.recovered
    assert "met_recorded_crime" in out and "release 2024-02" in out
    assert "met_crime_dashboard" in out and "release 2026-03-18" in out
    assert "Crime overview, Barnet (E09000003), reporting month 2021-05" in out
    assert "Burglary" in out and "20/32" in out
    # dbt's own progress lines go to a log file, not the terminal.
    assert "START sql table model" not in out
    assert "dbt's output:" in out
    # The sources with no file yet are listed once, as not set up, and hold nothing back.
    assert "Not set up (nothing is held back for them):" in out
    assert "no file has landed in raw/mopac/pas/ yet" in out
    assert (
        f"Catalogue {sequence.root / 'warehouse' / 'published' / 'catalogue' / 'index.html'}"
        in (out)
    )


# --- the published folder full or read-only -----------------------------------------------------


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def small_disk(tmp_path: Path, sequence: Sequence) -> Iterator[tuple[Path, Path]]:
    """The sequence's working warehouse and published copy, the latter on a tmpfs just big
    enough to hold it: the next publication does not fit."""
    source = sequence.root / "warehouse"
    warehouse_dir = tmp_path / "warehouse"
    published = warehouse_dir / "published"
    published.mkdir(parents=True)
    shutil.copy(source / "warehouse.duckdb", warehouse_dir / "warehouse.duckdb")
    shutil.copytree(source / "catalogue", warehouse_dir / "catalogue")
    size = sum(p.stat().st_size for p in (source / "published").rglob("*") if p.is_file())
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size + 256 * 1024}", "tmpfs", str(published)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode:
        pytest.skip(f"this machine does not let tests mount a tmpfs: {mounted.stderr.strip()}")
    try:
        shutil.copytree(source / "published", published, dirs_exist_ok=True)
        yield warehouse_dir, published
    finally:
        subprocess.run(["umount", str(published)], check=True)


def materialize_publish(sequence: Sequence, warehouse_dir: Path) -> dg.ExecuteInProcessResult:
    """The publish step alone, through Dagster, on another warehouse folder."""
    settings = Settings(
        raw_dir=sequence.root / "raw",
        warehouse_dir=warehouse_dir,
        borough="Barnet",
        dagster_home=sequence.root / "dagster_home",
    )
    published_marts = build_definitions(settings).get_assets_def(
        dg.AssetKey(["published", "marts"])
    )
    return dg.materialize(
        [published_marts],
        resources={"pipeline": PipelineSettings.from_settings(settings), "vintage": Vintage()},
        raise_on_error=False,
    )


def step_failure(result: dg.ExecuteInProcessResult) -> str:
    """The sentence of the one failed step (a `dg.Failure`), or the error it raised instead."""
    (failure,) = result.get_step_failure_events()
    data = failure.step_failure_data
    assert data.user_failure_data is not None, f"not a sentence but an error: {data.error}"
    return data.user_failure_data.description


def test_a_full_published_disk_fails_with_a_sentence_and_leaves_the_copy_whole(
    sequence: Sequence, small_disk: tuple[Path, Path]
) -> None:
    warehouse_dir, published = small_disk
    before = digests(published)
    result = materialize_publish(sequence, warehouse_dir)
    assert not result.success
    message = step_failure(result)
    assert f"cannot write the published copy in {published}" in message
    assert "No space left on device" in message
    assert "previous published copy is unchanged" in message
    assert digests(published) == before
    assert not [p.name for p in published.rglob(".*")], "no staged file or .wal is left"


def test_a_read_only_published_disk_fails_with_a_sentence_and_leaves_the_copy_whole(
    small_disk: tuple[Path, Path],
) -> None:
    warehouse_dir, published = small_disk
    subprocess.run(["mount", "-o", "remount,ro", str(published)], check=True)
    before = digests(published)
    with pytest.raises(PublishError) as caught:
        publish(warehouse_dir / "warehouse.duckdb", published, [])
    assert "Read-only file system" in str(caught.value)
    assert "previous published copy is unchanged" in str(caught.value)
    assert digests(published) == before


# --- the warehouse and the landing folder -----------------------------------------------------


def ingest(tmp_path: Path) -> dg.ExecuteInProcessResult:
    settings = Settings(
        raw_dir=tmp_path / "raw",
        warehouse_dir=tmp_path / "warehouse",
        borough="Barnet",
        dagster_home=tmp_path / "dagster_home",
    )
    return dg.materialize(
        [build_ingest_asset(SOURCE)],
        resources={"pipeline": PipelineSettings.from_settings(settings)},
        raise_on_error=False,
    )


def test_a_warehouse_held_open_by_another_process_fails_naming_that_process(
    tmp_path: Path,
) -> None:
    shutil.copytree(SAMPLE_RAW, tmp_path / "raw")
    warehouse = tmp_path / "warehouse" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys, time; c = duckdb.connect({str(warehouse)!r}); "
            "print('open', flush=True); time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        result = ingest(tmp_path)
    finally:
        holder.kill()
        holder.wait()
    assert not result.success
    message = step_failure(result)
    assert f"the working warehouse {warehouse} is open in process {holder.pid}" in message
    assert "published/marts.duckdb" in message


def test_a_missing_landing_folder_of_a_source_that_landed_before_is_named_and_keeps_its_data(
    tmp_path: Path,
) -> None:
    shutil.copytree(SAMPLE_RAW, tmp_path / "raw")
    assert ingest(tmp_path).success
    folder = tmp_path / "raw" / "met" / "recorded_crime"
    shutil.rmtree(folder)
    result = ingest(tmp_path)
    assert result.success, "a missing folder of one source must not stop the others"
    contract = {e.check_name: e for e in result.get_asset_check_evaluations()}["contract"]
    assert not contract.passed
    assert f"the landing folder {folder} does not exist" in contract.description
    assert "which keeps what it had" in contract.description


def test_a_source_that_never_landed_a_file_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()
    result = ingest(tmp_path)
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["contract"].passed
    assert not checks["fresh"].passed
    assert checks["fresh"].severity == dg.AssetCheckSeverity.WARN
    folder = tmp_path / "raw" / "met" / "recorded_crime"
    assert f"is not set up: its landing folder {folder} does not exist" in (
        checks["fresh"].description
    )


def test_an_unreadable_file_is_refused_by_name(tmp_path: Path) -> None:
    shutil.copytree(SAMPLE_RAW, tmp_path / "raw")
    folder = tmp_path / "raw" / "met" / "recorded_crime"
    (folder / "MPS_from_a_share.csv").symlink_to(tmp_path / "gone" / "MPS.csv")
    result = ingest(tmp_path)
    assert result.success
    contract = {e.check_name: e for e in result.get_asset_check_evaluations()}["contract"]
    assert not contract.passed
    assert "MPS_from_a_share.csv: file: cannot be read: No such file or directory" in (
        contract.description
    )
