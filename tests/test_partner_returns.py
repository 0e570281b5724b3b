"""The partner returns: the measure catalogue, the template, and the one validator that the
landing gate, `make validate` and these tests share.

Every return here is a real workbook: the template `make template` writes, opened with
openpyxl and filled in cell by cell as a provider would (the cells are named here, C9 and so
on, from the layout the template promises: the header at rows 2-4, the measures from row 6,
the quarter in column C and the year to date in D), then read back by the validator. Expected
messages are written out in full from the rules in the catalogue, and figures from the board's
papers.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from orchestration.landing.contract import ContractError
from orchestration.lib.config import DBT_PROJECT_DIR
from orchestration.lib.periods import FinancialQuarter, NotAQuarter
from orchestration.sources.partner_returns import SOURCES, provider_source
from orchestration.sources.partner_returns.catalogue import (
    CatalogueError,
    load_catalogue,
    parse_catalogue,
)
from orchestration.sources.partner_returns.seeds import differences, measures_seed_rows
from orchestration.sources.partner_returns.template import (
    return_sheet_as_csv,
    template_bytes,
    write_template,
)
from orchestration.sources.partner_returns.validate import (
    ReturnReport,
    agrees_within_rounding,
    load_history,
    validate_return,
)

CATALOGUE = load_catalogue()
Q4 = FinancialQuarter.parse("2022-23-Q4")
TODAY = dt.date(2026, 11, 27)
SENT = dt.date(2023, 4, 14)
# The MARAC's Q4 2022/23 from the April 2023 report, row by row from row 6 (referrals,
# children, families, repeats, repeat %), the quarter in C and the year to date in D.
MARAC_Q4 = {
    "C4": SENT,
    "C6": 145, "D6": 477,
    "C7": 111, "D7": 294,
    "C8": 64, "D8": 187,
    "C9": 35, "D9": 85,
    "C10": 0.24, "D10": 0.178,
}  # fmt: skip
# Invented people, to prove the validator finds them and never repeats them.
NAMES = ["Alice Merrow", "Bartholomew Quince", "Cordelia Fairweather", "Dmitri Ashgrove"]
BIRTHDAYS = [dt.date(1984, 3, 9), dt.date(1979, 11, 23), dt.date(1991, 6, 2), dt.date(1966, 1, 30)]


def template(tmp_path: Path, provider: str = "marac", quarter: FinancialQuarter = Q4) -> Path:
    return write_template(CATALOGUE.provider(provider), quarter, tmp_path / "templates")


def filled(
    tmp_path: Path,
    cells: dict[str, Any],
    provider: str = "marac",
    quarter: FinancialQuarter = Q4,
    name: str | None = None,
    folder: Path | None = None,
) -> Path:
    """The provider's template with `cells` typed in (sheet Return unless `Sheet!A1`)."""
    workbook = openpyxl.load_workbook(template(tmp_path, provider, quarter))
    for ref, value in cells.items():
        sheet, cell = ref.split("!") if "!" in ref else ("Return", ref)
        if sheet not in workbook.sheetnames:
            workbook.create_sheet(sheet)
        workbook[sheet][cell] = value
    folder = folder or tmp_path / "returns"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{provider}_{quarter.key}.xlsx")
    workbook.save(path)
    return path


def messages(report: ReturnReport, blocking: bool = True) -> list[str]:
    return [str(p) for p in (report.blocking if blocking else report.warnings)]


# --- The catalogue and the quarters ----------------------------------------------------------


def test_the_catalogue_declares_the_providers_the_board_reads() -> None:
    assert CATALOGUE.keys == (
        "marac", "solace", "rise", "one_stop_shop", "victim_care_hub", "supporting_families",
        "youth_justice", "exploitation", "prevent", "da_services", "police_da_pursue",
        "restorative_justice", "offender_management",
    )  # fmt: skip
    marac = CATALOGUE.provider("marac")
    assert [rule.text for rule in marac.rules][0] == "repeat_referrals <= referrals"
    assert marac.ratio_of("repeat_rate").denominator == "referrals"  # type: ignore[union-attr]
    claims = CATALOGUE.provider("supporting_families").measure("claims")
    assert claims.target("quarter", FinancialQuarter.parse("2021-22-Q1")) == 97
    # July 2021 pack, the Supporting Families table: 97 in Q1, then 91 in Q2, Q3 and Q4.
    assert claims.target("quarter", FinancialQuarter.parse("2021-22-Q2")) == 91
    assert claims.target("quarter", FinancialQuarter.parse("2021-22-Q4")) == 91
    assert claims.target("quarter", FinancialQuarter.parse("2022-23-Q2")) is None
    assert claims.target("year", FinancialQuarter.parse("2021-22-Q3")) == 370


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"rules": ["repeat_referrals <= referals"]}, "names referals, not a measure"),
        ({"rules": ["referrals = repeat_referrals / referrals"]}, "a percent computed"),
        ({"rules": ["referrals >= 3"]}, "expected 'a <= b'"),
    ],
    ids=["unknown measure", "percent of a count", "not a rule"],
)
def test_a_catalogue_that_contradicts_itself_is_refused_naming_the_entry(
    change: dict[str, Any], says: str
) -> None:
    provider = {
        "key": "marac",
        "title": "MARAC coordinator",
        "section": "MARAC",
        "measures": [
            {"key": k, "label": k, "unit": u, "direction": "neutral", "description": k}
            for k, u in (("referrals", "count"), ("repeat_referrals", "count"))
        ],
        **change,
    }
    with pytest.raises(CatalogueError, match=says):
        parse_catalogue({"delivery_day": 14, "providers": [provider]})


def test_financial_quarters_run_from_april_to_march() -> None:
    assert (Q4.period_start, Q4.period_end) == (dt.date(2023, 1, 1), dt.date(2023, 3, 31))
    assert (Q4.label, Q4.months, Q4.financial_year) == (
        "2022/23 Q4", "January to March 2023", "2022/23",
    )  # fmt: skip
    assert FinancialQuarter.parse("2021/22 q1").period_start == dt.date(2021, 4, 1)
    assert FinancialQuarter.containing(dt.date(2023, 3, 31)) == Q4
    assert FinancialQuarter.containing(dt.date(2023, 4, 1)) == FinancialQuarter(2023, 1)
    with pytest.raises(NotAQuarter, match="2022 is followed by 23, not 24"):
        FinancialQuarter.parse("2022-24-Q1")
    with pytest.raises(NotAQuarter, match="expected YYYY-YY-Qn"):
        FinancialQuarter.parse("2022-23-Q5")


# --- The template ------------------------------------------------------------------------------


def test_the_template_names_provider_and_quarter_and_locks_labels_and_keys(tmp_path: Path) -> None:
    path = template(tmp_path)
    assert path.name == "marac_2022-23-Q4.xlsx"
    workbook = openpyxl.load_workbook(path)
    # The Figures sheet holds the quarter's profile (percentages the April 2023 report prints).
    assert workbook.sheetnames == ["Return", "Figures", "Instructions"]
    ws = workbook["Return"]
    assert [ws[f"A{r}"].value for r in (2, 3, 4)] == ["Provider", "Quarter", "Submitted on"]
    assert (ws["C2"].value, ws["C3"].value, ws["C4"].value) == ("marac", "2022-23-Q4", None)
    keys = [ws[f"B{r}"].value for r in range(6, 11)]
    assert keys == [m.key for m in CATALOGUE.provider("marac").measures_for(Q4)]
    assert ws.protection.sheet
    assert ws["A9"].protection.locked and ws["B9"].protection.locked
    assert not ws["C9"].protection.locked and not ws["D9"].protection.locked
    assert not ws["C4"].protection.locked
    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert "INT(C9)" in validations["C9"].formula1 and '"n/a"' in validations["C9"].formula1
    assert "D10<=1" in validations["D10"].formula1  # a percentage, 0-100%
    assert validations["C4"].type == "date"
    assert ws["C10"].number_format == "0.0%"


def test_the_instructions_say_what_each_measure_means_and_warn_against_personal_data(
    tmp_path: Path,
) -> None:
    ws = openpyxl.load_workbook(template(tmp_path))["Instructions"]
    text = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert any("Never add names, dates of birth, NHS numbers" in t for t in text)
    marac = CATALOGUE.provider("marac")
    for measure in marac.measures:
        assert measure.description in text
    assert "repeat_referrals <= referrals; repeat_rate = repeat_referrals / referrals" in text


def test_the_same_provider_and_quarter_give_the_same_template_bytes() -> None:
    provider = CATALOGUE.provider("rise")
    assert template_bytes(provider, Q4) == template_bytes(provider, Q4)


# --- The validator: what passes ------------------------------------------------------------


def test_an_untouched_template_reports_the_missing_date_and_every_missing_measure(
    tmp_path: Path,
) -> None:
    report = validate_return(template(tmp_path), today=TODAY)
    assert messages(report) == [
        "Return!C4 submitted_on is missing: the day the return is sent, YYYY-MM-DD",
        "Return!C6 referrals is missing: enter the quarter's figure (Number of MARAC "
        "referrals), or n/a if it is not available",
        "Return!C7 children_in_household is missing: enter the quarter's figure (Number of "
        "children in the household), or n/a if it is not available",
        "Return!C8 families_with_children is missing: enter the quarter's figure (Number of "
        "families with children), or n/a if it is not available",
        "Return!C9 repeat_referrals is missing: enter the quarter's figure (Number of repeat "
        "MARAC referrals), or n/a if it is not available",
    ]


def test_a_template_filled_with_valid_figures_passes_and_reads_back_what_was_typed(
    tmp_path: Path,
) -> None:
    report = validate_return(filled(tmp_path, MARAC_Q4), today=TODAY)
    assert report.problems == []
    assert (report.provider.key, report.quarter, report.submitted_on) == ("marac", Q4, SENT)  # type: ignore[union-attr]
    read = {f.cell: f.typed for f in report.figures if f.sheet == "Return"}
    assert read == {
        "Return!C6": 145, "Return!D6": 477, "Return!C7": 111, "Return!D7": 294,
        "Return!C8": 64, "Return!D8": 187, "Return!C9": 35, "Return!D9": 85,
        "Return!C10": pytest.approx(24.0), "Return!D10": pytest.approx(17.8),
    }  # fmt: skip
    # The percentages published are the ones recomputed from their counts.
    assert report.value("repeat_rate") == pytest.approx(35 / 145 * 100)
    assert report.value("repeat_rate", "year_to_date") == pytest.approx(85 / 477 * 100)


def test_the_return_sheet_saved_as_csv_gives_the_same_figures(tmp_path: Path) -> None:
    xlsx = filled(tmp_path, MARAC_Q4)
    csv_path = xlsx.with_suffix(".csv")
    text = return_sheet_as_csv(openpyxl.load_workbook(xlsx))
    assert "Submitted on,submitted_on,2023-04-14," in text and ",24.0%,17.8%," in text
    csv_path.write_text(text, encoding="utf-8")
    from_xlsx, from_csv = validate_return(xlsx), validate_return(csv_path)
    assert from_csv.problems == [] and from_csv.submitted_on == SENT
    # The CSV is the Return sheet alone: the Figures sheet's rows are not given in it.
    assert [(f.cell, f.value) for f in from_csv.figures] == [
        (f.cell, pytest.approx(f.value)) for f in from_xlsx.figures if f.sheet == "Return"
    ]


def test_n_a_is_a_figure_not_available_and_a_year_only_return_publishes_its_year(
    tmp_path: Path,
) -> None:
    """The July 2021 pack gives the MARAC's 2020/21 only as a year: 50 / 477 = 10.5%."""
    cells = {"C4": dt.date(2021, 4, 14), "D6": 477, "D7": 403, "D8": 218, "D9": 50, "D10": 0.105}
    cells |= {f"C{r}": "n/a" for r in range(6, 10)}
    report = validate_return(filled(tmp_path, cells, quarter=FinancialQuarter(2020, 4)))
    assert report.problems == []
    assert report.figure("referrals").state == "not_available"  # type: ignore[union-attr]
    assert report.value("repeat_rate", "year_to_date") == pytest.approx(50 / 477 * 100)


# --- The validator: each blocking rule, with a real workbook -------------------------------


def test_repeat_referrals_above_referrals_are_refused_naming_the_cell_and_the_rule(
    tmp_path: Path,
) -> None:
    report = validate_return(filled(tmp_path, {**MARAC_Q4, "C6": 30}), today=TODAY)
    assert messages(report) == [
        "Return!C9 repeat_referrals = 35 exceeds referrals = 30 (rule repeat_referrals <= "
        "referrals)",
        "Return!C8 families_with_children = 64 exceeds referrals = 30 (rule "
        "families_with_children <= referrals)",
    ]


def test_parts_adding_up_to_more_than_their_total_are_refused(tmp_path: Path) -> None:
    cells = {"C4": SENT, "C6": 34, "C7": 27, "C8": 20, "C9": 16}
    cells |= {f"C{r}": 1 for r in range(10, 17)}
    report = validate_return(filled(tmp_path, cells, provider="victim_care_hub"))
    assert messages(report) == [
        "Return!C8 male + female = 36 (20 + 16) exceeds referrals = 34 (rule male + female <= "
        "referrals)"
    ]


def test_assessed_above_offered_is_refused_in_the_year_to_date_too(tmp_path: Path) -> None:
    cells = {"C4": SENT, "C6": 22, "C7": 22, "C8": 44, "C9": 36, "C10": 30, "C11": 35,
             "C12": 33, "D8": 44, "D9": 50}  # fmt: skip
    report = validate_return(filled(tmp_path, cells, provider="rise"))
    assert messages(report) == [
        "Return!D9 assessed = 50 exceeds offered = 44 in the year to date (rule assessed <= "
        "offered)"
    ]


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (-3, "Return!C7 children_in_household = -3: a count is a whole number of 0 or more, "
         "or n/a"),
        (2.5, "Return!C7 children_in_household = 2.5: a count is a whole number of 0 or more, "
         "or n/a"),
        ("about forty", "Return!C7 children_in_household: expected a whole number of 0 or more, "
         "or n/a, found text (not shown here)"),
    ],
    ids=["negative", "not whole", "text"],
)  # fmt: skip
def test_a_count_that_is_negative_not_whole_or_text_is_refused(
    tmp_path: Path, value: Any, says: str
) -> None:
    report = validate_return(filled(tmp_path, {**MARAC_Q4, "C7": value}))
    assert messages(report) == [says]


def test_a_percentage_above_100_is_refused(tmp_path: Path) -> None:
    report = validate_return(filled(tmp_path, {**MARAC_Q4, "C10": 24}))
    assert messages(report) == [
        "Return!C10 repeat_rate = 2,400%: expected a percentage from 0% to 100%, or n/a"
    ]


def test_a_missing_required_measure_is_refused_but_an_optional_percentage_may_be_blank(
    tmp_path: Path,
) -> None:
    report = validate_return(filled(tmp_path, {**MARAC_Q4, "C8": None, "D8": None, "C10": None}))
    assert messages(report) == [
        "Return!C8 families_with_children is missing: enter the quarter's figure (Number of "
        "families with children), or n/a if it is not available"
    ]
    # The blank percentage is computed from its counts.
    assert report.value("repeat_rate") == pytest.approx(35 / 145 * 100)


def test_a_return_in_another_providers_folder_is_refused(tmp_path: Path) -> None:
    path = filled(tmp_path, MARAC_Q4)
    report = validate_return(path, expected_provider="solace")
    assert messages(report) == [
        "Return!C2 provider 'marac' does not match the folder providers/solace/: a marac "
        "return belongs in providers/marac/"
    ]


def test_a_provider_the_catalogue_does_not_know_is_refused(tmp_path: Path) -> None:
    report = validate_return(filled(tmp_path, {**MARAC_Q4, "C2": "refuge_trust"}))
    assert messages(report) == [
        "Return!C2 provider 'refuge_trust' is not in the catalogue (it has marac, solace, "
        "rise, one_stop_shop, victim_care_hub, supporting_families, youth_justice, "
        "exploitation, prevent, da_services, police_da_pursue, restorative_justice, "
        "offender_management)"
    ]


def test_a_quarter_that_does_not_match_the_file_name_is_refused(tmp_path: Path) -> None:
    path = filled(tmp_path, {**MARAC_Q4, "C3": "2022-23-Q3"})
    # (Read as a Q3 return, the Q4 template's Figures sheet has no place in it either.)
    said = messages(validate_return(path))
    assert [m for m in said if m.startswith("Return!")] == [
        "Return!C3 the quarter 2022-23-Q3 does not match the file name marac_2022-23-Q4.xlsx "
        "(2022-23-Q4): which quarter is this return for?"
    ]


def test_a_quarter_cell_holding_free_text_is_refused_without_repeating_it(
    tmp_path: Path,
) -> None:
    path = filled(tmp_path, {**MARAC_Q4, "C3": "NW9 6XZ"}, name="marac.xlsx")
    assert messages(validate_return(path)) == [
        "Return!C3 the quarter: expected YYYY-YY-Qn, for example 2022-23-Q4, found a text not "
        "shown here"
    ]


def test_a_quarter_not_yet_ended_is_refused_naming_the_quarter_cell(tmp_path: Path) -> None:
    path = filled(tmp_path, MARAC_Q4)
    report = validate_return(path, today=dt.date(2023, 3, 20))
    assert messages(report)[0] == (
        "Return!C3 the quarter 2022/23 Q4 (January to March 2023) has not ended on 2023-03-20: "
        "a return holds only a finished quarter"
    )


@pytest.mark.parametrize(
    ("sent", "says"),
    [
        (None, "Return!C4 submitted_on is missing"),
        (dt.date(2023, 3, 1), "Return!C4 submitted_on 2023-03-01 is not after the quarter ended "
         "(2023-03-31)"),
        ("next Tuesday", "Return!C4 submitted_on is not a date"),
        (dt.date(2027, 1, 5), "Return!C4 submitted_on 2027-01-05 is after today (2026-11-27)"),
    ],
    ids=["missing", "before the quarter ended", "not a date", "in the future"],
)  # fmt: skip
def test_a_submission_date_that_cannot_be_right_is_refused(
    tmp_path: Path, sent: Any, says: str
) -> None:
    report = validate_return(filled(tmp_path, {**MARAC_Q4, "C4": sent}), today=TODAY)
    assert len(report.blocking) == 1 and str(report.blocking[0]).startswith(says)


def test_a_workbook_with_other_keys_was_not_made_from_the_template(tmp_path: Path) -> None:
    report = validate_return(filled(tmp_path, {**MARAC_Q4, "B8": "families"}))
    assert messages(report) == [
        "Return!B8 the key 'families' is not a measure of MARAC coordinator: the workbook was "
        "not made from this provider's template (its keys: referrals, children_in_household, "
        "families_with_children, repeat_referrals, repeat_rate)",
        "Return: the row for families_with_children (Number of families with children) is "
        "missing: the workbook was not made from this quarter's template; fill in a new one "
        "(make template)",
    ]


def test_a_workbook_of_its_own_making_is_refused(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["MARAC", "Q4", "referrals", 145])
    path = tmp_path / "marac_own.xlsx"
    workbook.save(path)
    assert messages(validate_return(path)) == [
        "file: the workbook has no sheet 'Return': it was not made from a return template "
        "(make template)"
    ]
    workbook.active.title = "Return"
    workbook.save(path)
    assert messages(validate_return(path)) == [
        "Return!B2 expected the key 'provider' here: the workbook was not made from a return "
        "template (or its rows were moved); fill in a new template (make template)"
    ]


def test_a_year_to_date_below_the_quarter_or_unlike_q1_is_refused(tmp_path: Path) -> None:
    report = validate_return(filled(tmp_path, {**MARAC_Q4, "D6": 140}))
    assert messages(report) == [
        "Return!D8 families_with_children = 187 exceeds referrals = 140 in the year to date "
        "(rule families_with_children <= referrals)",
        "Return!D6 referrals year to date = 140 is less than the quarter's 145 (rule year = "
        "sum of quarters)",
    ]
    q1 = FinancialQuarter(2022, 1)
    cells = {"C4": dt.date(2022, 7, 14), "C6": 87, "D6": 90, "C7": 51, "C8": 38, "C9": 9}
    assert messages(validate_return(filled(tmp_path, cells, quarter=q1))) == [
        "Return!D6 referrals year to date = 90 differs from the quarter's 87: in Q1 the year to "
        "date is the quarter (rule year = sum of quarters)"
    ]


def test_a_year_to_date_that_is_not_the_sum_of_the_quarters_landed_is_refused(
    tmp_path: Path,
) -> None:
    """With the MARAC's Q1-Q3 2022/23 returns in its folder: 87 + 123 + 122 + 145 = 477."""
    folder = tmp_path / "providers" / "marac"
    for quarter, figures, sent in (
        (1, (87, 51, 38, 9), dt.date(2022, 7, 14)),
        (2, (123, 64, 48, 22), dt.date(2022, 10, 14)),
        (3, (122, 68, 37, 19), dt.date(2023, 1, 14)),
    ):
        cells = {"C4": sent} | {f"C{r}": v for r, v in zip(range(6, 10), figures, strict=True)}
        filled(tmp_path, cells, quarter=FinancialQuarter(2022, quarter), folder=folder)
    good = filled(tmp_path, MARAC_Q4, folder=folder)
    history = load_history(folder, CATALOGUE.provider("marac"), exclude=good)
    assert len(history) == 3
    assert validate_return(good, history=history).blocking == []
    bad = filled(tmp_path, {**MARAC_Q4, "D6": 480}, folder=folder, name="marac_2022-23-Q4b.xlsx")
    assert messages(validate_return(bad, history=history)) == [
        "Return!D6 referrals year to date = 480, but the quarters of 2022/23 add up to 477 "
        "(Q1 87 + Q2 123 + Q3 122 + Q4 145) (rule year = sum of quarters)"
    ]


# --- Personal data: found, refused, never repeated -------------------------------------------


def test_a_column_of_names_and_one_of_dates_of_birth_are_refused_without_being_echoed(
    tmp_path: Path,
) -> None:
    cells: dict[str, Any] = {**MARAC_Q4, "G5": "Victim", "H5": "Born"}
    for row, (name, born) in enumerate(zip(NAMES, BIRTHDAYS, strict=True), start=6):
        cells[f"G{row}"], cells[f"H{row}"] = name, born
    report = validate_return(filled(tmp_path, cells))
    assert messages(report) == [
        "Return!H6:H9 4 cells look like dates of birth: a return carries aggregate figures "
        "only, so it is refused (UK GDPR); remove them and send the return again (their "
        "contents are not repeated here)",
        "Return!G6:G9 4 cells look like people's names: a return carries aggregate figures "
        "only, so it is refused (UK GDPR); remove them and send the return again (their "
        "contents are not repeated here)",
    ]
    said = " ".join(messages(report))
    for secret in [*NAMES, *(f"{d:%Y}" for d in BIRTHDAYS), *(f"{d:%d/%m}" for d in BIRTHDAYS)]:
        assert secret not in said


@pytest.mark.parametrize(
    ("cell", "value", "kind"),
    [
        ("Notes!A1", "ring the victim on 07700 900123", "a phone number"),
        ("Notes!A1", "follow up with j.doe@example.org", "an email address"),
        ("Notes!A1", "moved to NW9 6XZ last month", "a postcode"),
        ("Return!F9", "NHS 943 476 5919", "an NHS number"),
        ("Return!C7", 9434765919, None),
    ],
    ids=["phone", "email", "postcode", "nhs number", "nhs number in a figure cell"],
)
def test_a_phone_email_postcode_or_nhs_number_anywhere_is_refused_unrepeated(
    tmp_path: Path, cell: str, value: Any, kind: str | None
) -> None:
    report = validate_return(filled(tmp_path, {**MARAC_Q4, cell: value}))
    said = " ".join(messages(report))
    assert report.blocking, "personal data must block"
    if kind:
        assert f"a cell looks like {kind}" in said
    assert str(value) not in said and "900123" not in said and "5919" not in said


def test_a_capitalised_phrase_or_a_single_date_alone_is_not_taken_for_personal_data(
    tmp_path: Path,
) -> None:
    # C12: the notes cell. Text in a margin is refused (tests/test_return_text_cells.py).
    cells = {**MARAC_Q4, "C12": "Barnet Homes", "F7": dt.date(2023, 3, 31)}
    assert validate_return(filled(tmp_path, cells)).blocking == []


# --- Warnings: published, with a note --------------------------------------------------------


def test_a_typed_percentage_beyond_rounding_is_a_warning_and_the_recomputed_one_is_published(
    tmp_path: Path,
) -> None:
    """The April 2023 report prints the year's repeat rate as 17%; 85 / 477 is 17.8%."""
    report = validate_return(filled(tmp_path, {**MARAC_Q4, "D10": 0.17}))
    assert report.blocking == []
    assert messages(report, blocking=False) == [
        "Return!D10 repeat_rate year to date is typed as 17%, but repeat_referrals / referrals "
        "= 85 / 477 = 17.8%; 17.8% is published (rule repeat_rate = repeat_referrals / "
        "referrals)"
    ]
    figure = report.figure("repeat_rate", "year_to_date")
    assert figure.typed == pytest.approx(17) and figure.value == pytest.approx(8500 / 477)  # type: ignore[union-attr]
    assert figure.note == (  # type: ignore[union-attr]
        "Year to date: the return gives 17%; 85 / 477 = 17.8%, which is shown."
    )


@pytest.mark.parametrize(
    ("typed", "recomputed", "agrees"),
    [(24, 35 / 145 * 100, True), (17, 85 / 477 * 100, False), (17.8, 85 / 477 * 100, True),
     (18, 85 / 477 * 100, True), (10, 9 / 87 * 100, True), (10.5, 50 / 477 * 100, True),
     (10.4, 50 / 477 * 100, False)],
)  # fmt: skip
def test_a_typed_percentage_agrees_when_it_is_the_recomputed_one_rounded_to_its_places(
    typed: float, recomputed: float, agrees: bool
) -> None:
    assert agrees_within_rounding(typed, recomputed) is agrees


def test_a_figure_far_outside_the_providers_own_history_is_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "providers" / "one_stop_shop"
    quarter = FinancialQuarter(2021, 3)
    for referrals in (80, 95, 90, 85):  # 2021/22 Q3 to 2022/23 Q2
        sent = quarter.period_end + dt.timedelta(days=14)
        filled(tmp_path, {"C4": sent, "C6": referrals}, "one_stop_shop", quarter, folder=folder)
        quarter = quarter.next()
    path = filled(
        tmp_path,
        {"C4": dt.date(2023, 1, 14), "C6": 900},
        "one_stop_shop",
        FinancialQuarter(2022, 3),
        folder=folder,
    )
    report = validate_return(
        path, history=load_history(folder, CATALOGUE.provider("one_stop_shop"), exclude=path)
    )
    assert report.blocking == []
    assert messages(report, blocking=False) == [
        "Return!C6 referrals = 900 is far outside this provider's last 4 quarters (median "
        "87.5); please check the figure"
    ]


# --- Files that are not a workbook at all ----------------------------------------------------


def _zip_of(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "the file is empty, not an Excel workbook"),
        (b"<!DOCTYPE html><html><body>Session expired</body></html>", "an HTML page"),
        (b"provider,quarter\nmarac,2022-23-Q4\n", "a CSV saved with the .xlsx name"),
        (_zip_of("notes.txt", b"hello"), "not a readable Excel workbook"),
    ],
    ids=["empty", "html", "csv renamed", "a zip that is not a workbook"],
)
def test_a_file_that_is_not_a_workbook_is_refused_as_such(
    tmp_path: Path, data: bytes, says: str
) -> None:
    path = tmp_path / "marac_2022-23-Q4.xlsx"
    path.write_bytes(data)
    report = validate_return(path)
    assert [p.where for p in report.blocking] == ["file"]
    assert says in report.blocking[0].message


def test_a_truncated_workbook_is_refused_as_unreadable(tmp_path: Path) -> None:
    good = filled(tmp_path, MARAC_Q4)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    assert "not a readable Excel workbook" in validate_return(cut).blocking[0].message


# --- The landing parser: the validator's third caller -----------------------------------------


def test_the_landing_parser_refuses_a_return_naming_its_first_cell_and_every_problem(
    tmp_path: Path,
) -> None:
    source = next(s for s in SOURCES if s.key == "partner_marac")
    path = filled(tmp_path, {**MARAC_Q4, "C6": 30, "C7": -1})
    with pytest.raises(ContractError) as refused:
        source.parser.parse(path)
    assert refused.value.where == "Return!C7"
    assert refused.value.rule == (
        "children_in_household = -1: a count is a whole number of 0 or more, or n/a; "
        "Return!C9 repeat_referrals = 35 exceeds referrals = 30 (rule repeat_referrals <= "
        "referrals); Return!C8 families_with_children = 64 exceeds referrals = 30 (rule "
        "families_with_children <= referrals)"
    )


def test_the_landing_parser_gives_the_quarter_and_submission_date_as_the_release(
    tmp_path: Path,
) -> None:
    source = next(s for s in SOURCES if s.key == "partner_marac")
    parsed = source.parser.parse(filled(tmp_path, MARAC_Q4))
    release = parsed.release
    assert (release.label, release.first_period, release.released_on) == (
        "2022/23 Q4 (submitted 2023-04-14)", dt.date(2023, 1, 1), SENT,
    )  # fmt: skip
    assert (release.last_period_where, release.released_on_where) == ("Return!C3", "Return!C4")
    assert source.parser.peek(filled(tmp_path, MARAC_Q4)) == release
    rows = parsed.rows.set_index(["measure", "basis"])
    assert rows.loc[("repeat_rate", "year_to_date"), "typed_value"] == pytest.approx(17.8)
    assert rows.loc[("referrals", "quarter"), "cell"] == "Return!C6"


# --- Declared from the catalogue ---------------------------------------------------------------


def test_every_provider_is_a_quarterly_source_of_its_own_built_from_the_catalogue() -> None:
    assert [s.key for s in SOURCES] == [f"partner_{key}" for key in CATALOGUE.keys]
    assert {s.folder for s in SOURCES} == {f"providers/{key}" for key in CATALOGUE.keys}
    assert all(s.grain.value == "quarter" and s.file_types == (".xlsx", ".csv") for s in SOURCES)


def test_the_catalogue_seeds_match_the_catalogue() -> None:
    """`make setup` writes them; this catches a catalogue edited without it."""
    assert differences(CATALOGUE) == [], (
        "run .venv/bin/python -m orchestration.sources.partner_returns.seeds"
    )


def test_no_dbt_model_names_a_provider() -> None:
    """One hand-written chain reads every provider: no dbt file is per provider but the MARAC
    benchmark's own (models/*/partner_marac/)."""
    models = DBT_PROJECT_DIR / "models"
    for provider in CATALOGUE:
        named = [
            p.relative_to(models).as_posix()
            for p in models.rglob("*")
            if p.is_file() and provider.key in p.name and p.parent.name != "partner_marac"
        ]
        assert named == [], provider.key
    assert not (models / "partners").exists()


def test_a_provider_added_to_the_catalogue_gets_a_source_seed_rows_and_a_pack_section(
    tmp_path: Path,
) -> None:
    from orchestration.sources.partner_returns.pack import partner_section

    raw = {
        "delivery_day": 14,
        "licence": "test",
        "providers": [
            {
                "key": "refuge_trust",
                "title": "Refuge Trust",
                "section": "Refuges",
                "measures": [
                    {"key": "women", "label": "Women supported", "unit": "count",
                     "direction": "neutral", "description": "Women in the refuges."},
                    {"key": "children", "label": "Children supported", "unit": "count",
                     "direction": "neutral", "description": "Their children."},
                ],
                "rules": [],
            }
        ],
    }  # fmt: skip
    catalogue = parse_catalogue(raw)
    provider = catalogue.provider("refuge_trust")
    source = provider_source(provider, catalogue)
    assert (source.key, source.folder, source.dbt_staging) == (
        "partner_refuge_trust", "providers/refuge_trust", ("stg_partner_returns",),
    )  # fmt: skip
    seeded = [
        (r["provider"], r["measure"], r["period_kind"]) for r in measures_seed_rows(catalogue)
    ]
    assert seeded == [("refuge_trust", "women", "quarter"), ("refuge_trust", "children", "quarter")]
    section = partner_section(provider, 590)
    assert section.table == "rpt_partner_measures"
    assert section.where == ("provider = 'refuge_trust'",)
    path = write_template(provider, Q4, tmp_path)
    shutil.copy(path, tmp_path / "copy.xlsx")
    assert [str(p) for p in validate_return(path, catalogue=catalogue).blocking][1:] == [
        "Return!C6 women is missing: enter the quarter's figure (Women supported), or n/a if "
        "it is not available",
        "Return!C7 children is missing: enter the quarter's figure (Children supported), or "
        "n/a if it is not available",
    ]
