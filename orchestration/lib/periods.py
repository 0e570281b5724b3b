"""Periods: months, calendar and financial quarters, their labels, and rolling windows.

Every rule about a period lives here once, for the landing (a source's grain, a release's
periods, when a delivery is due), the partner returns (financial-year quarters) and the pack
(the rolling 12 months, month arithmetic). dbt holds the same rules once in SQL, each with a
unit test: `financial_period_label` in `dbt_project/macros/periods.sql` prints the labels
`financial_label` prints, and `rolling_sum` in `kpi_rules.sql` is the window `rolling_window`
names.

Financial years run from April to March, as the partnership counts them: Q1 of 2022/23 is April
to June 2022, Q4 is January to March 2023. A quarter is written `2022-23-Q4` where a command or
a file name takes it and `2022/23 Q4` where people read it. Returns may also name a calendar
quarter (`2020 Q1`, January to March 2020, as the July 2021 pack's IOM table does).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

# The board's rolling window: the 12 months to the reporting month (R12), against the 12
# before them.
ROLLING_MONTHS = 12

_MONTHS = (
    "January February March April May June July August September October November December"
).split()


# --- months -----------------------------------------------------------------------------------


def add_months(month: date, months: int) -> date:
    """Shifts a first-of-month date by whole months (negative goes back)."""
    index = month.year * 12 + (month.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def months_apart(earlier: date, later: date) -> int:
    """Whole months from `earlier`'s month to `later`'s (0 for the same month)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def month_key(month: date) -> str:
    """'2021-05': how a month is written where a command or a partition takes it."""
    return f"{month:%Y-%m}"


def day_in_month(month: date, day: int) -> date:
    """Day `day` of `month`, capped at the month's last day (31 means 'the month's end')."""
    return date(month.year, month.month, min(day, calendar.monthrange(month.year, month.month)[1]))


def rolling_window(month: date, months: int = ROLLING_MONTHS) -> tuple[date, date]:
    """The first and last month of the `months` months ending with `month` (R12 by default)."""
    return add_months(month, -(months - 1)), month


class Grain(StrEnum):
    """How long one period of a source is: a month, or a calendar quarter (Jan, Apr, Jul, Oct).

    Financial-year quarters (April to March) are calendar quarters with another label.
    """

    MONTH = "month"
    QUARTER = "quarter"

    @property
    def months(self) -> int:
        return 1 if self is Grain.MONTH else 3

    def period_start(self, day: date) -> date:
        """The first day of the period holding `day`."""
        month = day.month - (day.month - 1) % self.months
        return date(day.year, month, 1)

    def next_period(self, start: date) -> date:
        return add_months(start, self.months)

    def previous_period(self, start: date) -> date:
        return add_months(start, -self.months)

    def period_end(self, start: date) -> date:
        """The last day of the period starting `start`."""
        return self.next_period(start) - timedelta(days=1)

    def label(self, start: date) -> str:
        """'2026-10' for a month; '2026 Q3 (Jul-Sep)' for a calendar quarter."""
        if self is Grain.MONTH:
            return month_key(start)
        return f"{calendar_quarter_label(start)} ({start:%b}-{self.period_end(start):%b})"


def calendar_quarter_label(start: date) -> str:
    """'2020 Q1' for January to March 2020."""
    return f"{start.year} Q{(start.month - 1) // 3 + 1}"


# --- financial years and quarters ---------------------------------------------------------------

_QUARTER = re.compile(r"^\s*(\d{4})\s*[-/]\s*(\d{2})\s*[- ]\s*Q([1-4])\s*$", re.IGNORECASE)
_YEAR = re.compile(r"^\s*(\d{4})\s*[-/]\s*(\d{2})\s*$")
# A quarter inside a file name, as `make template` names its files (marac_2022-23-Q4.xlsx).
QUARTER_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})-Q([1-4])(?![0-9])", re.IGNORECASE)


class NotAQuarter(ValueError):
    """A text that is not a financial-year quarter; the message says what is expected."""


def financial_year_label(start_year: int) -> str:
    """'2022/23' for April 2022 to March 2023."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def _follows(start: int, end: int) -> bool:
    """Whether `start/end` is a real financial year (2022/23, not 2022/24)."""
    return (start + 1) % 100 == end


def parse_financial_year(text: str) -> int:
    """'2022/23' or '2022-23' -> 2022, the year it starts in."""
    match = _YEAR.match(str(text))
    if not match or not _follows(int(match.group(1)), int(match.group(2))):
        raise NotAQuarter(
            f"{text!r} is not a financial year: expected YYYY/YY, for example 2022/23"
        )
    return int(match.group(1))


@dataclass(frozen=True, order=True)
class FinancialQuarter:
    """One quarter of a financial year that starts on 1 April of `start_year`."""

    start_year: int
    quarter: int

    @classmethod
    def parse(cls, text: str) -> FinancialQuarter:
        """'2022-23-Q4', '2022/23 Q4' or '2022-23 Q4' (any case)."""
        match = _QUARTER.match(str(text))
        if not match:
            raise NotAQuarter(
                f"{text!r} is not a financial-year quarter: expected YYYY-YY-Qn, for example "
                "2022-23-Q4 (January to March 2023)"
            )
        start, end, quarter = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if not _follows(start, end):
            raise NotAQuarter(
                f"{text!r}: a financial year runs from one April to the next March, so "
                f"{start} is followed by {(start + 1) % 100:02d}, not {end:02d}"
            )
        return cls(start, quarter)

    @classmethod
    def containing(cls, day: date) -> FinancialQuarter:
        """The quarter a day falls in."""
        start_year = day.year if day.month >= 4 else day.year - 1
        return cls(start_year, (day.month - 4) % 12 // 3 + 1)

    @classmethod
    def of_period(cls, period_start: date) -> FinancialQuarter:
        return cls.containing(period_start)

    @property
    def financial_year(self) -> str:
        """'2022/23'."""
        return financial_year_label(self.start_year)

    @property
    def short_year(self) -> str:
        """'22/23', as a quarter's column heading prints it (Q4 22/23)."""
        return f"{self.start_year % 100:02d}/{(self.start_year + 1) % 100:02d}"

    @property
    def key(self) -> str:
        """'2022-23-Q4', for commands and file names."""
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}-Q{self.quarter}"

    @property
    def label(self) -> str:
        """'2022/23 Q4', for people."""
        return f"{self.financial_year} Q{self.quarter}"

    @property
    def period_start(self) -> date:
        return add_months(date(self.start_year, 4, 1), 3 * (self.quarter - 1))

    @property
    def period_end(self) -> date:
        return self.next().period_start - timedelta(days=1)

    @property
    def months(self) -> str:
        """'January to March 2023'."""
        start, end = self.period_start, self.period_end
        first = _MONTHS[start.month - 1] + ("" if start.year == end.year else f" {start.year}")
        return f"{first} to {_MONTHS[end.month - 1]} {end.year}"

    def next(self) -> FinancialQuarter:
        return (
            FinancialQuarter(self.start_year, self.quarter + 1)
            if self.quarter < 4
            else FinancialQuarter(self.start_year + 1, 1)
        )

    def previous(self) -> FinancialQuarter:
        return (
            FinancialQuarter(self.start_year, self.quarter - 1)
            if self.quarter > 1
            else FinancialQuarter(self.start_year - 1, 4)
        )

    def earlier_in_year(self) -> list[FinancialQuarter]:
        """The quarters of the same financial year before this one (Q1 to Q3 for a Q4)."""
        return [FinancialQuarter(self.start_year, q) for q in range(1, self.quarter)]

    def __str__(self) -> str:
        return self.label


# --- periods a return names ---------------------------------------------------------------------

FINANCIAL_QUARTER = re.compile(r"^(\d{4})/(\d{2}) Q([1-4])$")
CALENDAR_QUARTER = re.compile(r"^(\d{4}) Q([1-4])$")
FINANCIAL_YEAR = re.compile(r"^(\d{4})/(\d{2})$")
FORMS = "'2022/23 Q4' (a financial-year quarter), '2020 Q1' (a calendar quarter)"


@dataclass(frozen=True)
class Period:
    """A quarter, or a whole financial year, with its first and last day."""

    start: date
    end: date

    @property
    def is_quarter(self) -> bool:
        return months_apart(self.start, self.end) == 2

    @property
    def last_quarter_start(self) -> date:
        """The first day of the period's last quarter (the period itself for a quarter)."""
        return date(self.end.year, self.end.month - 2, 1)


def parse_period(text: str, *, years: bool = False) -> Period | None:
    """The period a label names, or None when it is not one of the accepted forms.

    Args:
        years: also accept a financial year on its own ('2020/21').
    """
    value = text.strip()
    match = FINANCIAL_QUARTER.match(value)
    if match:
        start, end = int(match.group(1)), int(match.group(2))
        if not _follows(start, end):
            return None
        quarter = FinancialQuarter(start, int(match.group(3)))
        return Period(quarter.period_start, quarter.period_end)
    match = CALENDAR_QUARTER.match(value)
    if match:
        start_day = date(int(match.group(1)), 3 * int(match.group(2)) - 2, 1)
        return Period(start_day, Grain.QUARTER.period_end(start_day))
    match = FINANCIAL_YEAR.match(value) if years else None
    if match:
        start, end = int(match.group(1)), int(match.group(2))
        return Period(date(start, 4, 1), date(start + 1, 3, 31)) if _follows(start, end) else None
    return None


def financial_label(period: Period) -> str:
    """'2022/23 Q4' for January-March 2023; '2020/21' for April 2020 to March 2021."""
    quarter = FinancialQuarter.containing(period.start)
    return quarter.label if period.is_quarter else quarter.financial_year
