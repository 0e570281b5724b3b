"""Tidy quarterly returns: what every partner's CSV has in common.

A return is a UTF-8 CSV with one row per quarter and area (and measure, where it has
several), its columns named in the header in any order, the quarter named in a `quarter`
column (`orchestration.lib.periods`). The contract of each return (its columns, which may
be empty) is the source's; this module reads the header and states the release.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path

from orchestration.landing.contract import ContractError
from orchestration.landing.source import Grain, Release
from orchestration.lib.periods import FORMS, Period, financial_label, parse_period


def columns_by_name(path: Path, header: list[str], expected: Sequence[str]) -> dict[str, int]:
    """Column name -> its index, when the header names exactly the expected columns.

    Names are matched case-insensitively and in any order; a missing, unknown or repeated
    column is refused, naming it.
    """
    names = [name.strip().lower() for name in header]
    problems = []
    missing = [name for name in expected if name not in names]
    if missing:
        problems.append("missing " + ", ".join(missing))
    unknown = [header[i].strip() for i, name in enumerate(names) if name not in expected]
    if unknown:
        problems.append("unexpected " + ", ".join(repr(name) for name in unknown))
    repeated = sorted({name for name in names if names.count(name) > 1 and name in expected})
    if repeated:
        problems.append("repeated " + ", ".join(repeated))
    if problems:
        raise ContractError(
            path,
            "header",
            f"expected the columns {','.join(expected)} (in any order); "
            + "; ".join(problems)
            + f"; found {','.join(field.strip() for field in header)}",
        )
    return {name: names.index(name) for name in expected}


def quarter_of(path: Path, where: str, value: str, *, years: bool = False) -> Period:
    """The period a `quarter` cell names, or a ContractError naming the accepted forms."""
    period = parse_period(value, years=years)
    if period is None:
        forms = FORMS + (", '2020/21' (a financial year)" if years else "")
        raise ContractError(path, where, f"expected a quarter such as {forms}; found {value!r}")
    return period


def quarterly_release(periods: Iterable[Period], where: Mapping[date, str]) -> Release:
    """A return's release: its latest quarter, published the day after that quarter ends.

    A return states no publication date, and a quarter's figures cannot exist before the
    quarter is over. `where` names, for each quarter's first day, the row that holds it.
    """
    periods = list(periods)
    quarters = [period.last_quarter_start for period in periods]
    first = min(period.start for period in periods)
    last = max(quarters)
    end = Grain.QUARTER.period_end(last)
    return Release(
        label=financial_label(Period(last, end)),
        first_period=Grain.QUARTER.period_start(first),
        last_period=last,
        released_on=Grain.QUARTER.next_period(last),
        last_period_where=where.get(last, "column 'quarter'"),
    )
