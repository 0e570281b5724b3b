"""Met recorded crime, borough level: the MPS monthly file, every published layout."""

from orchestration.landing.source import Grain, Source, Suite
from orchestration.sources.met_recorded_crime.parser import MpsRecordedCrimeParser
from orchestration.sources.mps_wide import EVERY_BOROUGH_EVERY_MONTH, KNOWN_BOROUGHS, LABELS_KNOWN

SOURCE = Source(
    key="met_recorded_crime",
    title="MPS recorded crime, borough level",
    folder="met/recorded_crime",
    file_types=(".csv",),
    parser=MpsRecordedCrimeParser(),
    columns={
        "source_layout": "varchar not null",
        "major_text": "varchar not null",
        "minor_text": "varchar not null",
        "borough_name": "varchar not null",
        "month": "date not null",
        "offence_count": "bigint not null",
    },
    grain=Grain.MONTH,
    figure_keys=("borough_name", "major_text", "minor_text"),
    figure_columns=("offence_count",),
    release_rule=(
        "A file's release is its last month column. Each month comes from the latest release "
        "that contains it, for all boroughs at once (int_recorded_crime__latest_release)."
    ),
    suites=(
        KNOWN_BOROUGHS,
        Suite("one_count_per_release", "files of one release agree on every count"),
        EVERY_BOROUGH_EVERY_MONTH,
        Suite(
            "board_measures_present",
            "every board measure has rows in the release",
            index_columns=("source_file", "release", "measure", "unrecognised_labels"),
        ),
        LABELS_KNOWN,
    ),
    dbt_staging=("stg_met__recorded_crime",),
    # The Met publishes in the first days of a month; by the 10th the previous month is in.
    delivery_day=10,
    licence="Open Government Licence v3.0",
    download_env="SCP_MPS_URL",
    download_name="MPS_Borough_Level_Crime_{release.last_period:%Y%m}.csv",
    sets_pack_month=True,
)
