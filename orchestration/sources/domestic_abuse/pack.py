"""The domestic abuse incidents section: the incidents extract beside the dashboard's offences."""

from __future__ import annotations

from orchestration.sections import (
    INTEGER,
    PERCENT,
    RATE,
    VOLUME,
    PackContext,
    Row,
    Section,
    Sheet,
    SheetColumn,
    latest_up_to_month,
)
from orchestration.sections.formatting import (
    month_long,
)
from orchestration.sources.domestic_abuse import COMBINED_UNITS

# --- Domestic abuse incidents: the incidents extract beside the dashboard's offences ---------


def derive_da_incidents(rows: list[Row], ctx: PackContext) -> list[Row]:
    """The period in words and the change in the share of incidents that become offences."""
    derived = []
    for row in rows:
        now, before = row["offences_per_100_incidents"], row["offences_per_100_incidents_prev"]
        derived.append(
            {
                **row,
                "period": f"12 months to {month_long(row['reporting_month'])}",
                "share_change_points": None if now is None or before is None else now - before,
            }
        )
    return derived


DA_INCIDENTS = Section(
    key="da_incidents",
    order=320,
    title="Domestic abuse incidents",
    table="kpi_da_incidents_to_offences",
    where=latest_up_to_month("kpi_da_incidents_to_offences"),
    source=COMBINED_UNITS[0].key,
    template="domestic_abuse/da_incidents.html.j2",
    derive=derive_da_incidents,
    sheet=Sheet(
        name="Domestic abuse incidents",
        columns=[
            SheetColumn("Period", "period", width=26),
            SheetColumn("Domestic abuse incidents", "r12_da_incidents", VOLUME),
            SheetColumn("Incidents a year before", "r12_da_incidents_prev", VOLUME),
            SheetColumn("Change", "r12_change_pct", PERCENT, divide_by=100),
            SheetColumn("Incidents per 1,000 residents", "rate_per_1000", RATE),
            SheetColumn("London rank (1 = lowest rate)", "london_rank", INTEGER, width=16),
            SheetColumn("Domestic abuse offences, same 12 months", "r12_da_offences", VOLUME),
            SheetColumn(
                "Offences per 100 incidents", "offences_per_100_incidents", PERCENT, divide_by=100
            ),
            SheetColumn("A year before", "offences_per_100_incidents_prev", PERCENT, divide_by=100),
        ],
        notes=(
            "Incidents from the Met's monthly extract for the partnership; offences from the "
            "Met's crime dashboard. The Met flags the two separately, so the share is a ratio "
            "of two counts, not incidents followed through to offences.",
        ),
    ),
)


SECTIONS: tuple[Section, ...] = (DA_INCIDENTS,)
