"""The figures the board's earlier papers printed beside the ones the pipeline computes.

`rpt_reconciliation` (dbt_project/models/reporting/reconciliation/) reads the seed
`printed_figures` (the figures as printed in the Barnet SCP board papers of July 2021 and April
2023) and the published marts of every source those figures come from. It reads several
sources' marts, so it is a combined unit of its own rather than part of `reference`: a unit
holds back every unit downstream of a failure, and the reference tables (the glossary, the
population) must not wait for a crime file. It publishes when every one of its nodes passed and
is stale while one of its sources is.
"""

from orchestration.lib.units import CombinedUnit
from orchestration.sources import (
    met_asb_calls,
    met_crime_dashboard,
    met_da_incidents,
    met_recorded_crime,
    mopac_iom,
    mopac_uss,
    partner_returns,
)

RECONCILIATION = "reconciliation"

COMBINED_UNITS = (
    CombinedUnit(
        key=RECONCILIATION,
        title="Reconciliation with the board's earlier papers",
        sources=(
            met_recorded_crime.SOURCE.key,
            met_crime_dashboard.SOURCE.key,
            met_asb_calls.SOURCE.key,
            met_da_incidents.SOURCE.key,
            mopac_iom.SOURCE.key,
            mopac_uss.SOURCE.key,
            *(source.key for source in partner_returns.SOURCES),
        ),
        licence=(
            "Figures as printed in the Barnet SCP board papers of July 2021 and April 2023; "
            "computed figures under their sources' licences"
        ),
    ),
)
