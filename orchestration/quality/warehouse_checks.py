"""Great Expectations suites as Dagster asset checks on the working warehouse."""

from collections.abc import Callable
from typing import Any

import dagster as dg
import pandas as pd

from orchestration.lib.duck import read_only
from orchestration.lib.resources import PipelineSettings
from orchestration.quality.gx import SuiteResult, validate


def check_result(result: SuiteResult, severity: dg.AssetCheckSeverity) -> dg.AssetCheckResult:
    metadata: dict[str, dg.RawMetadataValue] = {
        "suite": f"expectations/{result.suite}.json",
        "rows_validated": result.rows,
        "expectations": result.evaluated,
        "summary": result.summary(),
    }
    if not result.success:
        metadata["failures"] = dg.MetadataValue.md(result.failures_markdown())
    return dg.AssetCheckResult(passed=result.success, severity=severity, metadata=metadata)


def validate_in_warehouse(
    pipeline: PipelineSettings,
    frame_of: Callable[[Any], pd.DataFrame],
    suite: str,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
    **kwargs: Any,
) -> dg.AssetCheckResult:
    """Reads a frame through a short read-only connection and validates it against a suite.

    Args:
        frame_of: the query that builds the frame from the warehouse connection.
        suite: the name of a suite in expectations/.
        kwargs: passed to `validate` (parameters, index_columns).
    """
    with read_only(pipeline.settings.warehouse_path) as con:
        frame = frame_of(con)
    return check_result(validate(suite, frame, **kwargs), severity)
