"""MOPAC IOM data store return: the Integrated Offender Management cohort, per area and quarter.

No public file exists, so the contract is the project's (`docs/source_contracts.md`): a tidy
UTF-8 CSV, one row per quarter and area (a borough or London), with the cohort's counts, and
where the data store gives them, its risk matrix and its statutory / non-statutory split. Four
groups of columns are optional in the header (a return without them is read as before): the
cohort's ethnicity, gender and age, and the cost-of-crime comparison of the offenders who have
been through the cohort (before, during and after it). What one row can tell is checked here
(whole numbers, a breakdown given whole or not at all, a note beside every empty count); the
rules across columns and the reference data (a count within its total, a breakdown that sums to
the cohort, a known area) are the landing gate's suites.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from orchestration.landing.contract import (
    ContractError,
    csv_header,
    csv_records,
    decode_text,
    percentage,
    read_bytes,
    whole_number,
)
from orchestration.landing.returns import columns_by_name, quarter_of, quarterly_release
from orchestration.landing.source import ParsedFile, Release
from orchestration.lib.periods import Period

HEADLINE = (
    "offenders_in_cohort",
    "offenders_charged",
    "offenders_charged_during_cohort",
    "charged_offences",
)
RISK = ("risk_red", "risk_amber", "risk_green", "risk_blue")
SUPERVISION = ("statutory", "non_statutory")
# The cohort's profile, in the order and categories of the April 2023 report (§5.1.18).
ETHNICITY = ("ethnicity_asian", "ethnicity_black", "ethnicity_other", "ethnicity_white")
GENDER = ("gender_male", "gender_female")
AGE = ("age_17_and_a_half", "age_18_24", "age_25_34", "age_35_44", "age_45_plus")
# The cost-of-crime comparison (the July 2021 pack): the offenders who have been through the
# cohort, and their offences and estimated cost of crime (whole pounds) in the 12 months before
# selection, while on the cohort and after leaving it.
COST_OF_CRIME = (
    "cost_offenders",
    "cost_before_gbp",
    "offences_before",
    "cost_during_gbp",
    "offences_during",
    "cost_after_gbp",
    "offences_after",
)
# Column groups a return may leave out of its header; each is given whole or not at all.
OPTIONAL_GROUPS = (ETHNICITY, GENDER, AGE, COST_OF_CRIME)
COUNTS = (*HEADLINE, *RISK, *SUPERVISION, *ETHNICITY, *GENDER, *AGE, *COST_OF_CRIME)
COLUMNS = ("quarter", "area", *HEADLINE, *RISK, *SUPERVISION, "reported_rate_pct", "note")
# The cohort is the denominator of everything else: it is never left empty.
REQUIRED = ("offenders_in_cohort",)


@dataclass(frozen=True)
class _Row:
    line: int
    quarter_text: str
    period: Period
    area: str
    counts: dict[str, int | None]
    reported_rate_pct: float | None
    note: str


def _whole_or_none(path: Path, line: int, names: tuple[str, ...], counts: dict) -> None:
    given = [name for name in names if counts[name] is not None]
    if given and len(given) != len(names):
        raise ContractError(
            path,
            f"row {line}",
            f"{', '.join(names)} are given together or all left empty; found "
            f"{', '.join(given)} only",
        )


def _expected_columns(path: Path, header: list[str]) -> tuple[str, ...]:
    """`COLUMNS` and each optional group the header names; a group named in part is refused."""
    names = {name.strip().lower() for name in header}
    expected = list(COLUMNS)
    for group in OPTIONAL_GROUPS:
        given = [name for name in group if name in names]
        if given and len(given) != len(group):
            missing = [name for name in group if name not in names]
            raise ContractError(
                path,
                "header",
                f"the columns {', '.join(group)} are given together or not at all; found "
                f"{', '.join(given)} without {', '.join(missing)}",
            )
        if given:
            expected += group
    return tuple(expected)


class IomParser:
    """One row per quarter and area, the columns of `COLUMNS` (and of any optional group) in
    any order."""

    def _rows(self, path: Path) -> tuple[bytes, list[_Row]]:
        data = read_bytes(path)
        text = decode_text(path, data)
        header = csv_header(path, text)
        expected = _expected_columns(path, header)
        column = columns_by_name(path, header, expected)
        rows: list[_Row] = []
        seen: dict[tuple[date, str], int] = {}
        for line, record in csv_records(path, text, len(header)):
            # A group the header leaves out is read as empty cells.
            cell = {name: "" for name in COUNTS} | {name: record[column[name]] for name in expected}
            quarter = cell["quarter"].strip()
            period = quarter_of(path, f"row {line}, column 'quarter'", quarter)
            area = cell["area"].strip()
            if not area:
                raise ContractError(path, f"row {line}, column 'area'", "must not be empty")
            key = (period.start, area.lower())
            if key in seen:
                raise ContractError(
                    path, f"row {line}", f"{quarter} {area} already appears on row {seen[key]}"
                )
            seen[key] = line
            counts = {
                name: whole_number(
                    path,
                    f"row {line}, column {name!r}",
                    cell[name],
                    optional=name not in REQUIRED,
                )
                for name in COUNTS
            }
            note = cell["note"].strip()
            empty = [name for name in HEADLINE if counts[name] is None]
            if empty and not note:
                raise ContractError(
                    path,
                    f"row {line}, column {empty[0]!r}",
                    "a count left empty needs a note saying why (column 'note')",
                )
            for group in (RISK, SUPERVISION, *OPTIONAL_GROUPS):
                _whole_or_none(path, line, group, counts)
            rate = cell["reported_rate_pct"].strip()
            reported = (
                percentage(path, f"row {line}, column 'reported_rate_pct'", rate) if rate else None
            )
            rows.append(_Row(line, quarter, period, area, counts, reported, note))
        if not rows:
            raise ContractError(path, "row 2", "the file has a header but no data rows")
        return data, rows

    @staticmethod
    def _release(rows: list[_Row]) -> Release:
        where: dict[date, str] = {}
        for row in rows:
            where.setdefault(row.period.start, f"row {row.line}, column 'quarter'")
        return quarterly_release((row.period for row in rows), where)

    def peek(self, path: Path) -> Release:
        return self._release(self._rows(path)[1])

    def parse(self, path: Path) -> ParsedFile:
        data, rows = self._rows(path)
        frame = pd.DataFrame(
            {
                "source_row": [row.line for row in rows],
                "quarter_text": [row.quarter_text for row in rows],
                "period_start": pd.to_datetime([row.period.start for row in rows]),
                "area_name": [row.area for row in rows],
                **{
                    name: pd.array([row.counts[name] for row in rows], dtype="Int64")
                    for name in COUNTS
                },
                "reported_rate_pct": pd.array(
                    [row.reported_rate_pct for row in rows], dtype="Float64"
                ),
                "note": [row.note or None for row in rows],
            }
        )
        return ParsedFile(
            path=path,
            sha256=hashlib.sha256(data).hexdigest(),
            release=self._release(rows),
            rows=frame,
        )
