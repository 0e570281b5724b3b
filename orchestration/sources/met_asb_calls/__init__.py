"""ASB calls and repeat calls: the Met's monthly extract for the partnership (no open file)."""

from orchestration.landing.shared_suites import known_boroughs
from orchestration.landing.source import Grain, Source, Suite
from orchestration.sources.monthly_counts import MonthlyBoroughCountsParser

SOURCE = Source(
    key="met_asb_calls",
    title="MPS anti-social behaviour calls (monthly extract)",
    folder="met/asb_calls",
    file_types=(".csv",),
    parser=MonthlyBoroughCountsParser(("asb_calls", "repeat_asb_calls")),
    columns={
        "month": "date not null",
        "borough_name": "varchar not null",
        "asb_calls": "bigint not null",
        "repeat_asb_calls": "bigint not null",
    },
    grain=Grain.MONTH,
    release_rule=(
        "A file's release is its last month. A re-sent month replaces the earlier figures for "
        "that month: each borough and month comes from the latest release that contains it "
        "(fct_asb_calls_monthly)."
    ),
    suites=(
        known_boroughs(),
        Suite(
            "repeats_within_calls",
            "repeat calls never exceed calls",
            index_columns=("source_file", "source_row", "repeat_asb_calls", "asb_calls"),
        ),
    ),
    dbt_staging=("stg_met__asb_calls",),
    delivery_day=10,
    licence="Partnership data: the Met's monthly extract for the partnership",
)
