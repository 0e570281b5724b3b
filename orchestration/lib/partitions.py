"""The partitions, pool and backfill policy every monthly asset shares."""

from __future__ import annotations

from datetime import date

import dagster as dg

# A partition is a release month ('YYYY-MM'): the month a run reports on. The earliest MPS
# borough-level file (the pre-2019 Historic layout) starts in January 2008.
monthly_partitions = dg.MonthlyPartitionsDefinition(start_date="2008-01", fmt="%Y-%m")

# DuckDB allows one writing process, and a read-only connection from another process blocks
# the writer too: everything that opens the working warehouse queues in this pool (limit 1,
# set in the instance's dagster.yaml).
WAREHOUSE_POOL = "duckdb_warehouse"

# Ingest, dbt and publish rebuild whole tables, so a backfill of many months is one run, not
# one run per month, and the dbt and Python assets agree on it.
backfill_policy = dg.BackfillPolicy.single_run()


def partition_month(key: str) -> date:
    """'2021-05' -> date(2021, 5, 1)."""
    year, month = key.split("-")
    return date(int(year), int(month), 1)


def month_key(month: date) -> str:
    return f"{month:%Y-%m}"
