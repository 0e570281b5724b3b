"""Financial-year quarters: April to March, as the partnership's returns count them.

Q1 of 2022/23 is April to June 2022 and Q4 is January to March 2023. A quarter is written
`2022-23-Q4` where a file name or a command takes it, and `2022/23 Q4` where people read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_QUARTER = re.compile(r"^\s*(\d{4})\s*[-/]\s*(\d{2})\s*[- ]\s*Q([1-4])\s*$", re.IGNORECASE)
_YEAR = re.compile(r"^\s*(\d{4})\s*[-/]\s*(\d{2})\s*$")
# A quarter inside a file name, as `make template` names its files (marac_2022-23-Q4.xlsx).
QUARTER_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})-Q([1-4])(?![0-9])", re.IGNORECASE)
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


class NotAQuarter(ValueError):
    """A text that is not a financial-year quarter; the message says what is expected."""


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
        if (start + 1) % 100 != end:
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
    def key(self) -> str:
        """'2022-23-Q4', for commands and file names."""
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}-Q{self.quarter}"

    @property
    def label(self) -> str:
        """'2022/23 Q4', for people."""
        return f"{self.financial_year} Q{self.quarter}"

    @property
    def period_start(self) -> date:
        month = 4 + 3 * (self.quarter - 1)
        return date(self.start_year + (month - 1) // 12, (month - 1) % 12 + 1, 1)

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


def financial_year_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def parse_financial_year(text: str) -> int:
    """'2022/23' or '2022-23' -> 2022, the year it starts in."""
    match = _YEAR.match(str(text))
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise NotAQuarter(
            f"{text!r} is not a financial year: expected YYYY/YY, for example 2022/23"
        )
    return int(match.group(1))
