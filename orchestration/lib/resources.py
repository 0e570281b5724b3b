"""The pipeline's Dagster resources: where it works, and which vintage a run builds."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.lib.config import Settings


class PipelineSettings(dg.ConfigurableResource):
    """Where the pipeline reads and writes, shown in the UI's resource page.

    Built from the environment (`SCP_RAW_DIR`, `SCP_WAREHOUSE_DIR`, `SCP_BOROUGH`, each
    source's download URL variable, `SCP_FRESHNESS_DEADLINE_DAY`, `SCP_SOURCES`) when the code
    location loads; see orchestration/lib/config.py.
    """

    raw_dir: str
    warehouse_dir: str
    borough: str
    dagster_home: str = ""
    download_urls: dict[str, str] = {}
    delivery_day: int = 0
    # The sources the partnership uses (SCP_SOURCES); empty for every one.
    sources: list[str] = []

    @classmethod
    def from_settings(cls, settings: Settings) -> PipelineSettings:
        return cls(
            raw_dir=str(settings.raw_dir),
            warehouse_dir=str(settings.warehouse_dir),
            borough=settings.borough,
            dagster_home=str(settings.dagster_home),
            download_urls=dict(settings.download_urls),
            delivery_day=settings.delivery_day or 0,
            sources=list(settings.sources or ()),
        )

    @property
    def settings(self) -> Settings:
        return Settings(
            raw_dir=Path(self.raw_dir),
            warehouse_dir=Path(self.warehouse_dir),
            borough=self.borough,
            dagster_home=Path(self.dagster_home),
            download_urls=dict(self.download_urls),
            delivery_day=self.delivery_day or None,
            sources=tuple(self.sources) or None,
        )


class Vintage(dg.ConfigurableResource):
    """Which releases a run builds from: the latest (the default), or those published by a date.

    Set `as_of` in the launchpad (resources → vintage → config → as_of: "2021-12-31") to
    rebuild the marts and the pack as they stood on that day; `make run AS_OF=...` does the
    same from a terminal. Schedules and sensors always build from the latest releases.
    """

    as_of: str = ""
