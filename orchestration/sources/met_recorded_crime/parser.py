"""The MPS borough-level recorded crime file: its layouts, read by the shared wide reader.

The Met publishes one wide CSV per release: three key columns, then one column per month
(`YYYYMM`). Four real layouts exist (see `docs/source_contracts.md`); each is recognised by its
key columns. Labels are kept exactly as the file has them: mapping them to canonical
categories is data (the dbt seed `crime_category_map`), not code.
"""

from __future__ import annotations

from orchestration.sources.mps_wide import Layout, WideFile

FIELDS = ("major_text", "minor_text", "borough_name")

LAYOUTS: tuple[Layout, ...] = (
    Layout(
        name="mps_2019",
        key_columns=("MajorText", "MinorText", "LookUp_BoroughName"),
        fields=FIELDS,
        description="2019-2023 releases (24-month and Historical files)",
    ),
    Layout(
        name="mps_connect_2024",
        key_columns=("MajorText", "MinorText", "BoroughName"),
        fields=FIELDS,
        description="2024 re-extractions: upper-case labels, an 'Unknown' borough",
    ),
    Layout(
        name="mps_historic_pre2019",
        key_columns=("Borough", "Major Category", "Minor Category"),
        fields=("borough_name", "major_text", "minor_text"),
        description="pre-2019 'Historic' file: old Home Office categories",
    ),
)

WARD_LEVEL_HEADER = ("MajorText", "MinorText", "WardName")


class MpsRecordedCrimeParser(WideFile):
    """Parses the MPS borough-level file in any of its published layouts."""

    def __init__(self) -> None:
        super().__init__(
            LAYOUTS,
            FIELDS,
            {
                WARD_LEVEL_HEADER: (
                    "this is a ward-level file; raw/met/recorded_crime/ takes borough level "
                    "(ward files go to raw/met/ward_crime/)"
                )
            },
        )
