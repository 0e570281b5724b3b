"""A quarterly source declared only for the tests: a new source is a folder and a declaration.

`test_quarterly` lands `quarter,borough,count` CSV files in `raw/test/quarterly/`, has one GX
suite at its gate, a dbt staging model and a mart in its own folders (a count of 31337 makes
the mart fail to build, for the tests of a model error), and a check across
sources (its counts never exceed the Met's recorded crime for the borough and quarter). The
session's pipeline runs with it beside Met recorded crime, in the same graph, so a test can
break it and see that it fails alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from orchestration.landing.shared_suites import known_boroughs
from orchestration.landing.source import Grain, Source
from orchestration.landing.tabular import Column, Kind, TableParser
from orchestration.quality.cross_source import CrossSourceCheck

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "sample" / "quarterly_counts_2020Q1-2021Q1.csv"
# `quarter,borough,count`, one row per quarter and borough: the shared parser, told its columns.
PARSER = TableParser(
    (
        Column("quarter_start", Kind.DATE, header="quarter"),
        Column("borough_name", Kind.AREA, header="borough"),
        Column("incident_count", Kind.COUNT, header="count"),
    ),
    Grain.QUARTER,
)


SOURCE = Source(
    key="test_quarterly",
    title="Test quarterly counts",
    folder="test/quarterly",
    file_types=(".csv",),
    parser=PARSER,
    columns=PARSER.duckdb_columns,
    grain=Grain.QUARTER,
    release_rule="The latest release that contains a quarter gives its counts.",
    suites=(known_boroughs(),),
    dbt_staging=("stg_test__quarterly_counts",),
    delivery_day=20,
    licence="invented test figures",
    expectations_dir=HERE / "expectations",
)

CROSS_CHECK = CrossSourceCheck(
    name="quarterly_counts_within_recorded_crime",
    rule="a borough's quarterly count never exceeds the Met's recorded crime for that quarter",
    sources=("test_quarterly", "met_recorded_crime"),
    directory=HERE / "expectations",
    index_columns=("borough_name", "quarter_start"),
)


def install_dbt_models(project_dir: Path) -> None:
    """Adds the source's dbt files to a copy of the dbt project."""
    shutil.copytree(HERE / "dbt", project_dir / "models", dirs_exist_ok=True)
