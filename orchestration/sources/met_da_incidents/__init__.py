"""Domestic abuse incidents: the Met's monthly extract for the partnership (no open file)."""

from orchestration.landing.shared_suites import known_boroughs
from orchestration.landing.source import Grain, Source
from orchestration.landing.tabular import Column, Kind, TableParser

# The Met's layout: `month,borough,da_incidents`, one row per month and borough.
PARSER = TableParser(
    (
        Column("month", Kind.DATE),
        Column("borough_name", Kind.AREA, header="borough"),
        Column("da_incidents", Kind.COUNT),
    ),
    Grain.MONTH,
)

SOURCE = Source(
    key="met_da_incidents",
    title="MPS domestic abuse incidents (monthly extract)",
    folder="met/da_incidents",
    file_types=(".csv",),
    parser=PARSER,
    columns=PARSER.duckdb_columns,
    grain=Grain.MONTH,
    figure_keys=("borough_name",),
    figure_columns=("da_incidents",),
    release_rule=(
        "A file's release is its last month. A re-sent month replaces the earlier figures for "
        "that month: each borough and month comes from the latest release that contains it "
        "(fct_da_incidents_monthly)."
    ),
    suites=(known_boroughs(),),
    dbt_staging=("stg_met__da_incidents",),
    delivery_day=10,
    licence="Partnership data: the Met's monthly extract for the partnership",
)
