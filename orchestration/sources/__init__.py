"""Every source of the pack: one package here each, found by discovery.

A package declares `SOURCE` (or `SOURCES`, built from one declaration as the partner returns
are) and may declare `COMBINED_UNITS` (tables built from several sources) and a `pack` module
with its `SECTIONS`. Nothing else lists them: adding a source is a new folder here, its dbt
folders `dbt_project/models/<layer>/<key>/` and its suites (`make source` writes all of them;
docs/adding_a_source.md). Modules that are not packages (`mps_wide`) are parsers several
sources share.
"""

import sys

from orchestration.landing.discovery import Registry, discover
from orchestration.landing.source import Source
from orchestration.lib.units import CombinedUnit

REGISTRY: Registry = discover(sys.modules[__name__])
SOURCES: tuple[Source, ...] = REGISTRY.sources
COMBINED_UNITS: tuple[CombinedUnit, ...] = REGISTRY.combined_units

# Source key -> the environment variable with a URL to fetch its latest file from.
DOWNLOAD_ENVS = {source.key: source.download_env for source in SOURCES if source.download_env}
