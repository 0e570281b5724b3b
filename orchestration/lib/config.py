"""Configuration: environment variables with working defaults, and nothing else.

Relative paths are relative to the project root (never the working directory), on both the
Python side and the dbt side (`dbt_project/profiles.yml` applies the same rule), so Dagster and
dbt always open the same DuckDB file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

DEFAULT_BOROUGH = "Barnet"


def _project_path(value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (PROJECT_ROOT / path).resolve()


@dataclass(frozen=True)
class Settings:
    """Where the pipeline reads and writes, for one process.

    Attributes:
        raw_dir: the landing zone (`SCP_RAW_DIR`, default `raw/`).
        warehouse_dir: working warehouse and published outputs (`SCP_WAREHOUSE_DIR`,
            default `warehouse/`).
        borough: the borough the pack and the `make run` summary are for (`SCP_BOROUGH`).
        dagster_home: the Dagster instance (`DAGSTER_HOME`, default `.dagster/`).
        mps_url: where to fetch the latest MPS file from before loading (`SCP_MPS_URL`,
            unset by default: the pipeline loads what is already in `raw/`).
        freshness_deadline_day: the day of month M+1 by which release M must be loaded
            (`SCP_FRESHNESS_DEADLINE_DAY`, default 10).
    """

    raw_dir: Path
    warehouse_dir: Path
    borough: str
    dagster_home: Path
    mps_url: str = ""
    freshness_deadline_day: int = 10

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            raw_dir=_project_path(os.environ.get("SCP_RAW_DIR") or "raw"),
            warehouse_dir=_project_path(os.environ.get("SCP_WAREHOUSE_DIR") or "warehouse"),
            borough=os.environ.get("SCP_BOROUGH") or DEFAULT_BOROUGH,
            dagster_home=_project_path(os.environ.get("DAGSTER_HOME") or ".dagster"),
            mps_url=os.environ.get("SCP_MPS_URL") or "",
            freshness_deadline_day=int(os.environ.get("SCP_FRESHNESS_DEADLINE_DAY") or 10),
        )

    @property
    def recorded_crime_dir(self) -> Path:
        return self.raw_dir / "met" / "recorded_crime"

    @property
    def warehouse_path(self) -> Path:
        """The working DuckDB file: written by ingest and dbt, never opened by analysts."""
        return self.warehouse_dir / "warehouse.duckdb"

    @property
    def published_dir(self) -> Path:
        return self.warehouse_dir / "published"

    @property
    def published_db_path(self) -> Path:
        """The analysts' copy of the `marts` schema, swapped in atomically after every check."""
        return self.published_dir / "marts.duckdb"

    @property
    def published_parquet_dir(self) -> Path:
        return self.published_dir / "parquet"

    @property
    def packs_dir(self) -> Path:
        return self.published_dir / "packs"
