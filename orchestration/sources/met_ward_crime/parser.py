"""The MPS ward-level recorded crime file: one layout, read by the shared wide reader.

`MajorText,MinorText,WardName,WardCode,LookUp_BoroughName,<YYYYMM>...`. The Met publishes it on
the wards in force when the file was made: a file from before the May 2022 boundary change is on
the old wards, a later one on the 2022 wards back-cast to its first month. Which generation a file
is on is told by its ward codes (the dbt seed `wards_2022`), in dbt, not here.
"""

from __future__ import annotations

from orchestration.sources.met_recorded_crime.parser import LAYOUTS as BOROUGH_LAYOUTS
from orchestration.sources.mps_wide import Layout, WideFile

FIELDS = ("major_text", "minor_text", "ward_name", "ward_code", "borough_name")

LAYOUTS: tuple[Layout, ...] = (
    Layout(
        # The labels are those of the borough files' 2019 layout (the same category map).
        name="mps_2019",
        key_columns=("MajorText", "MinorText", "WardName", "WardCode", "LookUp_BoroughName"),
        fields=FIELDS,
        description="2020-2023 ward files, on the old wards or on the 2022 wards",
    ),
)


class MpsWardCrimeParser(WideFile):
    """Parses the MPS ward-level file."""

    def __init__(self) -> None:
        super().__init__(
            LAYOUTS,
            FIELDS,
            {
                layout.key_columns: (
                    "this is a borough-level file; raw/met/ward_crime/ takes ward level "
                    "(borough files go to raw/met/recorded_crime/)"
                )
                for layout in BOROUGH_LAYOUTS
            },
        )
