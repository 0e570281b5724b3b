"""A bad file stops the refresh at the gate: earlier data and the published copy stay intact.

Each test drops one bad file next to the sample in the session's raw/, re-runs the monthly
refresh through Dagster, and takes the file away again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from tests.conftest import FIXTURES, REPORTING_MONTH, PipelineRun

pytestmark = pytest.mark.e2e

SLICE = FIXTURES / "mps" / "mps_2019_24_months_201909-202108_slice.csv"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def raw_table_dump(run: PipelineRun) -> list[tuple]:
    con = duckdb.connect(str(run.warehouse), read_only=True)
    try:
        return con.execute("select * from raw.met_recorded_crime order by all").fetchall()
    finally:
        con.close()


@contextmanager
def dropped(run: PipelineRun, name: str, text: str) -> Iterator[Path]:
    path = run.raw_dir / "met" / "recorded_crime" / name
    path.write_text(text, encoding="utf-8", newline="")
    try:
        yield path
    finally:
        path.unlink()


def rerun(run: PipelineRun):
    import dagster as dg

    job = run.definitions.resolve_job_def("monthly_refresh")
    with dg.DagsterInstance.get() as instance:
        return job.execute_in_process(
            instance=instance, partition_key=REPORTING_MONTH, raise_on_error=False
        )


def published_now(pipeline: PipelineRun) -> dict[str, str]:
    """Every published file and the SHA-256 of its bytes."""
    published_dir = pipeline.warehouse_dir / "published"
    return {
        str(path.relative_to(published_dir)): digest(path)
        for path in sorted(published_dir.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def published_before(pipeline: PipelineRun) -> dict[str, str]:
    return published_now(pipeline)


def test_a_file_that_breaks_the_contract_is_rejected_by_name_row_and_rule(
    pipeline: PipelineRun, published_before: dict[str, str]
) -> None:
    lines = SLICE.read_text(encoding="utf-8").splitlines()
    # Row 4 of the file gets a negative count in its last month.
    fields = lines[3].split(",")
    fields[-1] = "-3"
    lines[3] = ",".join(fields)
    before = raw_table_dump(pipeline)
    with dropped(pipeline, "MPS_bad_negative_count.csv", "\r\n".join(lines) + "\r\n"):
        result = rerun(pipeline)
    assert not result.success
    failures = [event for event in result.all_events if event.is_step_failure]
    assert [event.step_key for event in failures] == ["raw__met_recorded_crime"]
    message = failures[0].step_failure_data.user_failure_data.description
    assert "MPS_bad_negative_count.csv: row 4, column '202108'" in message
    assert "counts must be whole numbers >= 0" in message
    assert raw_table_dump(pipeline) == before
    assert published_now(pipeline) == published_before


def test_an_unknown_borough_fails_the_blocking_check_and_nothing_is_published(
    pipeline: PipelineRun, published_before: dict[str, str]
) -> None:
    text = SLICE.read_text(encoding="utf-8").replace(",Barnet,", ",Barnett,")
    with dropped(pipeline, "MPS_misspelt_borough_202108.csv", text):
        result = rerun(pipeline)
    assert not result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    contract = evaluations["recorded_crime_contract"]
    assert not contract.passed
    failures = contract.metadata["failures"].value
    assert "borough_key" in failures and "barnett" in failures
    assert "MPS_misspelt_borough_202108.csv" in failures
    # Barnet is missing from that file's months too.
    assert not evaluations["recorded_crime_every_borough_every_month"].passed
    # Blocking: dbt and publish never ran.
    materialized = {
        tuple(event.asset_key.path) for event in result.get_asset_materialization_events()
    }
    assert ("published", "marts") not in materialized
    assert not any(key[0] == "marts" for key in materialized)
    assert published_now(pipeline) == published_before


def test_after_the_bad_file_is_removed_the_refresh_publishes_again(
    pipeline: PipelineRun,
) -> None:
    result = rerun(pipeline)
    assert result.success
    con = duckdb.connect(str(pipeline.warehouse), read_only=True)
    try:
        files = con.execute("select distinct source_file from raw.met_recorded_crime").fetchall()
    finally:
        con.close()
    assert files == [("MPS_Borough_Level_Crime_Historical_201004-202201.csv",)]
