"""MOPAC User Satisfaction Survey: victims' satisfaction, by BCU and for London."""

from orchestration.landing.contract import POINTS
from orchestration.landing.shared_suites import known_areas
from orchestration.landing.source import Grain, Source, Suite
from orchestration.sources.mopac_uss.parser import UssParser

SOURCE = Source(
    key="mopac_uss",
    title="MOPAC User Satisfaction Survey (victim satisfaction)",
    folder="mopac/uss",
    file_types=(".csv",),
    parser=UssParser(),
    columns={
        "quarter_text": "varchar not null",
        "period_start": "date not null",
        "period_end": "date not null",
        "area_name": "varchar not null",
        "measure": "varchar not null",
        "percent": "double not null",
    },
    grain=Grain.QUARTER,
    figure_keys=("area_name", "measure"),
    figure_columns=("percent",),
    percentages={"percent": POINTS},
    release_rule=(
        "A return's release is the latest quarter it holds ('2022/23 Q4'). Each area, measure "
        "and period comes from the latest release that holds it; within one release, from the "
        "file landed last, so a re-sent return corrects the earlier one "
        "(int_mopac_uss__latest_release)."
    ),
    suites=(
        known_areas(
            area_types=("bcu", "london"),
            rule="every area is a BCU or London (the survey is reported by BCU, not by borough)",
        ),
        Suite(
            "known_measures",
            "every measure is a USS measure the reference knows (seed uss_measures)",
            index_columns=("source_file", "source_row", "measure"),
        ),
        Suite(
            "baselines_are_london",
            "a financial-year row is a baseline, and baselines are London's",
            index_columns=("source_file", "source_row", "quarter_text", "area_name"),
        ),
    ),
    dbt_staging=("stg_mopac__uss",),
    delivery_day=28,
    licence="MOPAC partnership data, as reported to the board",
)
