"""The same dashboard data as XLSX, and with Month_Year as DD/MM/YYYY, publishes identical marts.

One refresh (for 2024-01) in a warehouse of its own, from a copy of the session's raw/ in which
the other-crime release is saved as the Datastore's workbook (dates as Excel date cells, counts
as numbers) and the knife release writes Month_Year day first. Every published dashboard table
must equal the session's, row for row; only the file names the figures come from differ.
"""

from __future__ import annotations

import csv
import io
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest

from tests.conftest import PipelineRun, run_refresh, session_definitions

pytestmark = pytest.mark.e2e

OTHER = "MPS_MonthlyCrimeDashboard_OtherCrimeData_202108-202507_refresh2025-08.csv"
KNIFE = "M1045_MonthlyCrimeDashboard_KnifeCrimeData_202203-202602_refresh2026-03.csv"
TABLES = (
    "kpi_flagged_crime_overview",
    "kpi_hate_crime_periods",
    "rpt_knife_gun_crime",
    "rpt_domestic_abuse",
    "rpt_hate_crime",
)


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def save_as_workbook(source: Path, target: Path) -> None:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("MPS_MonthlyCrimeDashboard_Other")
    rows = read_rows(source)
    sheet.append(rows[0])
    for row in rows[1:]:
        sheet.append(
            [
                datetime.fromisoformat(row[0]),
                *[value or None for value in row[1:10]],
                int(row[10]),
                datetime.fromisoformat(row[11]),
            ]
        )
    workbook.save(target)


def day_first(path: Path) -> None:
    rows = read_rows(path)
    for row in rows[1:]:
        year, month, day = row[0].split("-")
        row[0] = f"{day}/{month}/{year}"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def formats_run(
    pipeline: PipelineRun, extended_dbt_project: Any, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Any, Path]:
    root = tmp_path_factory.mktemp("formats")
    raw_dir = root / "raw"
    shutil.copytree(pipeline.raw_dir, raw_dir)
    folder = raw_dir / "met" / "crime_dashboard"
    save_as_workbook(folder / OTHER, folder / OTHER.replace(".csv", ".xlsx"))
    (folder / OTHER).unlink()
    day_first(folder / KNIFE)
    warehouse_dir = root / "warehouse"
    with pytest.MonkeyPatch.context() as patcher:
        patcher.setenv("SCP_RAW_DIR", str(raw_dir))
        patcher.setenv("SCP_WAREHOUSE_DIR", str(warehouse_dir))
        result = run_refresh(session_definitions(extended_dbt_project), "2024-01")
    return result, warehouse_dir / "published" / "marts.duckdb"


def rows_of(database: Path, query: str) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def test_the_refresh_from_an_xlsx_and_a_day_first_csv_accepts_both_files(
    formats_run: tuple[Any, Path],
) -> None:
    result, database = formats_run
    assert result.success
    files = rows_of(
        database,
        "select file, release from meta_source_files where source = 'met_crime_dashboard' "
        "order by file",
    )
    assert files == [(KNIFE, "2026-03-18"), (OTHER.replace(".csv", ".xlsx"), "2025-08-21")]


@pytest.mark.parametrize("table", TABLES)
def test_the_same_data_as_xlsx_or_day_first_publishes_identical_marts(
    formats_run: tuple[Any, Path], pipeline: PipelineRun, table: str
) -> None:
    _, database = formats_run
    query = f"select * from {table} order by all"
    expected = rows_of(pipeline.published_db, query)
    assert len(expected) > 1000
    assert rows_of(database, query) == expected


def test_the_monthly_facts_differ_only_in_the_name_of_the_file_they_come_from(
    formats_run: tuple[Any, Path], pipeline: PipelineRun
) -> None:
    _, database = formats_run
    query = (
        "select * exclude (source_file), replace(source_file, '.xlsx', '.csv') "
        "from fct_crime_dashboard_monthly order by all"
    )
    assert rows_of(database, query) == rows_of(pipeline.published_db, query)
