"""The pipeline's one configuration resource, filled from the environment."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.lib.config import Settings


class PipelineSettings(dg.ConfigurableResource):
    """Where the pipeline reads and writes, shown in the UI's resource page.

    Built from the environment (`SCP_RAW_DIR`, `SCP_WAREHOUSE_DIR`, `SCP_BOROUGH`,
    `SCP_MPS_URL`, `SCP_FRESHNESS_DEADLINE_DAY`) when the code location loads; see
    orchestration/lib/config.py.
    """

    raw_dir: str
    warehouse_dir: str
    borough: str
    mps_url: str = ""
    dagster_home: str = ""
    freshness_deadline_day: int = 10

    @classmethod
    def from_settings(cls, settings: Settings) -> PipelineSettings:
        return cls(
            raw_dir=str(settings.raw_dir),
            warehouse_dir=str(settings.warehouse_dir),
            borough=settings.borough,
            mps_url=settings.mps_url,
            dagster_home=str(settings.dagster_home),
            freshness_deadline_day=settings.freshness_deadline_day,
        )

    @property
    def settings(self) -> Settings:
        return Settings(
            raw_dir=Path(self.raw_dir),
            warehouse_dir=Path(self.warehouse_dir),
            borough=self.borough,
            dagster_home=Path(self.dagster_home),
            mps_url=self.mps_url,
            freshness_deadline_day=self.freshness_deadline_day,
        )
