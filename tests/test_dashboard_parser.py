"""The Met dashboard file's contract: its parser on the real sample and one-month slice, and
on variants of them written here (the older header, every accepted date form, XLSX).

What the parser must return is worked out from the files with the csv module, never from the
parser itself.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.landing.contract import ContractError
from orchestration.landing.load import sync_source
from orchestration.sources.met_crime_dashboard import SOURCE
from orchestration.sources.met_crime_dashboard.parser import MpsCrimeDashboardParser

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = PROJECT_ROOT / "raw" / "met" / "crime_dashboard"
OTHER = SAMPLE_DIR / "MPS_MonthlyCrimeDashboard_OtherCrimeData_202108-202507_refresh2025-08.csv"
KNIFE = SAMPLE_DIR / "M1045_MonthlyCrimeDashboard_KnifeCrimeData_202203-202602_refresh2026-03.csv"
SLICE = PROJECT_ROOT / "tests" / "fixtures" / "mps_dashboard" / "other_crime_2025-07_slice.csv"
TODAY = date(2026, 11, 27)
LOADED_AT = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
PARSER = MpsCrimeDashboardParser()


def records(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def write(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    return path


def with_dates(rows: list[list[str]], month_form: str, refresh_form: str = "%Y-%m-%d") -> list:
    out = [rows[0]]
    for row in rows[1:]:
        month = date.fromisoformat(row[0])
        refreshed = date.fromisoformat(row[11])
        out.append([month.strftime(month_form), *row[1:11], refreshed.strftime(refresh_form)])
    return out


def parsed_rows(path: Path) -> list[dict]:
    return PARSER.parse(path).rows.to_pylist()


def test_the_sample_files_parse_to_every_row_with_the_latest_refresh_as_release() -> None:
    for path in (OTHER, KNIFE):
        body = records(path)[1:]
        parsed = PARSER.parse(path)
        months = sorted({date.fromisoformat(r[0]) for r in body})
        refreshed = max(date.fromisoformat(r[11]) for r in body)
        assert parsed.rows.num_rows == len(body) == parsed.source_row_count
        assert (parsed.release.label, parsed.release.released_on) == (
            refreshed.isoformat(),
            refreshed,
        )
        assert (parsed.release.first_period, parsed.release.last_period) == (
            months[0],
            months[-1],
        )
        assert parsed.rows.column_names == ["source_row", *SOURCE.columns]
        assert sum(parsed.rows["measure_count"].to_pylist()) == sum(int(r[10]) for r in body)
    # The other-crime file holds two refresh dates; its release is the later.
    assert {r[11] for r in records(OTHER)[1:]} == {"2025-08-02", "2025-08-21"}
    assert PARSER.parse(OTHER).release.label == "2025-08-21"


def test_safer_neighbourhood_team_rows_and_the_mets_other_areas_are_parsed_and_kept() -> None:
    body = records(SLICE)[1:]
    rows = parsed_rows(SLICE)
    snt = [r for r in rows if r["area_type"] == "Safer Neighbourhood Teams"]
    assert len(snt) == sum(1 for r in body if r[1] == "Safer Neighbourhood Teams") > 300
    areas = {r["area_name"] for r in rows if r["area_type"] == "Borough"}
    assert {"Barnet", "Aviation Security (SO18) (Legacy Only)"} <= areas
    # Row numbers count the data records after the header (row 1).
    assert [r["source_row"] for r in rows] == list(range(2, len(body) + 2))
    assert rows[4]["measure_count"] == int(body[4][10])


def test_the_older_header_and_sanction_detections_load_like_the_current_ones(
    tmp_path: Path,
) -> None:
    rows = records(SLICE)
    older = [list(r) for r in rows]
    older[0][5:7] = ["Offence Group", "Offence Subgroup"]
    for row in older[1:]:
        if row[7] == "Positive Outcomes":
            row[7] = "Sanction Detections"
        if row[6] == "AntiSemitic":
            row[6] = "Anti-Semitic"
    parsed = PARSER.parse(write(tmp_path / "older.csv", older))
    assert parsed.details["layout"] == "offence_group"
    current = parsed_rows(SLICE)
    got = parsed.rows.to_pylist()
    assert [r["measure_count"] for r in got] == [r["measure_count"] for r in current]
    assert {r["measure"] for r in got} == {"Offences", "Sanction Detections"}


@pytest.mark.parametrize(
    "month_form", ["%Y-%m", "%Y-%m-%d", "%Y-%m-%d 00:00:00", "%d/%m/%Y", "%b-%y"]
)
def test_every_accepted_month_form_gives_the_same_rows(tmp_path: Path, month_form: str) -> None:
    path = write(tmp_path / "variant.csv", with_dates(records(SLICE), month_form))
    assert parsed_rows(path) == parsed_rows(SLICE)


@pytest.mark.parametrize("refresh_form", ["%Y-%m-%d %H:%M:%S", "%d/%m/%Y"])
def test_a_refresh_date_with_a_time_or_day_first_gives_the_same_rows(
    tmp_path: Path, refresh_form: str
) -> None:
    rows = with_dates(records(SLICE), "%Y-%m-%d", refresh_form)
    assert parsed_rows(write(tmp_path / "variant.csv", rows)) == parsed_rows(SLICE)


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        (0, "2025.07.01", "expected a month as YYYY-MM, YYYY-MM-DD"),
        (0, "July 2025", "expected a month as YYYY-MM, YYYY-MM-DD"),
        # A month-first date read day-first is the 7th: not a month.
        (0, "07/01/2025", "expected the first day of a month"),
        (11, "21st August 2025", "expected a date as YYYY-MM, YYYY-MM-DD"),
        (11, "2025-07-15", "is before the end of the month it counts"),
        (1, "Ward", "expected 'Borough' or 'Safer Neighbourhood Teams'"),
        (7, "Arrests", "expected 'Offences', 'Positive Outcomes', 'Sanction Detections'"),
        (6, "  ", "must not be empty"),
        (10, "12.5", "counts must be whole numbers >= 0"),
    ],
)
def test_a_value_that_breaks_its_rule_is_refused_naming_the_file_row_and_column(
    tmp_path: Path, column: int, value: str, rule: str
) -> None:
    rows = records(SLICE)
    rows[9][column] = value
    path = write(tmp_path / "broken.csv", rows)
    with pytest.raises(ContractError) as caught:
        PARSER.parse(path)
    assert caught.value.file == str(path)
    assert caught.value.where == f"row 10, column {rows[0][column]!r}"
    assert rule in caught.value.rule
    if value.strip():
        assert repr(value) in caught.value.rule


def test_a_row_of_the_wrong_width_is_named_by_its_row(tmp_path: Path) -> None:
    rows = records(SLICE)
    rows[20] = rows[20][:-2]
    with pytest.raises(ContractError) as caught:
        PARSER.parse(write(tmp_path / "short.csv", rows))
    assert caught.value.where == "row 21"
    assert "expected 12 fields like the header, found 10" in caught.value.rule


def write_xlsx(path: Path, rows: list[list[str]], count_as: type = int) -> Path:
    """The rows as the Datastore's workbook: dates as date cells, counts as numbers."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "MPS_MonthlyCrimeDashboard_Other"
    sheet.append(rows[0])
    for row in rows[1:]:
        sheet.append(
            [
                datetime.fromisoformat(row[0]),
                *[value or None for value in row[1:10]],
                count_as(row[10]),
                datetime.fromisoformat(row[11]),
            ]
        )
    workbook.save(path)
    return path


def test_the_same_rows_saved_as_xlsx_parse_to_identical_rows(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "slice.xlsx", records(SLICE))
    parsed = PARSER.parse(path)
    assert parsed.details == {"layout": "crime_type", "sheet": "MPS_MonthlyCrimeDashboard_Other"}
    assert parsed.rows.to_pylist() == parsed_rows(SLICE)
    assert parsed.release == PARSER.parse(SLICE).release


def test_an_xlsx_count_with_a_fraction_is_refused_naming_its_row(tmp_path: Path) -> None:
    rows = records(SLICE)
    path = write_xlsx(tmp_path / "fraction.xlsx", rows, count_as=float)
    workbook = openpyxl.load_workbook(path)
    workbook.active.cell(row=12, column=11, value=2.5)
    workbook.save(path)
    with pytest.raises(ContractError) as caught:
        PARSER.parse(path)
    assert caught.value.where == "row 12, column 'Count'"
    assert "whole numbers >= 0" in caught.value.rule and "'2.5'" in caught.value.rule


def test_a_file_saved_as_xlsx_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "not_a_workbook.xlsx"
    path.write_bytes(SLICE.read_bytes())
    with pytest.raises(ContractError) as caught:
        PARSER.parse(path)
    assert caught.value.where == "file"
    assert "cannot be read as an Excel workbook" in caught.value.rule


def test_peek_reads_the_release_from_the_dates() -> None:
    release = PARSER.peek(KNIFE)
    assert (release.label, release.first_period, release.last_period) == (
        "2026-03-18",
        date(2022, 3, 1),
        date(2026, 2, 1),
    )


def test_the_landing_loads_an_xlsx_and_a_day_first_csv_to_the_same_raw_rows(
    tmp_path: Path,
) -> None:
    """The loader level of 'the same data as XLSX, or with Month_Year as DD/MM/YYYY, publishes
    identical marts' (the marts are compared in test_dashboard_formats_e2e.py)."""
    rows = records(SLICE)
    tables = {}
    for name, make in (
        ("csv", lambda folder: write(folder / "slice.csv", rows)),
        ("xlsx", lambda folder: write_xlsx(folder / "slice.xlsx", rows)),
        ("ddmm", lambda folder: write(folder / "slice.csv", with_dates(rows, "%d/%m/%Y"))),
    ):
        raw_dir = tmp_path / name / "raw"
        folder = SOURCE.landing_folder(raw_dir)
        folder.mkdir(parents=True)
        make(folder)
        con = duckdb.connect(str(tmp_path / name / "warehouse.duckdb"))
        try:
            report = sync_source(con, SOURCE, raw_dir, today=TODAY, loaded_at=LOADED_AT)
            assert not report.refused, report.verdicts
            tables[name] = con.execute(
                f"select * exclude (source_file, source_sha256) from {SOURCE.table} order by all"
            ).fetchall()
        finally:
            con.close()
    assert len(tables["csv"]) == len(rows) - 1
    assert tables["xlsx"] == tables["csv"]
    assert tables["ddmm"] == tables["csv"]
