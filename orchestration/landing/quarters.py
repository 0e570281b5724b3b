"""Quarters as returns name them, and the one label the pack prints for them.

Partners' quarterly returns name a quarter in two ways: the financial year's quarter, as the
board papers print it (`2022/23 Q4`, January to March 2023), or the calendar quarter (`2020 Q1`,
January to March 2020, as the July 2021 pack's IOM table does). Both are read; the marts label
every quarter the financial way, the board's convention. A financial year on its own
(`2020/21`, April 2020 to March 2021) names a year-long period, such as a baseline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

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
        months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month
        return months == 2

    @property
    def last_quarter_start(self) -> date:
        """The first day of the period's last quarter (the period itself for a quarter)."""
        return date(self.end.year, self.end.month - 2, 1)


def _end_of_quarter(start: date) -> date:
    index = start.year * 12 + start.month - 1 + 3
    return date(index // 12, index % 12 + 1, 1) - timedelta(days=1)


def _financial_year(first: str, second: str) -> int | None:
    """The year the financial year starts in, when `first/second` is a real one (2022/23)."""
    year = int(first)
    return year if (year + 1) % 100 == int(second) else None


def parse_period(text: str, *, years: bool = False) -> Period | None:
    """The period a label names, or None when it is not one of the accepted forms.

    Args:
        years: also accept a financial year on its own ('2020/21').
    """
    value = text.strip()
    match = FINANCIAL_QUARTER.match(value)
    if match:
        year = _financial_year(match.group(1), match.group(2))
        if year is None:
            return None
        index = year * 12 + 3 + 3 * (int(match.group(3)) - 1)  # Q1 starts in April
        start = date(index // 12, index % 12 + 1, 1)
        return Period(start, _end_of_quarter(start))
    match = CALENDAR_QUARTER.match(value)
    if match:
        start = date(int(match.group(1)), 3 * int(match.group(2)) - 2, 1)
        return Period(start, _end_of_quarter(start))
    match = FINANCIAL_YEAR.match(value) if years else None
    if match:
        year = _financial_year(match.group(1), match.group(2))
        return Period(date(year, 4, 1), date(year + 1, 3, 31)) if year is not None else None
    return None


def financial_label(period: Period) -> str:
    """'2022/23 Q4' for January-March 2023; '2020/21' for April 2020 to March 2021."""
    year = period.start.year if period.start.month >= 4 else period.start.year - 1
    label = f"{year}/{(year + 1) % 100:02d}"
    if not period.is_quarter:
        return label
    return f"{label} Q{(period.start.month - 4) % 12 // 3 + 1}"
