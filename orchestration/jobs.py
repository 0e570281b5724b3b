"""The refresh job, its schedule, and the reporting month a refresh builds the pack for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import dagster as dg

from orchestration.landing.contract import ContractError
from orchestration.landing.load import landed_files
from orchestration.landing.source import Source
from orchestration.lib.config import Settings
from orchestration.lib.partitions import BOROUGH_PACKS
from orchestration.lib.periods import FinancialQuarter, add_months, month_key
from orchestration.sources import SOURCES
from orchestration.sources.partner_returns import SOURCES as PARTNER_SOURCES

REFRESH_JOB = "refresh"
SCHEDULE_HOUR = 7


def pacing_source(sources: Sequence[Source] = SOURCES) -> Source | None:
    """The source whose latest month caps the pack's default reporting month, if one says so."""
    return next((source for source in sources if source.sets_pack_month), None)


def quarter_sources(sources: Sequence[Source] = SOURCES) -> tuple[Source, ...]:
    """The partnership's quarterly returns, whose latest quarter sets the pack's default
    month: the board meets quarterly and reads the partners' returns beside the crime."""
    keys = {source.key for source in PARTNER_SOURCES}
    return tuple(source for source in sources if source.key in keys)


def latest_landed_period(settings: Settings, source: Source) -> date | None:
    """The first day of the last period of the source's readable files in raw/, or None."""
    periods = []
    for path in landed_files(source.landing_folder(settings.raw_dir)):
        if path.is_file() and source.accepts(path):
            try:
                periods.append(source.parser.peek(path).last_period)
            except ContractError:
                continue
    return max(periods) if periods else None


@dataclass(frozen=True)
class MonthChoice:
    """The pack's default reporting month and, in one sentence, why."""

    month: str  # YYYY-MM
    why: str


def choose_reporting_month(
    settings: Settings, sources: Sequence[Source] = SOURCES
) -> MonthChoice | None:
    """The pack's month when none is given: the end of the latest quarter the landed partner
    returns cover, never later than the latest month of recorded crime (the pacing source).

    Without a partner return, recorded crime's latest month. None without a readable recorded
    crime file (the crime overview, the pack's first table, needs its month).
    """
    pacing = pacing_source(sources)
    if pacing is None:
        return None
    crime = latest_landed_period(settings, pacing)
    if crime is None:
        return None
    quarters = [
        start
        for start in (latest_landed_period(settings, s) for s in quarter_sources(sources))
        if start is not None
    ]
    if not quarters:
        return MonthChoice(
            month_key(crime),
            f"Reporting month {month_key(crime)}: the latest month of {pacing.title} in raw/ "
            "(no partner return has landed to set the quarter).",
        )
    quarter = FinancialQuarter.containing(max(quarters))
    end = add_months(quarter.period_start, 2)
    covered = (
        f"{quarter.label} ({quarter.months}), the latest quarter the partner returns in raw/ cover"
    )
    if end <= crime:
        return MonthChoice(
            month_key(end),
            f"Reporting month {month_key(end)}: the end of {covered}; {pacing.title} runs to "
            f"{month_key(crime)}.",
        )
    return MonthChoice(
        month_key(crime),
        f"Reporting month {month_key(crime)}: the latest month of {pacing.title} in raw/, "
        f"before the end of {covered}.",
    )


def default_reporting_month(settings: Settings) -> str | None:
    """The pack's default month ('YYYY-MM', `choose_reporting_month`), or None."""
    choice = choose_reporting_month(settings)
    return choice.month if choice else None


# One process for the whole run: a UI- or schedule-launched run would otherwise start a
# process per step, each loading the code location again (about 3x slower than `make run`).
# Every borough's packs are a job of their own, partitioned by borough (publish/borough_packs.py).
refresh_job = dg.define_asset_job(
    name=REFRESH_JOB,
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(BOROUGH_PACKS),
    executor_def=dg.in_process_executor,
    description=(
        "Load every source's landing folder through its gate, build the marts with dbt, publish "
        "each source whose checks passed (the others keep their last good tables), and build "
        "the board pack for the partition's month."
    ),
)


def build_refresh_schedule(delivery_day: int) -> Any:
    """07:00 on the Met's delivery day, for the month that just ended."""
    return dg.build_schedule_from_partitioned_job(
        refresh_job,
        name="monthly_refresh_schedule",
        day_of_month=delivery_day,
        hour_of_day=SCHEDULE_HOUR,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=(
            f"{SCHEDULE_HOUR:02d}:00 on day {delivery_day} of each month (the Met's delivery "
            "day): refresh and build the pack for the month that just ended."
        ),
    )
