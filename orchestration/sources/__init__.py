"""Every source of the pack, in the order the UI and the manifest list them.

Adding a source: a folder here with its parser and its `SOURCE` declaration, its GX suites in
`expectations/<key>/`, its dbt staging models, and one line below (docs/adding_a_source.md).
A partner return is added to `partner_returns/catalogue.yml` instead: its sources are built
from there.
"""

from orchestration.landing.source import Source
from orchestration.lib.units import CombinedUnit
from orchestration.sources import (
    met_asb_calls,
    met_crime_dashboard,
    met_da_incidents,
    met_recorded_crime,
    met_ward_crime,
    mopac_iom,
    mopac_pas,
    mopac_uss,
    partner_returns,
)

SOURCES: tuple[Source, ...] = (
    met_recorded_crime.SOURCE,
    met_ward_crime.SOURCE,
    met_crime_dashboard.SOURCE,
    mopac_pas.SOURCE,
    mopac_uss.SOURCE,
    mopac_iom.SOURCE,
    met_asb_calls.SOURCE,
    met_da_incidents.SOURCE,
    *partner_returns.SOURCES,
)

# Publication units built from several sources' tables: each publishes when every one of its
# dbt nodes passed, and is stale while one of its sources is.
COMBINED_UNITS: tuple[CombinedUnit, ...] = (
    CombinedUnit(
        key=partner_returns.PARTNERSHIP,
        title=partner_returns.PARTNERSHIP_TITLE,
        sources=tuple(source.key for source in partner_returns.SOURCES),
        licence=partner_returns.CATALOGUE.licence,
    ),
    CombinedUnit(
        key="domestic_abuse",
        title="Domestic abuse incidents and the offences they become",
        sources=(met_da_incidents.SOURCE.key, met_crime_dashboard.SOURCE.key),
        licence=f"{met_da_incidents.SOURCE.licence}; {met_crime_dashboard.SOURCE.licence}",
    ),
)

# The source whose latest release sets the pack's default reporting month: the crime
# overview is the pack's first page and every other section is read beside it.
REPORTING_SOURCE = met_recorded_crime.SOURCE

# Source key -> the environment variable with a URL to fetch its latest file from.
DOWNLOAD_ENVS = {source.key: source.download_env for source in SOURCES if source.download_env}
