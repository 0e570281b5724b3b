"""The Met's monthly crime dashboard: domestic abuse, hate, knife and gun crime by borough."""

from orchestration.landing.source import Grain, Source, Suite
from orchestration.sources.met_crime_dashboard.parser import MpsCrimeDashboardParser

SOURCE = Source(
    key="met_crime_dashboard",
    title="MPS monthly crime dashboard (domestic abuse, hate, knife and gun crime)",
    folder="met/crime_dashboard",
    file_types=(".csv", ".xlsx"),
    parser=MpsCrimeDashboardParser(),
    columns={
        "source_layout": "varchar not null",
        "month": "date not null",
        "area_type": "varchar not null",
        "borough_snt": "varchar",
        "area_name": "varchar",
        "area_code": "varchar",
        "crime_type": "varchar",
        "crime_subtype": "varchar not null",
        "measure": "varchar not null",
        "financial_year": "varchar",
        "fy_fyindex": "varchar",
        "measure_count": "bigint not null",
        "refresh_date": "date not null",
    },
    grain=Grain.MONTH,
    figure_keys=("area_type", "area_name", "crime_subtype", "measure"),
    figure_columns=("measure_count",),
    release_rule=(
        "A file's release is its latest Refresh Date. For each month and crime subtype, the "
        "file with the latest refresh that covers them gives the figures, for all boroughs at "
        "once (int_crime_dashboard__latest_refresh)."
    ),
    suites=(
        Suite(
            "known_areas",
            "every borough row's area is a London borough or an area the reference knows",
            index_columns=("source_file", "source_row", "area_name"),
        ),
        Suite(
            "subtypes_within_totals",
            "a subtype's offences never exceed its total's in a borough and month",
            index_columns=("source_file", "source_row", "rule", "area_name", "month"),
        ),
        Suite(
            "subtypes_known",
            "every crime subtype is in the subtype map",
            blocking=False,
            index_columns=("source_file", "source_row", "crime_subtype"),
        ),
    ),
    dbt_staging=("stg_met__crime_dashboard",),
    # The Datastore refreshes the dashboard data on the 6th of each month.
    delivery_day=10,
    licence="Open Government Licence v3.0",
)
