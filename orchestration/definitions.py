"""The code location, built from the list of sources.

Every source contributes its ingest asset (with the landing gate's checks) and its landing
sensor; dbt builds every source's models in one graph; publishing is per source; the pack is
partitioned by reporting month. Nothing here names a particular source.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject

from orchestration.jobs import build_refresh_schedule, default_reporting_month, refresh_job
from orchestration.landing.assets import build_ingest_asset
from orchestration.landing.sensors import build_landing_sensor
from orchestration.landing.source import Source
from orchestration.lib.boroughs import resolve_borough
from orchestration.lib.config import Settings
from orchestration.lib.resources import PipelineSettings, Vintage
from orchestration.lib.runs import warehouse_watchdog
from orchestration.lib.units import CombinedUnit
from orchestration.publish.assets import build_publish_assets, publication_units
from orchestration.quality.cross_source import CROSS_SOURCE_CHECKS, CrossSourceCheck
from orchestration.sources import COMBINED_UNITS, REPORTING_SOURCE, SOURCES
from orchestration.transform.assets import DBT_EXECUTABLE, build_dbt_assets
from orchestration.transform.assets import dbt_project as default_dbt_project


def build_definitions(
    settings: Settings | None = None,
    *,
    sources: Sequence[Source] = SOURCES,
    dbt_project: DbtProject | None = None,
    cross_source_checks: Sequence[CrossSourceCheck] = CROSS_SOURCE_CHECKS,
    combined_units: Sequence[CombinedUnit] = COMBINED_UNITS,
) -> dg.Definitions:
    """The whole code location for one set of directories and sources (tests build their own).

    Raises:
        UnknownBorough: SCP_BOROUGH is not a London borough; nothing is loaded.
    """
    settings = settings or Settings.from_env(
        {s.key: s.download_env for s in sources if s.download_env}
    )
    resolve_borough(settings.borough)
    project = dbt_project or default_dbt_project
    units = publication_units(project, sources, combined_units)
    delivery_day = settings.delivery_day or REPORTING_SOURCE.delivery_day
    return dg.Definitions(
        assets=[
            *(build_ingest_asset(source) for source in sources),
            build_dbt_assets(project),
            *build_publish_assets(units, cross_source_checks),
        ],
        jobs=[refresh_job],
        schedules=[build_refresh_schedule(delivery_day)],
        sensors=[
            *(build_landing_sensor(s, refresh_job, default_reporting_month) for s in sources),
            warehouse_watchdog,
        ],
        resources={
            "pipeline": PipelineSettings.from_settings(settings),
            "dbt": DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE),
            "vintage": Vintage(),
        },
    )


defs = build_definitions()
