"""Great Expectations checks on the marts, the last gate before publishing."""

import dagster as dg

from orchestration.lib.partitions import WAREHOUSE_POOL
from orchestration.lib.resources import PipelineSettings
from orchestration.quality.warehouse_checks import validate_in_warehouse

KPI_CRIME_OVERVIEW = dg.AssetKey(["marts", "kpi_crime_overview"])


@dg.asset_check(asset=KPI_CRIME_OVERVIEW, blocking=True, pool=WAREHOUSE_POOL)
def kpi_crime_overview_publishable(pipeline: PipelineSettings) -> dg.AssetCheckResult:
    """The overview holds 32 boroughs x 5 measures per month, ranks in 1-32, known RAG colours,
    and no year to date larger than its rolling 12 months.

    Suite expectations/kpi_crime_overview.json. Blocking: publish waits for it.
    """
    return validate_in_warehouse(
        pipeline,
        lambda con: con.execute("select * from marts.kpi_crime_overview").df(),
        "kpi_crime_overview",
        index_columns=["borough_name", "measure", "reporting_month"],
    )
