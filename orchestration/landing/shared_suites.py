"""The suites any source can run at its gate, told which of its columns to read.

Each is one pair of files in `expectations/shared/` (the GX suite and its SQL, a Jinja template
of the column names), so a rule every source needs (its areas are known, one figure per
period) is written once. A source's own rules live in `expectations/<key>/`.
"""

from __future__ import annotations

from collections.abc import Sequence

from orchestration.landing.source import Suite


def known_boroughs(area: str = "borough_name") -> Suite:
    """Every borough a row names is one the reference knows (the Met's other areas too)."""
    return Suite(
        "known_boroughs",
        "every borough is one the reference knows",
        index_columns=("source_file", "source_row", area),
        shared=True,
        params={"area": area},
        per_file=True,
    )


def known_areas(
    area: str = "area_name",
    area_types: Sequence[str] = ("borough", "london"),
    rule: str = "every area is a London borough (by name or ONS code) or London",
) -> Suite:
    """Every area a row names is one the reference knows, of a type the source reports."""
    return Suite(
        "known_areas",
        rule,
        index_columns=("source_file", "source_row", area, "area_type"),
        shared=True,
        params={"area": area, "area_types": ",".join(area_types)},
    )


def one_figure_per_period(period: str, area: str, values: Sequence[str]) -> Suite:
    """Files of one release agree: each area and period has one figure per measure."""
    return Suite(
        "one_figure_per_period",
        "files of one release give one figure per area and period",
        index_columns=("source_files", "release", period, area, "measure"),
        shared=True,
        params={"period": period, "area": area, "values": ",".join(values)},
    )
