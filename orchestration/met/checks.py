"""Great Expectations checks on the loaded recorded crime, run before dbt may read it.

Each check reads through a short read-only connection and validates a pandas frame against a
suite in expectations/. Failures carry the rows that broke each expectation (file and line),
so the engineer can fix the file from the UI.
"""

from datetime import date
from typing import Any

import dagster as dg
import pandas as pd

from orchestration.lib.duck import read_only
from orchestration.lib.partitions import WAREHOUSE_POOL
from orchestration.lib.reference import (
    borough_aliases,
    category_label_keys,
    label_key,
    london_borough_codes,
)
from orchestration.lib.resources import PipelineSettings
from orchestration.met.assets import RAW_RECORDED_CRIME
from orchestration.met.freshness import expected_release, freshness_problem
from orchestration.met.load import TABLE
from orchestration.quality.warehouse_checks import validate_in_warehouse


def recorded_crime_rows(con: Any) -> pd.DataFrame:
    return con.execute(f"select *, lower(trim(borough_name)) as borough_key from {TABLE}").df()


def coverage_rows(con: Any) -> pd.DataFrame:
    """One row per loaded file, month and London borough: is the borough in that month?"""
    aliases = pd.DataFrame(
        [(name, code) for name, code in borough_aliases().items()],
        columns=["borough_key", "borough_code"],
    )
    london = pd.DataFrame(sorted(london_borough_codes()), columns=["borough_code"])
    con.register("aliases", aliases)
    con.register("london", london)
    try:
        return con.execute(
            f"""
            with file_months as (
                select distinct source_file, release_month, month from {TABLE}
            ),
            present as (
                select distinct source_file, month, aliases.borough_code
                from {TABLE} as loaded
                join aliases on aliases.borough_key = lower(trim(loaded.borough_name))
            )
            select
                file_months.source_file,
                file_months.release_month,
                file_months.month,
                london.borough_code,
                present.borough_code is not null as is_present
            from file_months
            cross join london
            left join present
                on present.source_file = file_months.source_file
                and present.month = file_months.month
                and present.borough_code = london.borough_code
            order by 1, 3, 4
            """
        ).df()
    finally:
        con.unregister("aliases")
        con.unregister("london")


def label_rows(con: Any) -> pd.DataFrame:
    labels = con.execute(
        f"""
        select source_layout, major_text, minor_text, count(*) as row_count,
               min(source_file) as first_file, min(source_row) as first_row
        from {TABLE}
        group by source_layout, major_text, minor_text
        order by 1, 2, 3
        """
    ).df()
    labels["label_key"] = [
        label_key(layout, major, minor)
        for layout, major, minor in zip(
            labels["source_layout"], labels["major_text"], labels["minor_text"], strict=True
        )
    ]
    return labels


@dg.asset_check(asset=RAW_RECORDED_CRIME, blocking=True, pool=WAREHOUSE_POOL)
def recorded_crime_contract(pipeline: PipelineSettings) -> dg.AssetCheckResult:
    """Expected columns, known boroughs, non-negative whole counts, one row per key a release.

    Suite expectations/met_recorded_crime.json. Blocking: dbt does not run on data that fails.
    """
    return validate_in_warehouse(
        pipeline,
        recorded_crime_rows,
        "met_recorded_crime",
        parameters={"known_borough_keys": sorted(borough_aliases())},
        index_columns=["source_file", "source_row"],
    )


@dg.asset_check(asset=RAW_RECORDED_CRIME, blocking=True, pool=WAREHOUSE_POOL)
def recorded_crime_every_borough_every_month(pipeline: PipelineSettings) -> dg.AssetCheckResult:
    """Each of the 32 London boroughs is present in every month of every loaded file.

    Suite expectations/met_recorded_crime_coverage.json. Blocking: a pack must never show a
    month that some boroughs lack.
    """
    return validate_in_warehouse(
        pipeline,
        coverage_rows,
        "met_recorded_crime_coverage",
        index_columns=["source_file", "month", "borough_code"],
    )


@dg.asset_check(asset=RAW_RECORDED_CRIME, blocking=False, pool=WAREHOUSE_POOL)
def recorded_crime_labels_known(pipeline: PipelineSettings) -> dg.AssetCheckResult:
    """Every category label is in the category map (dbt seed crime_category_map).

    Suite expectations/met_recorded_crime_labels.json. A warning, not a stop: an unknown label
    is kept and reaches the marts as category_scheme 'unmapped', so nothing is dropped while
    someone adds it to the seed.
    """
    return validate_in_warehouse(
        pipeline,
        label_rows,
        "met_recorded_crime_labels",
        severity=dg.AssetCheckSeverity.WARN,
        parameters={"known_label_keys": sorted(category_label_keys())},
        index_columns=["source_layout", "major_text", "minor_text", "first_file", "first_row"],
    )


@dg.asset_check(asset=RAW_RECORDED_CRIME, blocking=False, pool=WAREHOUSE_POOL)
def recorded_crime_fresh(pipeline: PipelineSettings) -> dg.AssetCheckResult:
    """The expected release is loaded by its deadline: month M by day 10 of month M+1.

    The deadline day is SCP_FRESHNESS_DEADLINE_DAY (default 10). A warning, not a stop: late
    data should be chased, but last month's figures are still right to publish.
    """
    settings = pipeline.settings
    with read_only(settings.warehouse_path) as con:
        latest = con.execute(f"select max(release_month) from {TABLE}").fetchone()[0]
    today = date.today()
    problem = freshness_problem(latest, today, pipeline.freshness_deadline_day)
    return dg.AssetCheckResult(
        passed=problem is None,
        severity=dg.AssetCheckSeverity.WARN,
        description=problem or "the expected release is loaded",
        metadata={
            "expected_release": f"{expected_release(today, pipeline.freshness_deadline_day):%Y-%m}",
            "latest_release": f"{latest:%Y-%m}" if latest else "",
            "deadline_day": pipeline.freshness_deadline_day,
            "summary": problem or "on time",
        },
    )
