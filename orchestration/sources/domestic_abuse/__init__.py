"""Domestic abuse incidents beside the dashboard's domestic abuse offences: a combined unit.

`kpi_da_incidents_to_offences` (dbt_project/models/marts/domestic_abuse/) needs both the Met's
incidents extract and its crime dashboard. It is a unit of its own, so that one source's
refused file does not hold back the other's tables: it publishes when every one of its dbt
nodes passed, and is stale while either source is.
"""

from orchestration.lib.units import CombinedUnit
from orchestration.sources import met_crime_dashboard, met_da_incidents

COMBINED_UNITS = (
    CombinedUnit(
        key="domestic_abuse",
        title="Domestic abuse incidents and the offences they become",
        sources=(met_da_incidents.SOURCE.key, met_crime_dashboard.SOURCE.key),
        licence=f"{met_da_incidents.SOURCE.licence}; {met_crime_dashboard.SOURCE.licence}",
    ),
)
