"""The monthly refresh job and its schedule."""

from __future__ import annotations

import dagster as dg

# Every asset, from the landing folder to the board pack, for one release month.
monthly_refresh = dg.define_asset_job(
    name="monthly_refresh",
    selection=dg.AssetSelection.all(),
    description=(
        "Load every file in raw/, check it, build the marts with dbt, check them, publish "
        "them and build the board pack for the partition's month (the release month)."
    ),
)

# The Met publishes in the first days of a month; by 07:00 on the 10th the previous month's
# release is in (the freshness check's deadline is the same day). The schedule runs the
# partition of the month that just ended.
monthly_refresh_schedule = dg.build_schedule_from_partitioned_job(
    monthly_refresh,
    name="monthly_refresh_schedule",
    day_of_month=10,
    hour_of_day=7,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="07:00 on the 10th: refresh for the month that just ended.",
)
