"""The reporting month: what the board pack is partitioned by, and the warehouse's pool."""

from __future__ import annotations

import re
from datetime import date

import dagster as dg

from orchestration.lib.periods import add_months, month_key

# A partition is a reporting month ('YYYY-MM'): the month a board pack reports on. The data
# assets are not partitioned: each refresh loads whatever has landed. The earliest MPS
# borough-level file (the pre-2019 Historic layout) starts in January 2008.
FIRST_MONTH = "2008-01"
monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH, fmt="%Y-%m")

# DuckDB allows one writing process, and a read-only connection from another process blocks
# the writer too: everything that opens the working warehouse queues in this pool (limit 1,
# set in the instance's dagster.yaml).
WAREHOUSE_POOL = "duckdb_warehouse"

# Every London borough's pack (publish/borough_packs.py), partitioned by borough: a job of its
# own, which the monthly refresh leaves out.
BOROUGH_PACKS = dg.AssetKey(["published", "borough_packs"])

# A backfill of pack months is one run that builds each month's pack.
backfill_policy = dg.BackfillPolicy.single_run()

_MONTH_KEY = re.compile(r"^(\d{4})-(\d{2})$")


def partition_month(key: str) -> date:
    """'2021-05' -> date(2021, 5, 1); anything else is a ValueError that says what is expected."""
    match = _MONTH_KEY.match(key.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"{key!r} is not a month: expected YYYY-MM, for example 2021-05")
    return date(int(match.group(1)), int(match.group(2)), 1)


def months_between(first: str, last: str) -> list[str]:
    """Every month key from `first` to `last`, inclusive."""
    start, end = partition_month(first), partition_month(last)
    keys = []
    while start <= end:
        keys.append(month_key(start))
        start = add_months(start, 1)
    return keys
