"""Partner returns that cannot be read as sent, or that replace an earlier return.

Each refusal says what to fix, in the same words from `make validate` (`validate_return`) and
from the landing gate (`sync_source` on the provider's source): a workbook protected by a
password, an Excel 97-2003 workbook, a return saved as CSV with semicolons, a formula error, a
formula whose value was never saved, percentages typed as fractions. A later return for the
same quarter is named with the one it replaces and the figures that changed, and the earlier
one is superseded. The Office files Excel saves and openpyxl cannot write are in
tests/fixtures/office/ (with the script that made them).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest

from orchestration.landing.load import Handover, sync_source
from orchestration.lib.sql import statement
from orchestration.publish.marts import PublicationUnit
from orchestration.sources.partner_returns import SOURCES
from orchestration.sources.partner_returns.template import return_sheet_as_csv
from orchestration.sources.partner_returns.validate import validate_return
from tests.test_partner_returns import MARAC_Q4, filled

OFFICE = Path(__file__).resolve().parent / "fixtures" / "office"
PUBLISH_SQL = Path(__file__).resolve().parents[1] / "orchestration" / "publish" / "publish.sql"
MARAC = next(source for source in SOURCES if source.key == "partner_marac")
TODAY = dt.date(2026, 11, 27)
NAME = "marac_2022-23-Q4.xlsx"


def _landed(tmp_path: Path, path: Path, name: str | None = None) -> Path:
    """Copies a return into the MARAC's landing folder under tmp_path/raw."""
    folder = MARAC.landing_folder(tmp_path / "raw")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name or path.name)
    shutil.copyfile(path, target)
    return target


def _gate(tmp_path: Path, con: duckdb.DuckDBPyConnection, name: str) -> tuple[str, str, str]:
    """(check, where, rule) of the gate's refusal of `name`."""
    report = sync_source(con, MARAC, tmp_path / "raw", today=TODAY)
    refused = {v.name: v for v in report.refused}
    assert list(refused) == [name], report.verdicts
    verdict = refused[name]
    return verdict.check, verdict.where, verdict.rule


@pytest.fixture
def con(tmp_path: Path) -> Any:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def _one_refusal(path: Path) -> tuple[str, str]:
    report = validate_return(path)
    assert len(report.blocking) == 1, [str(p) for p in report.blocking]
    return report.blocking[0].where, report.blocking[0].message


# --- Files Excel saves that cannot be read ---------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "says"),
    [
        (
            "return_with_password.xlsx",
            (
                "the workbook is protected by a password, so it cannot be read",
                "remove the password",
                "save it again",
            ),
        ),
        (
            "return_excel_97.xls",
            (
                "an Excel 97-2003 workbook (.xls), which cannot be read",
                "Save As 'Excel Workbook (.xlsx)'",
            ),
        ),
    ],
    ids=["password", "xls named .xlsx"],
)
def test_a_workbook_excel_cannot_hand_over_says_what_to_do_in_validate_and_at_the_gate(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, fixture: str, says: tuple[str, ...]
) -> None:
    landed = _landed(tmp_path, OFFICE / fixture, NAME)
    where, message = _one_refusal(landed)
    assert where == "file"
    for fragment in says:
        assert fragment in message
    assert "not a workbook" not in message and "template" not in message.split(":")[0]
    assert _gate(tmp_path, con, NAME) == ("contract", "file", message)


def test_an_xls_landed_as_xls_is_refused_by_its_type_saying_how_to_save_it(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    _landed(tmp_path, OFFICE / "return_excel_97.xls", "marac_2022-23-Q4.xls")
    check, where, rule = _gate(tmp_path, con, "marac_2022-23-Q4.xls")
    assert (check, where) == ("file type", "file")
    assert "the type .xls is not accepted" in rule
    assert rule.endswith("open it in Excel and Save As 'Excel Workbook (.xlsx)'")


def test_a_return_saved_as_csv_with_semicolons_is_refused_for_its_separator_not_the_template(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    text = return_sheet_as_csv(openpyxl.load_workbook(filled(tmp_path, MARAC_Q4)))
    rows = list(csv.reader(io.StringIO(text)))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    path = tmp_path / "semicolons" / "marac_2022-23-Q4.csv"
    path.parent.mkdir()
    path.write_text(buffer.getvalue(), encoding="utf-8")
    where, message = _one_refusal(path)
    assert where == "row 1"
    assert message.startswith("the fields are separated by semicolons; the contract is commas")
    assert "Save As 'CSV UTF-8 (Comma delimited)'" in message
    _landed(tmp_path, path)
    assert _gate(tmp_path, con, path.name) == ("contract", "row 1", message)


# --- Formulas ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "error", "meaning", "label"),
    [
        ("C6", "#REF!", "a reference to a cell that was deleted", "referrals"),
        ("D10", "#DIV/0!", "a division by zero", "repeat_rate year to date"),
        ("C7", "#N/A", "a lookup that found nothing", "children_in_household"),
    ],
    ids=["ref", "div0", "n/a error"],
)
def test_a_formula_error_is_named_by_its_cell_and_what_it_means(
    tmp_path: Path, cell: str, error: str, meaning: str, label: str
) -> None:
    path = filled(tmp_path, {**MARAC_Q4, cell: error})
    saved = openpyxl.load_workbook(path)["Return"][cell]
    assert saved.data_type == "e", "the test must hold a real error cell"
    where, message = _one_refusal(path)
    assert where == f"Return!{cell}"
    assert message == (
        f"{label}: the cell shows the formula error {error} ({meaning}): correct the formula, "
        "or type the figure, and save the return again"
    )


def test_a_formula_error_in_a_return_saved_as_csv_reads_the_same(tmp_path: Path) -> None:
    xlsx = filled(tmp_path, {**MARAC_Q4, "C6": "#REF!"})
    path = xlsx.with_suffix(".csv")
    path.write_text(return_sheet_as_csv(openpyxl.load_workbook(xlsx)), encoding="utf-8")
    assert "#REF!" in path.read_text()
    assert _one_refusal(path)[0] == "Return!C6"


def test_a_formula_whose_value_was_never_saved_is_named_not_taken_for_a_missing_figure(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    """openpyxl, like other tools that write workbooks, saves a formula without its value."""
    path = filled(tmp_path, {**MARAC_Q4, "C6": "=C7+34"})
    assert openpyxl.load_workbook(path, data_only=True)["Return"]["C6"].value is None
    where, message = _one_refusal(path)
    assert where == "Return!C6"
    assert message.startswith("holds a formula whose value was never saved")
    assert "open it in Excel and save it" in message
    assert "missing" not in message
    _landed(tmp_path, path)
    assert _gate(tmp_path, con, path.name) == ("contract", "Return!C6", message)


# --- Percentages typed as fractions ----------------------------------------------------------


def test_percentages_typed_as_fractions_into_percentage_cells_are_refused_at_the_first(
    tmp_path: Path,
) -> None:
    """A provider types 0.24 for 24% into a cell formatted as a percentage: Excel stores
    0.0024, the cell shows 0.24%. Both of the return's percentages are at most 1%."""
    path = filled(tmp_path, {**MARAC_Q4, "C10": 0.0024, "D10": 0.00178})
    where, message = _one_refusal(path)
    assert where == "Return!C10"
    assert message.startswith("repeat_rate = 0.24%, at most 1% (all of the return's 2 non-zero")
    assert "rule: one percentage scale per return, 0 to 100%" in message


def test_one_small_percentage_beside_a_larger_one_is_accepted(tmp_path: Path) -> None:
    """0.24 as a fraction is 24%; beside it 0.178 is 17.8%: one scale, nothing refused."""
    report = validate_return(filled(tmp_path, {**MARAC_Q4, "C10": 0.24, "D10": 0.178}))
    assert report.blocking == []


# --- A return replaced by a later one for the same quarter ----------------------------------


def test_a_later_return_for_the_quarter_is_named_with_the_figures_it_changed(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    first = _landed(tmp_path, filled(tmp_path, MARAC_Q4))
    assert sync_source(con, MARAC, tmp_path / "raw", today=TODAY).handovers == []
    corrected = {**MARAC_Q4, "C4": dt.date(2023, 4, 20), "C6": 150, "D6": 482}
    _landed(
        tmp_path,
        filled(tmp_path / "again", corrected, name="marac_2022-23-Q4_corrected.xlsx"),
    )
    report = sync_source(con, MARAC, tmp_path / "raw", today=TODAY)
    assert [v.name for v in report.loaded] == ["marac_2022-23-Q4_corrected.xlsx"]
    # The published repeat rate is recomputed from the counts: 35 / 145 and 35 / 150 in the
    # quarter, 85 / 477 and 85 / 482 in the year to date, rounded to two places.
    assert report.handovers == [
        Handover(
            "2022/23 Q4",
            first.name,
            "marac_2022-23-Q4_corrected.xlsx",
            (
                # Each figure by its measure, basis and period's last day (a return's other
                # figures are for other periods), then what changed: its value or status.
                "referrals quarter 2023-03-31 value 145 -> 150",
                "referrals year_to_date 2023-03-31 value 477 -> 482",
                f"repeat_rate quarter 2023-03-31 value {35 * 100 / 145:.2f} -> "
                f"{35 * 100 / 150:.2f}",
                f"repeat_rate year_to_date 2023-03-31 value {85 * 100 / 477:.2f} -> "
                f"{85 * 100 / 482:.2f}",
            ),
        )
    ]
    assert str(report.handovers[0]).startswith(
        "2022/23 Q4: marac_2022-23-Q4_corrected.xlsx replaces marac_2022-23-Q4.xlsx; changed: "
        "referrals quarter 2023-03-31 value 145 -> 150, "
    )
    superseded = statement(
        PUBLISH_SQL,
        "superseded_files",
        catalog="warehouse",
        table=MARAC.table,
        period=MARAC.period_column or "",
    )
    assert con.execute(superseded, [None]).fetchall() == [
        (first.name, "marac_2022-23-Q4_corrected.xlsx")
    ]
    # As of a day before the correction was sent, the first return is the one in use.
    assert con.execute(superseded, [dt.date(2023, 4, 15)]).fetchall() == []
    assert PublicationUnit("x", "x", (), period_column="period_start").period_column


def test_a_return_sent_again_under_its_own_name_is_named_as_its_earlier_version(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    _landed(tmp_path, filled(tmp_path, MARAC_Q4))
    sync_source(con, MARAC, tmp_path / "raw", today=TODAY)
    _landed(tmp_path, filled(tmp_path / "again", {**MARAC_Q4, "C7": 112}))
    report = sync_source(con, MARAC, tmp_path / "raw", today=TODAY)
    assert [str(h) for h in report.handovers] == [
        f"2022/23 Q4: {NAME} replaces the earlier version of {NAME}; changed: "
        "children_in_household quarter 2023-03-31 value 111 -> 112"
    ]


def test_an_identical_return_sent_again_changes_hands_with_no_figure_changed(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    _landed(tmp_path, filled(tmp_path, MARAC_Q4))
    sync_source(con, MARAC, tmp_path / "raw", today=TODAY)
    _landed(
        tmp_path,
        filled(tmp_path / "again", {**MARAC_Q4, "C4": dt.date(2023, 4, 21)}, name="resent.xlsx"),
    )
    report = sync_source(con, MARAC, tmp_path / "raw", today=TODAY)
    assert [str(h) for h in report.handovers] == [
        f"2022/23 Q4: resent.xlsx replaces {NAME} (the same figures)"
    ]
