"""The code location: every domain's assets, checks, jobs and resources, assembled explicitly."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.lib.config import Settings
from orchestration.lib.resources import PipelineSettings
from orchestration.met.assets import met_recorded_crime
from orchestration.met.checks import (
    recorded_crime_contract,
    recorded_crime_every_borough_every_month,
    recorded_crime_labels_known,
)
from orchestration.publish.assets import published_marts
from orchestration.quality.checks import kpi_crime_overview_publishable
from orchestration.transform.assets import DBT_EXECUTABLE, dbt_project, dbt_warehouse

# Every asset, from the landing folder to the published copy, for one release month.
monthly_refresh = dg.define_asset_job(
    name="monthly_refresh",
    selection=dg.AssetSelection.all(),
    description=(
        "Load every file in raw/, check it, build the marts with dbt, check them, and publish "
        "them for the partition's month. The partition is the release month reported on."
    ),
)


def build_definitions(settings: Settings) -> dg.Definitions:
    """The whole code location for one set of directories (tests build their own)."""
    return dg.Definitions(
        assets=[met_recorded_crime, dbt_warehouse, published_marts],
        asset_checks=[
            recorded_crime_contract,
            recorded_crime_every_borough_every_month,
            recorded_crime_labels_known,
            kpi_crime_overview_publishable,
        ],
        jobs=[monthly_refresh],
        resources={
            "pipeline": PipelineSettings.from_settings(settings),
            "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
        },
    )


defs = build_definitions(Settings.from_env())
