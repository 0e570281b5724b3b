"""The same dashboard data as XLSX, and with Month_Year as DD/MM/YYYY, lands as identical rows.

The session's two dashboard releases are loaded through the gate twice, into two real DuckDB
files: once as published (CSV, ISO dates), once with the other-crime release saved as the
Datastore's workbook (dates as Excel date cells, counts as numbers) and the knife release's
Month_Year written day first. Every row must be the same but for the file it came from: the
marts are built from these rows alone, so identical rows publish identical marts (the session's
own run holds the marts to the figures).
"""

from __future__ import annotations

import csv
import io
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import openpyxl

from orchestration.landing.load import sync_source
from orchestration.sources.met_crime_dashboard import SOURCE
from tests.conftest import SAMPLE_RAW

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


TODAY = datetime(2026, 11, 27, tzinfo=UTC)
# Lineage that names the file; the rest of a row is what the file says.
LINEAGE = ("source_file", "source_sha256", "loaded_at", "source_row")


def land(raw_dir: Path, database: Path) -> tuple[list[tuple], list[tuple]]:
    """The verdicts' (file, status, release) and every row, loaded from `raw_dir`."""
    con = duckdb.connect(str(database))
    try:
        report = sync_source(con, SOURCE, raw_dir, today=TODAY.date(), loaded_at=TODAY)
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [SOURCE.key],
            ).fetchall()
            if name not in LINEAGE
        ]
        rows = con.execute(
            f"select {', '.join(columns)} from {SOURCE.table} order by all"
        ).fetchall()
    finally:
        con.close()
    verdicts = sorted(
        (v.name, v.status, v.release.label if v.release else "") for v in report.verdicts
    )
    return verdicts, rows


def test_the_same_releases_as_xlsx_and_day_first_land_as_the_same_rows(tmp_path: Path) -> None:
    originals = tmp_path / "originals"
    shutil.copytree(SAMPLE_RAW / "met" / "crime_dashboard", SOURCE.landing_folder(originals))
    variants = tmp_path / "variants"
    folder = SOURCE.landing_folder(variants)
    shutil.copytree(SAMPLE_RAW / "met" / "crime_dashboard", folder)
    save_as_workbook(folder / OTHER, folder / OTHER.replace(".csv", ".xlsx"))
    (folder / OTHER).unlink()
    day_first(folder / KNIFE)

    expected_verdicts, expected_rows = land(originals, tmp_path / "originals.duckdb")
    verdicts, rows = land(variants, tmp_path / "variants.duckdb")

    assert expected_verdicts == [
        (KNIFE, "loaded", "2026-03-18"),
        (OTHER, "loaded", "2025-08-21"),
    ]
    assert verdicts == [
        (KNIFE, "loaded", "2026-03-18"),
        (OTHER.replace(".csv", ".xlsx"), "loaded", "2025-08-21"),
    ]
    assert len(expected_rows) > 40_000
    assert rows == expected_rows
