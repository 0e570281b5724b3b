"""The refresh job, its schedule, and the reporting month a refresh builds the pack for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dagster as dg

from orchestration.landing.contract import ContractError
from orchestration.landing.load import landed_files
from orchestration.landing.source import Source
from orchestration.lib.config import Settings
from orchestration.lib.periods import month_key
from orchestration.sources import SOURCES

REFRESH_JOB = "refresh"
SCHEDULE_HOUR = 7


def pacing_source(sources: Sequence[Source] = SOURCES) -> Source | None:
    """The source whose latest month is the pack's default reporting month, if one says so."""
    return next((source for source in sources if source.sets_pack_month), None)


def default_reporting_month(settings: Settings, source: Source | None = None) -> str | None:
    """The latest month of the pacing source's files in raw/ ('YYYY-MM'), or None.

    The crime overview is the pack's first page, so the pack reports on the last month of the
    latest Met release; every other section is read beside it.
    """
    source = source or pacing_source()
    if source is None:
        return None
    months = []
    for path in landed_files(source.landing_folder(settings.raw_dir)):
        if path.is_file() and source.accepts(path):
            try:
                months.append(source.parser.peek(path).last_period)
            except ContractError:
                continue
    return month_key(max(months)) if months else None


# One process for the whole run: a UI- or schedule-launched run would otherwise start a
# process per step, each loading the code location again (about 3x slower than `make run`).
refresh_job = dg.define_asset_job(
    name=REFRESH_JOB,
    selection=dg.AssetSelection.all(),
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
