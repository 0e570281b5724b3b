"""Configuration: environment variables with working defaults, and nothing else.

Relative paths are relative to the project root (never the working directory), on both the
Python side and the dbt side (`dbt_project/profiles.yml` applies the same rule), so Dagster and
dbt always open the same DuckDB file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

DEFAULT_BOROUGH = "Barnet"
# The environment variable that moves the Met's delivery day: the monthly schedule and every
# monthly source's freshness deadline.
DELIVERY_DAY_ENV = "SCP_FRESHNESS_DEADLINE_DAY"
# The analysts' catalogue (dbt's docs site), beside the working warehouse and the published copy.
CATALOGUE_FILE = Path("catalogue") / "index.html"
# The sources a partnership uses, when not every one (a partnership starting out).
SOURCES_ENV = "SCP_SOURCES"


class ConfigurationError(ValueError):
    """A setting that cannot work; the message says which and why, before anything runs."""


class InvalidAsOf(ConfigurationError):
    """An as-of value that is not a date."""


def parse_as_of(value: str) -> date | None:
    """'2021-12-31' -> the date; '' -> None (build from the latest releases)."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidAsOf(
            f"as_of {value!r} is not a date: expected YYYY-MM-DD, for example 2021-12-31"
        ) from exc


def _project_path(value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (PROJECT_ROOT / path).resolve()


def _source_keys(value: str | None) -> tuple[str, ...] | None:
    """'met_recorded_crime, mopac_pas' -> the keys, in order; unset or blank -> None (every
    source). Whether each is a declared source is checked where the sources are known."""
    if not value or not value.strip():
        return None
    return tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))


def _delivery_day(value: str | None) -> int | None:
    if not value:
        return None
    if not value.strip().isdigit() or not 1 <= int(value) <= 31:
        raise ConfigurationError(f"{DELIVERY_DAY_ENV}={value!r}: expected a day of the month, 1-31")
    return int(value)


@dataclass(frozen=True)
class Settings:
    """Where the pipeline reads and writes, for one process.

    Attributes:
        raw_dir: the landing zone (`SCP_RAW_DIR`, default `raw/`).
        warehouse_dir: working warehouse and published outputs (`SCP_WAREHOUSE_DIR`,
            default `warehouse/`).
        borough: the borough the pack and the `make run` summary are for (`SCP_BOROUGH`, an ONS
            code or a name in any case), as given; `orchestration.lib.boroughs` resolves it.
        dagster_home: the Dagster instance (`DAGSTER_HOME`, default `.dagster/`).
        download_urls: source key -> URL to fetch the latest file from before loading, from
            each source's declared variable (`SCP_MPS_URL` for Met recorded crime).
        delivery_day: overrides the declared delivery day of the monthly Met sources
            (`SCP_FRESHNESS_DEADLINE_DAY`): the schedule's day and the freshness deadline.
        sources: the sources this partnership uses (`SCP_SOURCES`, comma-separated keys), or
            None for every declared one. The others are not set up and never warned about.
    """

    raw_dir: Path
    warehouse_dir: Path
    borough: str
    dagster_home: Path
    download_urls: Mapping[str, str] = field(default_factory=dict)
    delivery_day: int | None = None
    sources: tuple[str, ...] | None = None

    @classmethod
    def from_env(cls, download_envs: Mapping[str, str] | None = None) -> Settings:
        """Settings from the environment; `download_envs` maps source keys to URL variables."""
        return cls(
            raw_dir=_project_path(os.environ.get("SCP_RAW_DIR") or "raw"),
            warehouse_dir=_project_path(os.environ.get("SCP_WAREHOUSE_DIR") or "warehouse"),
            borough=os.environ.get("SCP_BOROUGH") or DEFAULT_BOROUGH,
            dagster_home=_project_path(os.environ.get("DAGSTER_HOME") or ".dagster"),
            download_urls={
                key: os.environ[name]
                for key, name in (download_envs or {}).items()
                if os.environ.get(name)
            },
            delivery_day=_delivery_day(os.environ.get(DELIVERY_DAY_ENV)),
            sources=_source_keys(os.environ.get(SOURCES_ENV)),
        )

    def check_sources(self, declared: Sequence[str]) -> None:
        """Raises ConfigurationError when SCP_SOURCES names a source nobody declares."""
        unknown = [key for key in self.sources or () if key not in declared]
        if unknown:
            raise ConfigurationError(
                f"{SOURCES_ENV} names {', '.join(repr(k) for k in unknown)}, which "
                f"{'is not a source' if len(unknown) == 1 else 'are not sources'}; the sources "
                f"are: {', '.join(declared)}"
            )

    def uses(self, source_key: str) -> bool:
        """Whether the partnership uses a source (every source unless SCP_SOURCES says)."""
        return self.sources is None or source_key in self.sources

    @property
    def warehouse_path(self) -> Path:
        """The working DuckDB file: written by ingest and dbt, never opened by analysts."""
        return self.warehouse_dir / "warehouse.duckdb"

    @property
    def published_dir(self) -> Path:
        return self.warehouse_dir / "published"

    @property
    def published_db_path(self) -> Path:
        """The analysts' copy of the marts, swapped in atomically after the checks."""
        return self.published_dir / "marts.duckdb"

    @property
    def published_parquet_dir(self) -> Path:
        return self.published_dir / "parquet"

    @property
    def manifest_path(self) -> Path:
        return self.published_dir / "manifest.json"

    @property
    def catalogue_path(self) -> Path:
        """dbt's docs site of the last build, written by the dbt step."""
        return self.warehouse_dir / CATALOGUE_FILE

    @property
    def published_catalogue_path(self) -> Path:
        """The catalogue analysts open, published with the marts."""
        return self.published_dir / CATALOGUE_FILE

    @property
    def packs_dir(self) -> Path:
        return self.published_dir / "packs"
