"""The code location, built from the sources and units found in `orchestration/sources/`.

Every source contributes its ingest asset (with the landing gate's checks) and its landing
sensor; dbt builds every unit's models in one graph; publishing is per unit; the pack is
partitioned by reporting month. Nothing here names a particular source.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject

from orchestration.alerts import build_stale_source_alert, refused_file_alert, run_failure_alert
from orchestration.jobs import build_refresh_schedule, default_reporting_month, refresh_job
from orchestration.landing.assets import build_ingest_asset, raw_asset_key
from orchestration.landing.discovery import Registry
from orchestration.landing.sensors import build_landing_sensor
from orchestration.landing.source import Source
from orchestration.lib.boroughs import resolve_borough
from orchestration.lib.config import Settings
from orchestration.lib.instance import relax_sqlite_instance_sync
from orchestration.lib.resources import PipelineSettings, Vintage
from orchestration.lib.runs import warehouse_watchdog
from orchestration.publish.assets import build_publish_assets, publication_units
from orchestration.publish.borough_packs import borough_packs, borough_packs_job
from orchestration.quality.cross_source import CROSS_SOURCE_CHECKS, CrossSourceCheck
from orchestration.sources import REGISTRY
from orchestration.transform.assets import DBT_EXECUTABLE, build_dbt_assets
from orchestration.transform.assets import dbt_project as default_dbt_project

# Every process that loads the code location (make run, a run worker, the code server) stores
# its events in a SQLite instance without waiting for the disk at each commit
# (orchestration/lib/instance.py).
relax_sqlite_instance_sync()

# The Met's delivery day, when no monthly source declares one.
DEFAULT_DELIVERY_DAY = 10


def build_definitions(
    settings: Settings | None = None,
    *,
    registry: Registry = REGISTRY,
    extra_sources: Sequence[Source] = (),
    dbt_project: DbtProject | None = None,
    cross_source_checks: Sequence[CrossSourceCheck] = CROSS_SOURCE_CHECKS,
) -> dg.Definitions:
    """The whole code location for one set of directories and units (tests add a source).

    Raises:
        UnknownBorough: SCP_BOROUGH is not a London borough; nothing is loaded.
        ConfigurationError: SCP_SOURCES names a source nobody declares.
        UnitFolderError: a dbt model sits in a folder that names no unit.
    """
    registry = registry.with_sources(extra_sources) if extra_sources else registry
    sources = registry.sources
    settings = settings or Settings.from_env(
        {s.key: s.download_env for s in sources if s.download_env}
    )
    resolve_borough(settings.borough)
    settings.check_sources([source.key for source in sources])
    project = dbt_project or default_dbt_project
    units = publication_units(project, sources, registry.combined_units, settings.sources)
    pacing = next((s for s in sources if s.sets_pack_month), None)
    delivery_day = settings.delivery_day or (
        pacing.delivery_day if pacing else DEFAULT_DELIVERY_DAY
    )
    return dg.Definitions(
        assets=[
            *(build_ingest_asset(source) for source in sources),
            build_dbt_assets(
                project,
                [source.key for source in sources],
                {unit.key: unit.sources for unit in registry.combined_units},
                settings.published_catalogue_path,
                reads=_staging_reads(sources),
            ),
            *build_publish_assets(units, cross_source_checks),
            borough_packs,
        ],
        jobs=[refresh_job, borough_packs_job],
        schedules=[build_refresh_schedule(delivery_day)],
        sensors=[
            *(
                build_landing_sensor(s, refresh_job, default_reporting_month)
                for s in sources
                if settings.uses(s.key)
            ),
            warehouse_watchdog,
            run_failure_alert,
            refused_file_alert,
            build_stale_source_alert(sources),
        ],
        resources={
            "pipeline": PipelineSettings.from_settings(settings),
            "dbt": DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE),
            "vintage": Vintage(),
        },
    )


def _staging_reads(sources: Sequence[Source]) -> dict[str, list[dg.AssetKey]]:
    """Staging model -> the raw tables' assets it reads, from each source's `dbt_staging`."""
    reads: dict[str, list[dg.AssetKey]] = {}
    for source in sources:
        for model in source.dbt_staging:
            reads.setdefault(model, []).append(raw_asset_key(source))
    return reads


defs = build_definitions()
