"""Anything in a return that looks like personal data, found without repeating it.

Providers send aggregate figures only (UK GDPR: the partnership's returns carry no personal
data). Every cell the template did not write, a figure cell holding text, and the return's text
cells (a note, a job title) are looked at for what identifies a person:

- a person's name: a first name (`first_names.txt`, in any case) followed by a word that looks
  like a surname, that is, not an ordinary word (`ordinary_words.txt`): "Alice Merrow", "alice
  merrow", "MERROW, Alice"; a title and a surname ("Mrs Merrow"); a first name alone in a
  job-title cell; and, as before, a column of capitalised names or one under a "Name" heading;
- a date of birth: a date in the same cell as "DOB", "D.O.B.", "date of birth", "born",
  "birthday" (or "b." just before it); a date beside (the next column) or below a cell that
  says so; a column of dates, or one under such a heading; a full date in a note more than
  10 years before the return's quarter ended;
- an NHS number (its check digit), a phone number, an email address, a postcode, a long
  identifying number (8 digits or more in a text, 9 or more in a number cell).

A finding names the cells and what they look like, never their contents. One date on its own,
or one capitalised phrase ("Barnet Homes"), is not personal data: a note may name an office or a
deadline.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FIRST_NAMES_PATH = Path(__file__).with_name("first_names.txt")
ORDINARY_WORDS_PATH = Path(__file__).with_name("ordinary_words.txt")
# The kinds of personal data, as a finding names them.
NAMES = "people's names"
DATES_OF_BIRTH = "dates of birth"
NHS_NUMBERS = "NHS numbers"
PHONE_NUMBERS = "phone numbers"
EMAILS = "email addresses"
POSTCODES = "postcodes"
LONG_NUMBERS = "long identifying numbers"
# What a cell holds: `free` (a cell the template has no text for), or one of the catalogue's
# text cells (`note`, `job_title`).
FREE = "free"
JOB_TITLE = "job_title"
# A full date in a note this many years before the quarter ended is taken for a date of birth.
BIRTH_YEARS = 10
# Titles before a surname ("Mrs Merrow", "Dr. Patel"); those that are also words count only
# with a capital ("Miss Merrow", not "did not miss Enfield").
TITLES = frozenset(("mr", "mrs", "ms", "mx", "dr", "revd"))
WORD_TITLES = frozenset(("miss", "sir", "dame", "prof", "rev"))

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A UK postcode: the area never starts with Q, V or X, its second letter is never I, J or Z
# ("Q4 3rd" is a quarter, not a postcode).
_POSTCODE = re.compile(
    r"\b[A-PR-UWYZ][A-HK-Y]?[0-9][A-Z0-9]?\s*[0-9]([ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE
)
_ORDINALS = ("st", "nd", "rd", "th")
_DIGITS = re.compile(r"\d")
# A run of digits, spaces, dashes and brackets that may be a phone or NHS number.
_NUMBER_RUN = re.compile(r"\+?\(?\d[\d\s()-]{7,}\d")
_LONG_RUN = re.compile(r"(?<!\d)\d{8,}(?!\d)")
_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORDINAL = r"(?:st|nd|rd|th)?"
# A date written in a text: 14/03/1986, 14-3-86, 1986-03-14, 14 March 1986, 3rd of March
# 1986, March 3rd, 1986.
_DATE_BODY = (
    rf"(?:(?P<d1>\d{{1,2}})[/.-](?P<m1>\d{{1,2}})[/.-](?P<y1>\d{{4}}|\d{{2}})"
    rf"|(?P<y2>(?:19|20)\d{{2}})-(?P<m2>\d{{1,2}})-(?P<d2>\d{{1,2}})"
    rf"|(?P<d3>\d{{1,2}}){_ORDINAL}(?:\s+of)?\s+(?P<m3>{_MONTH})\.?,?\s+(?P<y3>\d{{4}}|'?\d{{2}})"
    rf"|(?P<m4>{_MONTH})\.?\s+(?P<d4>\d{{1,2}}){_ORDINAL},?\s+(?P<y4>\d{{4}}))"
)
_DATE = re.compile(rf"(?<![\d/.-]){_DATE_BODY}(?![\d/.-]\d)", re.IGNORECASE)
_DOB_WORDS = re.compile(
    r"\b(?:dates?\s+of\s+birth|birth\s*dates?|birthdays?|born|d\.?o\.?b\b\.?)", re.IGNORECASE
)
_DOB_YEAR = re.compile(rf"{_DOB_WORDS.pattern}\W{{0,3}}(?:in\s+)?(?:19|20)\d{{2}}\b", re.IGNORECASE)
_B_DOT_DATE = re.compile(rf"\bb\.\s*{_DATE_BODY}", re.IGNORECASE)
_NAME_WORD = r"[A-Z][a-z]+(?:[-'\u2019][A-Z]?[a-z]+)?"
_NAME = re.compile(
    rf"^(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+)?{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,3}}$"
    rf"|^{_NAME_WORD}(?:[-\s]{_NAME_WORD})?,\s*{_NAME_WORD}$"
)
_NAME_HEADING = re.compile(r"\b(?:name|surname|forename)s?\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
_BETWEEN_WORDS = re.compile(r"\s+")
_INITIAL_GAP = re.compile(r"\.?\s+")
_COMMA = re.compile(r"\s*,\s*")


@dataclass(frozen=True)
class Looked:
    """A cell to look at: its place, value, and what it holds (`free`, `note`, `job_title`)."""

    sheet: str
    row: int
    column: int
    value: object
    holds: str = FREE


@dataclass(frozen=True)
class Finding:
    """Cells that look like one kind of personal data, named by place only.

    Attributes:
        labels: the cells that label them (a "Date of birth" beside a date, a column's
            heading): part of the same finding, so not reported again.
    """

    sheet: str
    cells: tuple[tuple[int, int], ...]
    kind: str
    labels: tuple[tuple[int, int], ...] = ()


def _word_list(path: Path) -> frozenset[str]:
    with path.open(encoding="utf-8") as handle:
        return frozenset(
            line.strip().lower() for line in handle if line.strip() and not line.startswith("#")
        )


@cache
def first_names() -> frozenset[str]:
    return _word_list(FIRST_NAMES_PATH)


@cache
def ordinary_words() -> frozenset[str]:
    return _word_list(ORDINARY_WORDS_PATH)


def nhs_number_checks(digits: str) -> bool:
    """The NHS number's modulus 11 check digit (NHS Data Dictionary)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _is_phone(digits: str, run: str) -> bool:
    return (digits.startswith("0") and len(digits) in (10, 11)) or (
        digits.startswith("44") and run.lstrip().startswith("+") and len(digits) in (11, 12)
    )


def _number_kinds(text: str) -> set[str]:
    kinds = set()
    for run in _NUMBER_RUN.findall(text):
        digits = "".join(_DIGITS.findall(run))
        if nhs_number_checks(digits):
            kinds.add(NHS_NUMBERS)
        elif _is_phone(digits, run):
            kinds.add(PHONE_NUMBERS)
    for run in _LONG_RUN.findall(text):
        if not nhs_number_checks(run) and not _is_phone(run, run):
            kinds.add(LONG_NUMBERS)
    return kinds


def _has_postcode(text: str) -> bool:
    return any(m.group(1) not in _ORDINALS for m in _POSTCODE.finditer(text))


# --- Names -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Word:
    word: str  # lower case, without a possessive 's
    start: int
    end: int


def _words(text: str) -> list[_Word]:
    found = []
    for match in _WORD.finditer(text):
        word = match.group().lower().replace("\u2019", "'")
        word = word[:-2] if word.endswith("'s") else word.rstrip("'")
        found.append(_Word(word, match.start(), match.end()))
    return found


def _is_first_name(word: str) -> bool:
    names = first_names()
    return word in names or ("-" in word and word.split("-")[0] in names)


def _is_surname_like(word: str) -> bool:
    """A word that may be a surname: not an ordinary word, a title or a single letter."""
    return (
        len(word) >= 2
        and word not in ordinary_words()
        and word not in TITLES
        and word not in WORD_TITLES
    )


def _next_word(
    text: str, words: list[_Word], index: int, gap: re.Pattern[str] = _BETWEEN_WORDS
) -> _Word | None:
    """The word right after words[index] (only `gap` between: spaces), skipping one initial
    ("Alice J. Merrow")."""
    following = index + 1
    if following >= len(words):
        return None
    if not gap.fullmatch(text[words[index].end : words[following].start]):
        return None
    word = words[following]
    if len(word.word) == 1 and following + 1 < len(words):
        after = words[following + 1]
        if _INITIAL_GAP.fullmatch(text[word.end : after.start]):
            return after
    return word


def _has_name(text: str, holds: str) -> bool:
    """A person's name in one cell's text (see the module's docstring)."""
    words = _words(text)
    for index, word in enumerate(words):
        following = _next_word(text, words, index)
        if _is_first_name(word.word):
            if holds == JOB_TITLE:
                return True
            if following is not None and _is_surname_like(following.word):
                return True
            if index > 0:
                before = words[index - 1]
                if _COMMA.fullmatch(text[before.end : word.start]) and _is_surname_like(
                    before.word
                ):
                    return True
        elif word.word in TITLES or (word.word in WORD_TITLES and text[word.start].isupper()):
            surname = _next_word(text, words, index, _INITIAL_GAP)
            if surname is not None and _is_surname_like(surname.word):
                return True
    return False


def _is_capitalised_name(value: object) -> bool:
    return isinstance(value, str) and bool(_NAME.match(value.strip()))


# --- Dates -------------------------------------------------------------------------------------


def _full_dates(text: str) -> list[dt.date]:
    """The dates in a text with a day, a month and a four-digit year."""
    dates = []
    for match in _DATE.finditer(text):
        groups = match.groupdict()
        for n in "1234":
            if groups[f"y{n}"] is None:
                continue
            year_text = groups[f"y{n}"].lstrip("'")
            if len(year_text) != 4:
                break
            month_text = groups[f"m{n}"]
            month = int(month_text) if month_text.isdigit() else _MONTHS[month_text[:3].lower()]
            try:
                dates.append(dt.date(int(year_text), month, int(groups[f"d{n}"])))
            except ValueError:
                pass
            break
    return dates


def is_date(value: object) -> bool:
    """A cell that is a date: a date value, or a text that is one date and nothing else."""
    if isinstance(value, dt.date | dt.datetime):
        return True
    return isinstance(value, str) and bool(_DATE.fullmatch(value.strip()))


def _says_date_of_birth(value: object) -> bool:
    return isinstance(value, str) and bool(_DOB_WORDS.search(value))


def _has_date_of_birth(text: str) -> bool:
    """A date of birth in one cell's text: a date beside a word that says so."""
    if _B_DOT_DATE.search(text) or _DOB_YEAR.search(text):
        return True
    return bool(_DOB_WORDS.search(text) and _DATE.search(text))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- Cells -------------------------------------------------------------------------------------


def cell_kinds(value: object, holds: str = FREE, reference: dt.date | None = None) -> set[str]:
    """What one cell on its own looks like (a column of names or dates needs the others).

    Args:
        holds: `free`, or the kind of text cell (`note`, `job_title`).
        reference: the return's quarter end: a full date in a text cell more than
            BIRTH_YEARS before it is taken for a date of birth.
    """
    if isinstance(value, bool):
        return set()
    old = _years_before(reference, BIRTH_YEARS) if reference is not None else None
    if isinstance(value, dt.date | dt.datetime):
        day = value.date() if isinstance(value, dt.datetime) else value
        return {DATES_OF_BIRTH} if holds != FREE and old is not None and day < old else set()
    if isinstance(value, int | float):
        if float(value).is_integer() and abs(value) >= 10**8:
            digits = str(int(abs(value)))
            if nhs_number_checks(digits):
                return {NHS_NUMBERS}
            return {PHONE_NUMBERS} if len(digits) in (9, 10) else {LONG_NUMBERS}
        return set()
    if not isinstance(value, str):
        return set()
    kinds = _number_kinds(value)
    if _EMAIL.search(value):
        kinds.add(EMAILS)
    if _has_postcode(value):
        kinds.add(POSTCODES)
    if _has_name(value, holds):
        kinds.add(NAMES)
    if _has_date_of_birth(value) or (
        holds != FREE and old is not None and any(d < old for d in _full_dates(value))
    ):
        kinds.add(DATES_OF_BIRTH)
    return kinds


def _runs(places: set[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Places split into runs down one column (G6:G9), each in row order."""
    runs: list[list[tuple[int, int]]] = []
    for row, column in sorted(places, key=lambda p: (p[1], p[0])):
        if runs and runs[-1][-1] == (row - 1, column):
            runs[-1].append((row, column))
        else:
            runs.append([(row, column)])
    return runs


def find_personal_data(cells: Iterable[Looked], reference: dt.date | None = None) -> list[Finding]:
    """Cells that look like personal data: one finding per cell, or per run of one column.

    Each cell is looked at on its own (`cell_kinds`), then with its neighbours: a date beside
    or below a "date of birth" label, and, among the cells the template has no text for, two or
    more cells of one column that look like a person's name (or a date), or one under a
    heading such as "Name" or "Date of birth". One date or one capitalised phrase on its own is
    left alone.
    """
    cells = list(cells)
    at = {(c.sheet, c.row, c.column): c for c in cells}
    found: dict[tuple[str, str], set[tuple[int, int]]] = {}
    labels: dict[tuple[str, int, int], set[tuple[int, int]]] = {}

    def add(cell: Looked, kind: str, label: Looked | None = None) -> None:
        found.setdefault((cell.sheet, kind), set()).add((cell.row, cell.column))
        if label is not None:
            labels.setdefault((cell.sheet, cell.row, cell.column), set()).add(
                (label.row, label.column)
            )

    for cell in cells:
        for kind in cell_kinds(cell.value, cell.holds, reference):
            add(cell, kind)
        if _says_date_of_birth(cell.value):
            for place in ((cell.row, cell.column + 1), (cell.row + 1, cell.column)):
                beside = at.get((cell.sheet, *place))
                if beside is not None and is_date(beside.value):
                    add(beside, DATES_OF_BIRTH, cell)
    columns: dict[tuple[str, int], list[Looked]] = {}
    for cell in cells:
        if cell.holds == FREE:
            columns.setdefault((cell.sheet, cell.column), []).append(cell)
    for column_cells in columns.values():
        name_headings = [
            c for c in column_cells if isinstance(c.value, str) and _NAME_HEADING.search(c.value)
        ]
        dob_headings = [c for c in column_cells if _says_date_of_birth(c.value)]
        names = [c for c in column_cells if _is_capitalised_name(c.value)]
        dates = [c for c in column_cells if is_date(c.value)]
        if len(names) >= 2 or (names and name_headings):
            for c in names:
                add(c, NAMES)
                for heading in name_headings:
                    add(c, NAMES, heading)
        if len(dates) >= 2 or (dates and dob_headings):
            for c in dates:
                add(c, DATES_OF_BIRTH)
                for heading in dob_headings:
                    add(c, DATES_OF_BIRTH, heading)
    findings = []
    every_found = {(sheet, *place) for (sheet, _), places in found.items() for place in places}
    for (sheet, kind), places in sorted(found.items()):
        free = {p for p in places if at[(sheet, *p)].holds == FREE}
        runs = _runs(free) + [[p] for p in sorted(places - free)]
        for run in runs:
            labelled = {label for p in run for label in labels.get((sheet, *p), ())}
            above = at.get((sheet, run[0][0] - 1, run[0][1]))
            if len(run) > 1 and above is not None and above.holds == FREE:
                labelled.add((above.row, above.column))
            labelled = {p for p in labelled if (sheet, *p) not in every_found}
            findings.append(Finding(sheet, tuple(run), kind, tuple(sorted(labelled))))
    findings.sort(key=lambda f: (f.sheet, f.kind, f.cells))
    return findings
