"""Pure helpers that turn mart values into the words and symbols the board reads.

The marts keep full precision; everything here is presentation, so it lives in plain functions
with plain inputs that the tests call directly.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Literal

Movement = Literal["increase", "decrease", "no change", "not comparable"]
Assessment = Literal["positive", "negative", "neutral"]

NOT_AVAILABLE = "n/a"

# The pack's exception symbols (docs/kpi_definitions.md §1): ● normal, ▲ high, ▼ low. "Insufficient"
# (fewer than 12 prior months) gets an explicit dash, never a blank, so a reader can tell
# "not tested" from "missing".
EXCEPTION_SYMBOLS: dict[str, str] = {
    "normal": "\u25cf",
    "high": "\u25b2",
    "low": "\u25bc",
    "insufficient": "\u2013",
}
EXCEPTION_WORDS: dict[str, str] = {
    "normal": "within the usual range",
    "high": "unusually high",
    "low": "unusually low",
    "insufficient": "not enough history to test",
}

# Snapping to 9 decimal places first recovers the exact ratio behind a double: a change of
# exactly -14.5 % computed as (171 - 200) / 200 * 100 arrives as -14.499999999999998. For two
# counts below 10^8 a true value that is not a half lies at least 5e-9 from one, so the snap
# can never move a value across a half.
_SNAP = Decimal("1e-9")


def round_half_away_from_zero(value: float) -> int:
    """Rounds to a whole number with halves going away from zero, as the pack prints them.

    Python's round() sends halves to the even neighbour (round(-14.5) == -14), which would
    print figures the analysts' spreadsheets show one point differently.
    """
    return int(round_half_away(value, 0))


def format_change_pct(value: float | None) -> str:
    """Prints a full-precision change % as a whole percent ("-15%"), or "n/a" when undefined.

    The marts leave the change NULL when last year's volume was 0, so there is nothing to print.
    """
    if value is None:
        return NOT_AVAILABLE
    whole = round_half_away_from_zero(value)
    return f"{whole}%" if whole != 0 else "0%"


def round_half_away(value: float, places: int) -> Decimal:
    """`value` to `places` decimals, halves away from zero (25.65 -> 25.7, as a reader would):
    the double is snapped to 9 places first, so 25.65 stored as 25.6499999... rounds up, and
    Decimal's ROUND_HALF_UP is away from zero for either sign."""
    snapped = Decimal(repr(float(value))).quantize(_SNAP, rounding=ROUND_HALF_EVEN)
    return snapped.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_percent(value: float | None, places: int = 0) -> str:
    """A percentage as the board reads it: "61%", or with `places` decimals ("25.7%")."""
    if value is None:
        return NOT_AVAILABLE
    return f"{round_half_away(value, places)}%"


def format_points(value: float | None) -> str:
    """A change in percentage points with its sign: "+4", "-1", "0"; "n/a" when undefined."""
    if value is None:
        return NOT_AVAILABLE
    whole = round_half_away_from_zero(value)
    return f"{whole:+d}" if whole else "0"


def format_share(value: float | None) -> str:
    """A rate in percent to one place, halves away from zero ("13.5%"), or "n/a" when there is
    nothing to rate (an outcome rate over no offences)."""
    return format_percent(value, 1)


def format_count(value: int | None) -> str:
    """Prints a volume with thousands separators, as council papers do."""
    return NOT_AVAILABLE if value is None else f"{int(value):,}"


def format_rate(value: float | None) -> str:
    """Prints a rate per 1,000 to two places, matching the workbook's 0.00 format."""
    return NOT_AVAILABLE if value is None else f"{value:,.2f}"


def format_rank(rank: int | None, of: int | None) -> str:
    """Prints a London rank the way the pack does: "20/32"."""
    if rank is None or of is None:
        return NOT_AVAILABLE
    return f"{int(rank)}/{int(of)}"


def exception_symbol(flag: str | None) -> str:
    """Maps an exception flag to the pack's symbol; a missing flag prints "n/a"."""
    if flag is None:
        return NOT_AVAILABLE
    return EXCEPTION_SYMBOLS.get(flag, NOT_AVAILABLE)


def exception_words(flag: str | None) -> str:
    """Says in words what an exception symbol means, for screen readers and tooltips."""
    if flag is None:
        return "no figure for this month"
    return EXCEPTION_WORDS.get(flag, "no figure for this month")


def movement(change_pct: float | None) -> Movement:
    """Classifies a change by its sign at full precision, as the marts' RAG rule does."""
    if change_pct is None:
        return "not comparable"
    if change_pct > 0:
        return "increase"
    if change_pct < 0:
        return "decrease"
    return "no change"


DIRECTIONS = ("decrease_is_positive", "increase_is_positive")


def assess(move: Movement, direction: str) -> Assessment:
    """Says whether a movement is good news, given the measure's direction.

    For crime volumes a decrease is positive; for detection rates an increase is. Zero change
    and no comparison are neutral, matching the catalogue's RAG rule.
    """
    if direction not in DIRECTIONS:
        raise ValueError(
            f"direction {direction!r} is not one of {', '.join(DIRECTIONS)}: "
            "is the measure missing from its seed?"
        )
    if move in ("no change", "not comparable"):
        return "neutral"
    good = "decrease" if direction == "decrease_is_positive" else "increase"
    return "positive" if move == good else "negative"


# What a measure's direction (the seeds' and the partner catalogue's `direction`) means for a
# reader: which way its figure should move. "neutral" is the catalogue's word for a measure of
# demand (referrals to a service), which is not rated.
GOOD_DIRECTION_WORDS: dict[str, str] = {
    "decrease_is_positive": "lower is better",
    "increase_is_positive": "higher is better",
    "neutral": "neither higher nor lower is better",
}


def good_direction(direction: str) -> str:
    """Says which way is good for a measure, from its declared direction: "lower is better".

    An unknown direction is refused, as `assess` refuses it, rather than printed as either way.
    """
    if direction not in GOOD_DIRECTION_WORDS:
        raise ValueError(
            f"direction {direction!r} is not one of {', '.join(GOOD_DIRECTION_WORDS)}: "
            "is the measure missing from its seed or catalogue?"
        )
    return GOOD_DIRECTION_WORDS[direction]


@dataclass(frozen=True)
class Factor:
    """One plain-words indicator beside a RAG dot, e.g. "Decrease in rolling 12 months"."""

    text: str
    assessment: Assessment


def factor(change_pct: float | None, period: str, direction: str) -> Factor:
    """Words one indicator: "Decrease in rolling 12 months", "No change in ...", and so on.

    Args:
        change_pct: the indicator's full-precision change %.
        period: what was compared, e.g. "rolling 12 months".
        direction: `dim_kpi_measure.direction` for the measure.
    """
    move = movement(change_pct)
    if move == "not comparable":
        text = f"No comparison for {period} (none recorded a year before)"
    else:
        text = f"{move.capitalize()} in {period}"
    return Factor(text=text, assessment=assess(move, direction))


def crime_factors(
    r12_change_pct: float | None, ytd_change_pct: float | None, direction: str
) -> list[Factor]:
    """The overview's two indicators in the order the July 2021 pack lists them."""
    return [
        factor(r12_change_pct, "rolling 12 months", direction),
        factor(ytd_change_pct, "year to date vs one year ago", direction),
    ]


def dashboard_factors(
    r12_change_pct: float | None,
    ytd_change_pct: float | None,
    direction: str,
    outcome_rate_change: float | None,
    outcome_direction: str,
    has_outcome_rate: bool,
) -> list[Factor]:
    """The dashboard measures' indicators, as `kpi_flagged_crime_overview` rates them: the R12
    and YTD changes in offences and, where the measure has an outcome rate, its change on the
    12 months a year before (in percentage points)."""
    factors = crime_factors(r12_change_pct, ytd_change_pct, direction)
    if has_outcome_rate:
        factors.append(
            factor(outcome_rate_change, "the outcome rate over 12 months", outcome_direction)
        )
    return factors


def month_label(month: dt.date) -> str:
    """The pack's month column header: "Mar-21"."""
    return month.strftime("%b-%y")


def month_long(month: dt.date) -> str:
    """The pack's "to May 2021" form."""
    return month.strftime("%B %Y")


def month_compact(month: dt.date) -> str:
    """The pack's compact form inside spans: "Jan21"."""
    return month.strftime("%b%y")


def ytd_span(month: dt.date) -> str:
    """The pack's year-to-date span, "Jan21 - May21" (just "Jan21" in January)."""
    start = dt.date(month.year, 1, 1)
    if start == month:
        return month_compact(month)
    return f"{month_compact(start)} - {month_compact(month)}"


def quarter_months(start: dt.date, end: dt.date) -> str:
    """The months a quarter spans, for a reader who counts in months: "Jan-Mar 2023"."""
    return f"{start:%b}-{end:%b %Y}"


def borough_slug(borough: str) -> str:
    """A file-name-safe borough: "Kingston upon Thames" -> "kingston-upon-thames"."""
    slug = re.sub(r"[^a-z0-9]+", "-", borough.lower()).strip("-")
    if not slug:
        raise ValueError(f"Borough name {borough!r} gives an empty file name")
    return slug


# --- Partnership sections --------------------------------------------------------------------

RAG_LETTERS = {"red": "R", "amber": "A", "green": "G"}
NO_RAG = "\u2013"  # an en dash: nothing to judge against


def rag_letter(rag: str | None) -> str:
    """The letter a RAG cell shows beside its colour, so it reads in black and white."""
    return RAG_LETTERS.get(rag or "", NO_RAG)


def format_figure(value: float | None, unit: str) -> str:
    """A partner measure's figure as the pack prints it: a count with thousands separators
    (1,251), a percentage to one place (17.8%), an amount in whole pounds (£1,234)."""
    if value is None:
        return NOT_AVAILABLE
    if unit == "percent":
        snapped = Decimal(repr(float(value))).quantize(_SNAP, rounding=ROUND_HALF_EVEN)
        return f"{snapped.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"
    if unit == "currency":
        return f"£{round_half_away_from_zero(value):,}"
    return f"{round_half_away_from_zero(value):,}"


def format_whole_percent(value: float | None) -> str:
    """A share printed as a whole percent, halves away from zero: 115 / 97 -> "119%"."""
    return NOT_AVAILABLE if value is None else f"{round_half_away_from_zero(value)}%"


def day_long(day: dt.date | None) -> str:
    """ "14 April 2023"."""
    return NOT_AVAILABLE if day is None else f"{day.day} {day:%B %Y}"
