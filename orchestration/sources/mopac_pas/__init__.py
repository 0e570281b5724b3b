"""MOPAC Public Attitude Survey: public confidence in the police, by borough and for London."""

from orchestration.landing.contract import POINTS
from orchestration.landing.shared_suites import known_areas
from orchestration.landing.source import Grain, Source, Suite
from orchestration.sources.mopac_pas.parser import PasParser

SOURCE = Source(
    key="mopac_pas",
    title="MOPAC Public Attitude Survey (public confidence)",
    folder="mopac/pas",
    file_types=(".csv",),
    parser=PasParser(),
    columns={
        "source_layout": "varchar not null",
        "area_name": "varchar not null",
        "measure_label": "varchar not null",
        "period_text": "varchar not null",
        "period_start": "date not null",
        "percent": "double not null",
        "published_rank": "integer",
    },
    grain=Grain.QUARTER,
    figure_keys=("area_name", "measure_label"),
    figure_columns=("percent",),
    percentages={"percent": POINTS},
    release_rule=(
        "A file's release is the latest survey quarter it holds ('Jun-22' for a June 2022 "
        "borough export, 'Sep-25' for the London series to September 2025): the exports state "
        "no publication date. Each area, measure and quarter comes from the latest release "
        "that holds it, so an older copy landed later never replaces a newer release; within "
        "one release, from the file landed last (int_mopac_pas__latest_release)."
    ),
    suites=(
        known_areas(rule="every area is a London borough (by name or ONS code) or London (MPS)"),
        Suite(
            "known_measures",
            "every measure is a PAS measure the reference knows (seed pas_measures)",
            index_columns=("source_file", "source_row", "measure_label"),
        ),
        Suite(
            "rank_consistent",
            "a rank, where given, is a borough's, within 1..the number of boroughs, and the one "
            "its proportion earns (the highest ranks 1, ties share)",
            index_columns=(
                "source_file",
                "source_row",
                "area_name",
                "measure_label",
                "percent",
                "published_rank",
                "earned_rank",
            ),
        ),
        Suite(
            "repeated_quarter",
            "no survey quarter repeats every figure of another quarter of the same file and area",
            blocking=False,
            index_columns=("source_file", "source_row", "area_name", "quarter", "equals_quarter"),
        ),
    ),
    dbt_staging=("stg_mopac__pas",),
    # MOPAC refreshes its dashboards within weeks of a quarter's end; the 28th is a day every
    # month has.
    delivery_day=28,
    licence="Open Government Licence v3.0",
)
