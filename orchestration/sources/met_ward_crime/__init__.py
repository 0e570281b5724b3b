"""Met recorded crime, ward level: the MPS monthly ward file, on either ward generation."""

from orchestration.landing.source import Grain, Source, Suite
from orchestration.sources.met_ward_crime.parser import MpsWardCrimeParser
from orchestration.sources.mps_wide import EVERY_BOROUGH_EVERY_MONTH, KNOWN_BOROUGHS, LABELS_KNOWN

SOURCE = Source(
    key="met_ward_crime",
    title="MPS recorded crime, ward level",
    folder="met/ward_crime",
    file_types=(".csv",),
    parser=MpsWardCrimeParser(),
    columns={
        "source_layout": "varchar not null",
        "major_text": "varchar not null",
        "minor_text": "varchar not null",
        "ward_name": "varchar not null",
        "ward_code": "varchar not null",
        "borough_name": "varchar not null",
        "month": "date not null",
        "offence_count": "bigint not null",
    },
    grain=Grain.MONTH,
    # The borough too: the Met lists Heathrow Villages under two boroughs.
    figure_keys=("borough_name", "ward_code", "major_text", "minor_text"),
    figure_columns=("offence_count",),
    release_rule=(
        "A file's release is its last month column. Each month of each ward generation comes "
        "from the latest release that contains it (int_ward_crime__latest_release)."
    ),
    suites=(
        KNOWN_BOROUGHS,
        Suite(
            "one_ward_generation_per_file",
            "each borough of a file is on the 2022 wards or on its old wards, not a mix",
            index_columns=("source_file", "borough_name", "wards_2022", "other_wards"),
            per_file=True,
        ),
        EVERY_BOROUGH_EVERY_MONTH,
        LABELS_KNOWN,
    ),
    dbt_staging=("stg_met__ward_crime",),
    delivery_day=10,
    licence="Open Government Licence v3.0",
)
