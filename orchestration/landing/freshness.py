"""When a source's release is due: the rule behind every freshness check.

A period's release is due by the source's delivery day of the month after the period ends:
with day 10, the March release by 10 April, the January-March quarter's return by 10 April.
"""

from __future__ import annotations

from datetime import date

from orchestration.lib.periods import Grain, day_in_month


def deadline(grain: Grain, period: date, delivery_day: int) -> date:
    """The day the release of the period starting `period` is due."""
    return day_in_month(grain.next_period(period), delivery_day)


def expected_period(grain: Grain, today: date, delivery_day: int) -> date:
    """The latest period whose release should be loaded by `today`.

    Monthly, day 10: on 2026-11-10 the 2026-10 release is due; on 2026-11-09 only 2026-09.
    """
    period = grain.previous_period(grain.period_start(today))
    while deadline(grain, period, delivery_day) > today:
        period = grain.previous_period(period)
    return period


def period_label(grain: Grain, period: date) -> str:
    return grain.label(period)


def freshness_problem(
    grain: Grain, latest_loaded: date | None, today: date, delivery_day: int
) -> str | None:
    """None when the expected release is loaded; otherwise what is late and since when.

    Args:
        latest_loaded: the last period of the latest accepted release, or None.
    """
    expected = expected_period(grain, today, delivery_day)
    if latest_loaded is not None and latest_loaded >= expected:
        return None
    due = deadline(grain, expected, delivery_day)
    have = (
        f"the latest loaded is {period_label(grain, latest_loaded)}"
        if latest_loaded
        else "none is loaded"
    )
    return f"release {period_label(grain, expected)} was due by {due:%Y-%m-%d}; {have}"
