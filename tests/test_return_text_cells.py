"""The partner returns' text cells, and the personal-data screen on every text in a return.

A return holds figures. The catalogue declares the only cells that take text (`text_cells`: a
note for the partnership, the job title of who completed the return); the template writes them
after the measures, and the validator finds them by their key in column B. Text anywhere else,
on any sheet, is refused naming the cell; text that looks like personal data, anywhere, is
refused naming the cell and what it looks like, never repeating it.

Every return here is the template `make template` writes, filled in cell by cell as a provider
would. The MARAC's 2022/23 Q4 return has five measures (rows 6-10), a blank row, then the notes
in C12 and the job title in C13. The people and dates are invented.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from orchestration.lib.periods import FinancialQuarter
from orchestration.sources.partner_returns import SOURCES
from orchestration.sources.partner_returns.catalogue import (
    CatalogueError,
    load_catalogue,
    parse_catalogue,
)
from orchestration.sources.partner_returns.personal_data import (
    Looked,
    find_personal_data,
    first_names,
    ordinary_words,
)
from orchestration.sources.partner_returns.template import (
    EDITIONS,
    filled_bytes,
    filled_workbook,
    return_sheet_as_csv,
    template_cells,
    write_template,
)
from orchestration.sources.partner_returns.validate import ReturnReport, validate_return
from tests.conftest import SAMPLE_RAW
from tests.test_partner_returns import MARAC_Q4, SENT

CATALOGUE = load_catalogue()
MARAC = CATALOGUE.provider("marac")
Q4 = FinancialQuarter.parse("2022-23-Q4")
NOTES, ROLE = "C12", "C13"
PERSONAL = "UK GDPR); remove it and send the return again (its contents are not repeated here)"


def filled(tmp_path: Path, cells: dict[str, Any], name: str = "marac_2022-23-Q4.xlsx") -> Path:
    """The MARAC's Q4 template with its figures and `cells` typed in (sheet Return unless
    `Sheet!A1`; a sheet the template does not have is added)."""
    workbook = openpyxl.load_workbook(write_template(MARAC, Q4, tmp_path / "templates"))
    for ref, value in {**MARAC_Q4, **cells}.items():
        sheet, cell = ref.split("!") if "!" in ref else ("Return", ref)
        if sheet not in workbook.sheetnames:
            workbook.create_sheet(sheet)
        workbook[sheet][cell] = value
    folder = tmp_path / "returns"
    folder.mkdir(parents=True, exist_ok=True)
    workbook.save(folder / name)
    return folder / name


def messages(report: ReturnReport) -> list[str]:
    return [str(p) for p in report.blocking]


# What identifies the invented people: none of it may appear in a message.
SECRETS = ("alice", "merrow", "priya", "patel", "bartholomew", "quince", "1986", "14/03",
           "03/1986", "j.doe", "example.org", "07700", "900123", "943", "5919", "nw9", "6xz",
           "20230417", "barnet homes", "checked twice", "see the notes")  # fmt: skip


# Labels, not data: a message may say "a date of birth".
LABELS = ("Date of birth", "D.O.B.")


def assert_never_repeated(report: ReturnReport, values: list[Any]) -> None:
    said = " ".join(str(p) for p in report.problems).lower()
    for value in values:
        if value in LABELS:
            continue
        shown = f"{value:%Y-%m-%d}" if isinstance(value, dt.date) else str(value)
        assert shown.lower() not in said, f"{shown!r} repeated in {said!r}"
        for secret in SECRETS:
            if secret in shown.lower() or isinstance(value, dt.date) and secret == "1986":
                assert secret not in said, f"{secret!r} repeated in {said!r}"


# --- The template writes the text cells --------------------------------------------------------


def test_the_template_writes_the_text_cells_after_the_measures_and_a_blank_row(
    tmp_path: Path,
) -> None:
    workbook = openpyxl.load_workbook(write_template(MARAC, Q4, tmp_path))
    ws = workbook["Return"]
    assert [ws.cell(11, c).value for c in range(1, 6)] == [None] * 5
    assert [(ws[f"A{r}"].value, ws[f"B{r}"].value, ws[f"E{r}"].value) for r in (12, 13)] == [
        ("Notes for the partnership (no names or personal details)", "notes", "text"),
        ("Completed by: job title or team (not a name)", "completed_by_role", "text"),
    ]
    for cell in (NOTES, ROLE):
        assert ws[cell].value is None
        assert not ws[cell].protection.locked
        assert ws[cell].fill.fgColor.rgb == ws["C6"].fill.fgColor.rgb  # the yellow to fill
    assert ws["B12"].protection.locked and ws["A12"].protection.locked
    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    notes, role = validations[NOTES], validations[ROLE]
    assert (notes.type, notes.operator, notes.formula1) == ("textLength", "lessThanOrEqual", "1000")
    assert role.formula1 == "100"
    assert "No names (not even a first name) or personal details" in notes.prompt
    assert role.prompt.startswith("A job title or team, never a name.")
    instructions = [
        str(c.value) for row in workbook["Instructions"].iter_rows() for c in row if c.value
    ]
    assert any(
        "Text goes only in the yellow cells below the measures: C12 (notes)" in line
        and "C13 (completed_by_role), the job title or team" in line
        and "Text in any other cell, on any sheet, is refused" in line
        for line in instructions
    )
    assert "notes" in instructions and "completed_by_role" in instructions


def test_the_text_cells_follow_each_providers_own_measures(tmp_path: Path) -> None:
    """The Victim Care Hub has eleven measures (rows 6-16): its notes are in C18."""
    hub = CATALOGUE.provider("victim_care_hub")
    ws = openpyxl.load_workbook(write_template(hub, Q4, tmp_path))["Return"]
    assert (ws["B16"].value, ws["B17"].value, ws["B18"].value, ws["B19"].value) == (
        "support_onward_referral", None, "notes", "completed_by_role",
    )  # fmt: skip


def test_a_return_from_the_template_with_notes_filled_reads_back_and_passes(
    tmp_path: Path,
) -> None:
    figures = {"referrals": 145, "children_in_household": 111, "families_with_children": 64,
               "repeat_referrals": 35, "repeat_rate": 0.24}  # fmt: skip
    texts = {
        "notes": "Data from Barnet Homes and the Victim Care Hub; Q4 excludes cases transferred "
        "to Enfield in March.",
        "completed_by_role": "MARAC Coordinator",
    }
    workbook = filled_workbook(MARAC, Q4, SENT, figures, texts=texts)
    path = tmp_path / "marac_2022-23-Q4.xlsx"
    path.write_bytes(filled_bytes(workbook, MARAC, Q4))
    ws = openpyxl.load_workbook(path)["Return"]
    assert (ws[NOTES].value, ws[ROLE].value) == (texts["notes"], texts["completed_by_role"])
    report = validate_return(path)
    assert report.problems == []
    assert report.value("referrals") == 145


# --- The Return sheet saved as CSV -------------------------------------------------------------


def test_the_return_sheet_saved_as_csv_keeps_its_text_cells_and_their_screen(
    tmp_path: Path,
) -> None:
    good = filled(tmp_path, {NOTES: "Figures for Q4, rated amber by the board",
                             ROLE: "Data and Performance Officer"})  # fmt: skip
    text = return_sheet_as_csv(openpyxl.load_workbook(good))
    assert ',notes,"Figures for Q4, rated amber by the board",,text\r\n' in text
    csv_path = good.with_suffix(".csv")
    csv_path.write_text(text, encoding="utf-8")
    assert validate_return(csv_path).problems == []

    bad = filled(tmp_path, {NOTES: "Spoke to alice merrow", "F6": "see the notes"}, "bad.xlsx")
    csv_path = tmp_path / "marac_2022-23-Q4.csv"
    csv_path.write_text(return_sheet_as_csv(openpyxl.load_workbook(bad)), encoding="utf-8")
    report = validate_return(csv_path)
    assert [p.where for p in report.blocking] == ["Return!C12", "Return!F6"]
    assert "a person's name" in report.blocking[0].message
    assert "text in a cell the template has no place for" in report.blocking[1].message
    assert_never_repeated(report, ["alice merrow", "see the notes"])


# --- Personal data: refused naming the cell and the kind, never repeated ------------------------


@pytest.mark.parametrize(
    ("cells", "where", "kind"),
    [
        ({"F6": "Alice Merrow"}, "Return!F6", "a person's name"),
        ({"F6": "alice merrow"}, "Return!F6", "a person's name"),
        ({"F6": "MERROW, Alice"}, "Return!F6", "a person's name"),
        ({"F6": "Mrs Merrow"}, "Return!F6", "a person's name"),
        ({NOTES: "Alice J. Merrow rang about the figures"}, "Return!C12", "a person's name"),
        ({"F6": "Date of birth", "G6": dt.date(1986, 3, 14)}, "Return!G6", "a date of birth"),
        ({"F6": "D.O.B.", "F7": "14/03/1986"}, "Return!F7", "a date of birth"),
        ({"F6": "DOB 14/03/1986"}, "Return!F6", "a date of birth"),
        ({NOTES: "born 3rd March 1986"}, "Return!C12", "a date of birth"),
        ({NOTES: "her birthday is March 3rd, 1986"}, "Return!C12", "a date of birth"),
        ({NOTES: "known to the service since 14 March 1986"}, "Return!C12", "a date of birth"),
        ({NOTES: "follow up with j.doe@example.org"}, "Return!C12", "an email address"),
        ({NOTES: "ring the victim on 07700 900123"}, "Return!C12", "a phone number"),
        ({NOTES: "NHS 943 476 5919"}, "Return!C12", "an NHS number"),
        ({NOTES: "moved to NW9 6XZ last month"}, "Return!C12", "a postcode"),
        ({NOTES: "case reference 20230417"}, "Return!C12", "a long identifying number"),
        ({ROLE: "Alice"}, "Return!C13", "a person's name"),
        ({ROLE: "Priya Patel, analyst"}, "Return!C13", "a person's name"),
        ({"Victims!A1": "Alice Merrow"}, "Victims!A1", "a person's name"),
        ({"Instructions!H3": "Bartholomew Quince"}, "Instructions!H3", "a person's name"),
    ],
    ids=[
        "full name in a free cell", "lower-case name", "surname first", "title and surname",
        "name in the notes", "date of birth label beside a date", "dob label above a date",
        "dob and a date in one cell", "born and a date in the notes", "birthday in the notes",
        "a date over 10 years before the quarter in the notes", "email in the notes",
        "phone in the notes", "nhs number in the notes", "postcode in the notes",
        "long number in the notes", "first name in the role cell", "full name in the role cell",
        "name on an added sheet", "name on the instructions sheet",
    ],
)  # fmt: skip
def test_personal_data_is_refused_naming_the_cell_and_the_kind_never_the_data(
    tmp_path: Path, cells: dict[str, Any], where: str, kind: str
) -> None:
    report = validate_return(filled(tmp_path, cells))
    assert [p.where for p in report.blocking] == [where], messages(report)
    message = report.blocking[0].message
    assert f"looks like {kind}" in message or f"looks like it holds {kind}" in message
    assert "(UK GDPR)" in message
    assert_never_repeated(report, list(cells.values()))


def test_the_messages_say_where_and_what_in_full(tmp_path: Path) -> None:
    report = validate_return(
        filled(
            tmp_path,
            {
                "F6": "Alice Merrow",
                "F8": "Date of birth",
                "G8": dt.date(1986, 3, 14),
                NOTES: "Alice Merrow, DOB 14/03/1986",
                ROLE: "alice",
            },
        )
    )
    assert messages(report) == [
        "Return!F6 a cell looks like a person's name: a return carries aggregate figures only, "
        f"so it is refused ({PERSONAL}",
        "Return!G8 a cell looks like a date of birth (labelled in Return!F8): a return carries "
        f"aggregate figures only, so it is refused ({PERSONAL}",
        "Return!C12 (notes) looks like it holds a date of birth and a person's name: a note is "
        "about the figures, never about a person, so the return is refused (UK GDPR); write it "
        "again without it and send the return again (its contents are not repeated here)",
        "Return!C13 (completed_by_role) looks like it holds a person's name: it takes a job "
        "title or team, never a name, so the return is refused (UK GDPR); write it again "
        "without it and send the return again (its contents are not repeated here)",
    ]


def test_the_landing_parser_refuses_a_name_in_the_notes_at_its_cell(tmp_path: Path) -> None:
    from orchestration.landing.contract import ContractError

    source = next(s for s in SOURCES if s.key == "partner_marac")
    with pytest.raises(ContractError) as refused:
        source.parser.parse(filled(tmp_path, {NOTES: "Alice Merrow called"}))
    assert refused.value.where == "Return!C12"
    assert "alice" not in refused.value.rule.lower() and "merrow" not in refused.value.rule.lower()


# --- Any other text is refused ----------------------------------------------------------------


def test_text_in_a_margin_is_refused_as_text_outside_the_template(tmp_path: Path) -> None:
    report = validate_return(filled(tmp_path, {"F6": "Barnet Homes"}))
    assert messages(report) == [
        "Return!F6 text in a cell the template has no place for: a return holds figures, and "
        "notes go in Return!C12 (notes); remove it and send the return again (the text is not "
        "repeated here)"
    ]
    assert_never_repeated(report, ["Barnet Homes"])


@pytest.mark.parametrize(
    "cell",
    ["Notes!A1", "Instructions!H2", "Return!C11", "Return!D12", "Return!A20", "Return!F1"],
    ids=["added sheet", "instructions sheet", "the blank row", "beside the notes",
         "below the return", "beside the title"],
)  # fmt: skip
def test_text_anywhere_else_on_any_sheet_is_refused_naming_the_cell(
    tmp_path: Path, cell: str
) -> None:
    report = validate_return(filled(tmp_path, {cell: "Figures checked twice"}))
    assert [p.where for p in report.blocking] == [cell]
    assert report.blocking[0].message.startswith("text in a cell the template has no place for")
    assert "personal" not in report.blocking[0].message  # not taken for personal data
    assert_never_repeated(report, ["Figures checked twice"])


def test_a_return_from_the_earlier_template_is_told_where_notes_go(tmp_path: Path) -> None:
    """The sample returns were made before the text cells: they still pass, and text in one
    points to a new template."""
    for path in sorted((SAMPLE_RAW / "providers").rglob("*.*")):
        assert validate_return(path).blocking == [], path.name
    original = SAMPLE_RAW / "providers" / "marac" / "marac_2022-23-Q1.xlsx"
    workbook = openpyxl.load_workbook(original)
    assert workbook["Return"]["B12"].value is None  # no text cells
    workbook["Return"]["F6"] = "Barnet Homes"
    path = tmp_path / original.name
    workbook.save(path)
    assert messages(validate_return(path)) == [
        "Return!F6 text in a cell the template has no place for: a return holds figures, and "
        "notes go in the notes cell of a new template (make template); remove it and send the "
        "return again (the text is not repeated here)"
    ]


def test_numbers_and_dates_outside_the_template_keep_their_rules(tmp_path: Path) -> None:
    """A small number or a lone date in a margin is left alone; an identifier is not."""
    assert validate_return(filled(tmp_path, {"F6": 12, "F8": dt.date(2023, 3, 31)})).blocking == []
    report = validate_return(filled(tmp_path, {"F6": 12345678901}))
    assert [(p.where, "a long identifying number" in p.message) for p in report.blocking] == [
        ("Return!F6", True)
    ]
    dates = {"H6": dt.date(1984, 3, 9), "H7": dt.date(1979, 11, 23)}
    report = validate_return(filled(tmp_path, dates))
    assert [p.where for p in report.blocking] == ["Return!H6:H7"]
    assert "2 cells look like dates of birth" in report.blocking[0].message


def test_a_text_cell_too_long_is_refused_without_repeating_it(tmp_path: Path) -> None:
    note = "Figures revised. " * 60  # 1,020 characters
    report = validate_return(filled(tmp_path, {NOTES: note, ROLE: "Officer " * 13}))
    assert messages(report) == [
        "Return!C12 (notes) is 1,019 characters long, more than the 1,000 it may hold: shorten "
        "it and send the return again (the text is not repeated here)",
        "Return!C13 (completed_by_role) is 103 characters long, more than the 100 it may hold: "
        "shorten it and send the return again (the text is not repeated here)",
    ]


# --- Real notes and job titles pass ------------------------------------------------------------


@pytest.mark.parametrize(
    "note",
    [
        "Figures for Q4 exclude cases transferred to Enfield in March; rated amber by the board",
        "Data from Barnet Homes and the Victim Care Hub",
        "Will send the year-end figures by 14 May 2023",
        "Barnet Homes",
        "Repeat referrals are counted over 12 months, as SafeLives defines them since April 2021.",
        "Sarah confirmed the figures with the MARAC chair on 12 April 2023.",
        "Outreach at Victoria Station and Alexandra Palace resumed in February.",
        "Two cases moved to the Elizabeth line team; counts include Brent Cross.",
        "Q4 3rd quarter in a row above target; see the board paper of 31/03/2023.",
        "Ahmed's team covered the IDVA service for two weeks (one advisor on leave).",
        "Counts use the DASH risk checklist (2009 version) and MS Teams meetings.",
        "Regards, Jo",
        "Grace period agreed with MOPAC: the figures may change by June.",
    ],
)
def test_a_note_about_the_figures_passes(tmp_path: Path, note: str) -> None:
    report = validate_return(filled(tmp_path, {NOTES: note, "F8": dt.date(2023, 3, 31)}))
    assert report.blocking == [], messages(report)


@pytest.mark.parametrize(
    "role",
    [
        "MARAC Coordinator",
        "Data and Performance Officer",
        "Head of Community Safety",
        "IDVA Service Manager",
        "Senior Analyst, Performance Team",
        "Victim Care Hub Lead",
        "Dean of Students",
    ],
)
def test_a_job_title_passes(tmp_path: Path, role: str) -> None:
    report = validate_return(filled(tmp_path, {ROLE: role}))
    assert report.blocking == [], messages(report)


# --- The catalogue and the word lists ---------------------------------------------------------


def _catalogue_with(text_cells: list[dict[str, Any]]) -> dict[str, Any]:
    provider = {
        "key": "marac",
        "title": "MARAC coordinator",
        "section": "MARAC",
        "measures": [{"key": "referrals", "label": "Referrals", "unit": "count",
                      "direction": "neutral", "description": "Referrals."}],
    }  # fmt: skip
    return {"delivery_day": 14, "providers": [provider], "text_cells": text_cells}


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ({"key": "referrals"}, "text cell referrals: the key is also a measure of provider marac"),
        ({"max_length": 0}, "text cell notes: max_length 0; expected a number of characters"),
        ({"holds": "name"}, "text cell notes: holds 'name'; expected one of note, job_title"),
        ({"label": ""}, "text cell notes: label must not be empty"),
    ],
    ids=["clashes with a measure", "no length", "holds what", "no label"],
)
def test_a_text_cell_the_catalogue_cannot_hold_is_refused_naming_the_entry(
    entry: dict[str, Any], says: str
) -> None:
    cell = {"key": "notes", "label": "Notes", "description": "Notes.", "max_length": 500, **entry}
    with pytest.raises(CatalogueError, match=re.escape(says)):
        parse_catalogue(_catalogue_with([cell]))


def test_the_catalogue_gives_every_provider_its_text_cells() -> None:
    assert [t.key for t in CATALOGUE.text_cells] == ["notes", "completed_by_role"]
    assert all(p.text_cells == CATALOGUE.text_cells for p in CATALOGUE)
    assert [(t.holds, t.max_length) for t in CATALOGUE.text_cells] == [
        ("note", 1000), ("job_title", 100),
    ]  # fmt: skip


def test_the_first_names_leave_out_words_a_note_uses() -> None:
    names = first_names()
    assert 500 <= len(names) <= 1300
    assert {"alice", "mohammed", "priya", "kwame", "siobhan", "piotr", "fatima"} <= names
    for word in ("may", "june", "april", "august", "will", "mark", "grace", "hope", "faith",
                 "joy", "amber", "rose", "bill", "dawn", "summer", "ray", "pat", "sue", "art",
                 "victor", "frank", "rob", "sandy", "jean", "hunter", "holly", "dean"):  # fmt: skip
        assert word not in names
    assert not names & ordinary_words()
    assert {"smith", "green", "king", "wood"}.isdisjoint(ordinary_words())  # surnames stay names


def test_nothing_the_template_writes_looks_like_personal_data() -> None:
    """Every edition's labels and instructions, for every provider: screened as free text (as
    when the provider cannot be read), none is taken for personal data."""
    for provider in CATALOGUE:
        for quarter in (FinancialQuarter(2020, 4), Q4, FinancialQuarter(2023, 3)):
            for edition in EDITIONS:
                cells = template_cells(provider, quarter, edition)
                looked = [Looked(c.sheet, c.row, c.column, c.value) for c in cells]
                assert find_personal_data(looked, quarter.period_end) == []


def test_a_first_name_typed_as_a_key_is_not_repeated_in_the_message(tmp_path: Path) -> None:
    """A key cell is repeated when it looks like a key, but never when it is a first name."""
    report = validate_return(filled(tmp_path, {**MARAC_Q4, "B7": "alice"}))
    said = " ".join(str(p) for p in report.blocking)
    assert "Return!B7 the key a text that is not shown here is not a measure" in said
    assert "alice" not in said.lower()
