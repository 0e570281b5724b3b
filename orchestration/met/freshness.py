"""When a release is due: the rule behind the freshness check."""

from __future__ import annotations

import calendar
from datetime import date

DEFAULT_DEADLINE_DAY = 10


def previous_month(day: date) -> date:
    return date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 1)


def deadline_in(month: date, deadline_day: int) -> date:
    """The deadline day in a month, capped at its last day (31 means 'the month's end')."""
    return date(
        month.year, month.month, min(deadline_day, calendar.monthrange(month.year, month.month)[1])
    )


def expected_release(today: date, deadline_day: int = DEFAULT_DEADLINE_DAY) -> date:
    """The latest release that should be loaded by `today`.

    Month M's release is due by the deadline day of month M+1: on 2026-11-10 the 2026-10
    release is due; on 2026-11-09 only the 2026-09 release is.
    """
    last_month = previous_month(today)
    return last_month if today >= deadline_in(today, deadline_day) else previous_month(last_month)


def freshness_problem(
    latest_loaded: date | None, today: date, deadline_day: int = DEFAULT_DEADLINE_DAY
) -> str | None:
    """None when the expected release is loaded; otherwise what is late and since when."""
    expected = expected_release(today, deadline_day)
    if latest_loaded is not None and latest_loaded >= expected:
        return None
    month_after = date(expected.year + (expected.month == 12), expected.month % 12 + 1, 1)
    deadline = deadline_in(month_after, deadline_day)
    have = f"the latest loaded is {latest_loaded:%Y-%m}" if latest_loaded else "none is loaded"
    return f"release {expected:%Y-%m} was due by {deadline:%Y-%m-%d}; {have}"
