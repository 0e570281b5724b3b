"""ASB calls and repeat calls: the Met's monthly extract for the partnership (no open file)."""

from orchestration.landing.shared_suites import known_boroughs
from orchestration.landing.source import Grain, Source, Suite
from orchestration.landing.tabular import Column, Kind, TableParser

# The Met's layout: `month,borough,asb_calls,repeat_asb_calls`, one row per month and borough.
# Repeat calls may be left empty for a month the extract has no repeat count for (the sample's
# year to May 2020: the board's paper gives only its total calls); they load as NULL, and a
# 12 months missing any of them has no repeat total.
PARSER = TableParser(
    (
        Column("month", Kind.DATE),
        Column("borough_name", Kind.AREA, header="borough"),
        Column("asb_calls", Kind.COUNT),
        Column("repeat_asb_calls", Kind.COUNT, optional=True),
    ),
    Grain.MONTH,
)

SOURCE = Source(
    key="met_asb_calls",
    title="MPS anti-social behaviour calls (monthly extract)",
    folder="met/asb_calls",
    file_types=(".csv",),
    parser=PARSER,
    columns=PARSER.duckdb_columns,
    grain=Grain.MONTH,
    figure_keys=("borough_name",),
    figure_columns=("asb_calls", "repeat_asb_calls"),
    release_rule=(
        "A file's release is its last month. A re-sent month replaces the earlier figures for "
        "that month: each borough and month comes from the latest release that contains it "
        "(fct_asb_calls_monthly)."
    ),
    suites=(
        known_boroughs(),
        Suite(
            "repeats_within_calls",
            "repeat calls never exceed calls (a month without a repeat count is not judged)",
            index_columns=("source_file", "source_row", "repeat_asb_calls", "asb_calls"),
        ),
    ),
    dbt_staging=("stg_met__asb_calls",),
    delivery_day=10,
    licence="Partnership data: the Met's monthly extract for the partnership",
)
