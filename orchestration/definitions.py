"""The code location: every domain's assets, checks, jobs and resources, assembled explicitly."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.jobs import monthly_refresh, monthly_refresh_schedule
from orchestration.lib.config import Settings
from orchestration.lib.resources import PipelineSettings
from orchestration.met.assets import met_recorded_crime
from orchestration.met.checks import (
    recorded_crime_contract,
    recorded_crime_every_borough_every_month,
    recorded_crime_fresh,
    recorded_crime_labels_known,
)
from orchestration.met.sensors import build_landing_sensor
from orchestration.publish.assets import board_pack, published_marts
from orchestration.quality.checks import kpi_crime_overview_publishable
from orchestration.transform.assets import DBT_EXECUTABLE, dbt_project, dbt_warehouse


def build_definitions(settings: Settings) -> dg.Definitions:
    """The whole code location for one set of directories (tests build their own)."""
    return dg.Definitions(
        assets=[met_recorded_crime, dbt_warehouse, published_marts, board_pack],
        asset_checks=[
            recorded_crime_contract,
            recorded_crime_every_borough_every_month,
            recorded_crime_labels_known,
            recorded_crime_fresh,
            kpi_crime_overview_publishable,
        ],
        jobs=[monthly_refresh],
        schedules=[monthly_refresh_schedule],
        sensors=[build_landing_sensor(monthly_refresh)],
        resources={
            "pipeline": PipelineSettings.from_settings(settings),
            "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
        },
    )


defs = build_definitions(Settings.from_env())
