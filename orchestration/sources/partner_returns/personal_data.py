"""Anything in a return that looks like personal data, found without repeating it.

Providers send aggregate figures only (UK GDPR: the partnership's returns carry no personal
data). A cell the template did not write, or a figure cell holding text, is looked at for what
identifies a person: a column of names, a column of dates (dates of birth), an NHS number, a
postcode, an email address, a phone number. A finding names the cells and what they look like,
never their contents.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE)
_DIGITS = re.compile(r"\d")
# A run of digits, spaces, dashes and brackets that may be a phone or NHS number.
_NUMBER_RUN = re.compile(r"\+?\(?\d[\d\s()-]{7,}\d")
_TEXT_DATE = re.compile(
    r"^\s*(?:\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)?\d{2}|(?:19|20)\d{2}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?:19|20)\d{2})"
    r"\s*$",
    re.IGNORECASE,
)
_NAME_WORD = r"[A-Z][a-z]+(?:[-'\u2019][A-Z]?[a-z]+)?"
_NAME = re.compile(
    rf"^(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+)?{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,3}}$"
    rf"|^{_NAME_WORD}(?:[-\s]{_NAME_WORD})?,\s*{_NAME_WORD}$"
)
_DOB_WORDS = re.compile(r"\b(?:date of birth|d\.?o\.?b\.?|born)\b", re.IGNORECASE)
_NAME_HEADING = re.compile(r"\b(?:name|surname|forename)s?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Looked:
    """A cell to look at: its place and value."""

    sheet: str
    row: int
    column: int
    value: object


@dataclass(frozen=True)
class Finding:
    """Cells that look like one kind of personal data, named by place only."""

    sheet: str
    cells: tuple[tuple[int, int], ...]
    kind: str


def nhs_number_checks(digits: str) -> bool:
    """The NHS number's modulus 11 check digit (NHS Data Dictionary)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _number_kinds(text: str) -> set[str]:
    kinds = set()
    for run in _NUMBER_RUN.findall(text):
        digits = "".join(_DIGITS.findall(run))
        if nhs_number_checks(digits):
            kinds.add("NHS numbers")
        elif (digits.startswith("0") and len(digits) in (10, 11)) or (
            digits.startswith("44") and run.lstrip().startswith("+") and len(digits) in (11, 12)
        ):
            kinds.add("phone numbers")
    return kinds


def _cell_kinds(value: object) -> set[str]:
    """What one cell on its own looks like (not names or dates: those need a column)."""
    if isinstance(value, bool):
        return set()
    if isinstance(value, int | float):
        if float(value).is_integer() and abs(value) >= 10**8:
            digits = str(int(abs(value)))
            if nhs_number_checks(digits):
                return {"NHS numbers"}
            return {"phone numbers"} if len(digits) in (9, 10) else {"long identifying numbers"}
        return set()
    if not isinstance(value, str):
        return set()
    kinds = set()
    if _EMAIL.search(value):
        kinds.add("email addresses")
    if _POSTCODE.search(value):
        kinds.add("postcodes")
    return kinds | _number_kinds(value)


def _is_date(value: object) -> bool:
    if isinstance(value, dt.date | dt.datetime):
        return True
    return isinstance(value, str) and bool(_TEXT_DATE.match(value))


def _is_name(value: object) -> bool:
    return isinstance(value, str) and bool(_NAME.match(value.strip()))


def find_personal_data(cells: Iterable[Looked]) -> list[Finding]:
    """Cells that look like personal data, grouped by sheet and kind.

    Names and dates count as personal data in a column: two or more cells of one column that
    look like a person's name (or a date), or one under a heading such as "Name" or "Date of
    birth". One date or one capitalised phrase on its own is left alone (a return may mention
    an office or a deadline); an email, a postcode, an NHS or a phone number is found alone.
    """
    cells = list(cells)
    found: dict[tuple[str, str], list[tuple[int, int]]] = {}

    def add(sheet: str, kind: str, row: int, column: int) -> None:
        places = found.setdefault((sheet, kind), [])
        if (row, column) not in places:
            places.append((row, column))

    for cell in cells:
        for kind in _cell_kinds(cell.value):
            add(cell.sheet, kind, cell.row, cell.column)
    columns: dict[tuple[str, int], list[Looked]] = {}
    for cell in cells:
        columns.setdefault((cell.sheet, cell.column), []).append(cell)
    for (sheet, _column), column_cells in columns.items():
        headed_name = any(
            isinstance(c.value, str) and _NAME_HEADING.search(c.value) for c in column_cells
        )
        headed_dob = any(
            isinstance(c.value, str) and _DOB_WORDS.search(c.value) for c in column_cells
        )
        names = [c for c in column_cells if _is_name(c.value)]
        dates = [c for c in column_cells if _is_date(c.value)]
        if len(names) >= 2 or (names and headed_name):
            for c in names:
                add(sheet, "people's names", c.row, c.column)
        if len(dates) >= 2 or (dates and headed_dob):
            for c in dates:
                add(sheet, "dates of birth", c.row, c.column)
    return [
        Finding(sheet, tuple(sorted(places)), kind)
        for (sheet, kind), places in sorted(found.items())
    ]
