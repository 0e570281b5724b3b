"""MOPAC IOM data store: the Integrated Offender Management cohort, per borough and London."""

from orchestration.landing.contract import POINTS
from orchestration.landing.shared_suites import known_areas
from orchestration.landing.source import Grain, Source, Suite
from orchestration.sources.mopac_iom.parser import COUNTS, IomParser

SOURCE = Source(
    key="mopac_iom",
    title="MOPAC IOM data store (offender management)",
    folder="mopac/iom",
    file_types=(".csv",),
    parser=IomParser(),
    columns={
        "quarter_text": "varchar not null",
        "period_start": "date not null",
        "area_name": "varchar not null",
        **{
            name: "bigint not null" if name == "offenders_in_cohort" else "bigint"
            for name in COUNTS
        },
        "reported_rate_pct": "double",
        "note": "varchar",
    },
    grain=Grain.QUARTER,
    figure_keys=("area_name",),
    figure_columns=("offenders_in_cohort", "offenders_charged", "charged_offences"),
    percentages={"reported_rate_pct": POINTS},
    release_rule=(
        "A return's release is the latest quarter it holds ('2022/23 Q4'). Each area and quarter "
        "comes from the latest release that holds it; within one release, from the file landed "
        "last, so a re-sent return corrects the earlier one (int_mopac_iom__latest_release)."
    ),
    suites=(
        known_areas(),
        Suite(
            "charged_within_cohort",
            "offenders_charged_during_cohort <= offenders_charged <= offenders_in_cohort for "
            "every area and quarter",
            index_columns=(
                "source_file",
                "source_row",
                "area_name",
                "quarter_text",
                "offenders_in_cohort",
                "offenders_charged",
                "offenders_charged_during_cohort",
            ),
        ),
        Suite(
            "breakdowns_sum_to_cohort",
            "the risk matrix (Red + Amber + Green + Blue), the statutory + non-statutory split, "
            "and the ethnicity, gender and age breakdowns each sum to offenders_in_cohort",
            index_columns=(
                "source_file",
                "source_row",
                "area_name",
                "quarter_text",
                "breakdown",
                "offenders_in_cohort",
                "breakdown_total",
            ),
        ),
    ),
    dbt_staging=("stg_mopac__iom",),
    delivery_day=28,
    licence="MOPAC partnership data, as reported to the board",
)
