"""Great Expectations 1.x suites, kept as JSON in `expectations/`, run on pandas frames.

Each validation builds an ephemeral GX context: nothing is written to disk and no
SQLAlchemy connection is opened (GX's DuckDB route opens the file read-write, which would
block the pipeline's writer). The data is read through a read-only DuckDB connection first.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from orchestration.lib.config import EXPECTATIONS_DIR

# GX would otherwise try to send usage statistics on a network that refuses them.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

EXAMPLES_PER_FAILURE = 20


@dataclass(frozen=True)
class ExpectationFailure:
    """One expectation that did not hold, with the rows that broke it."""

    expectation: str
    column: str | None
    unexpected_count: int | None
    examples: list[dict[str, Any]]
    observed: Any = None

    def describe(self) -> str:
        target = f" on {self.column}" if self.column else ""
        count = f": {self.unexpected_count} row(s)" if self.unexpected_count else ""
        observed = f" (observed {self.observed})" if self.observed is not None else ""
        return f"{self.expectation}{target}{count}{observed}"


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    success: bool
    evaluated: int
    rows: int
    failures: list[ExpectationFailure] = field(default_factory=list)

    def summary(self) -> str:
        if self.success and not self.evaluated:
            return f"{self.suite}: no new file to judge (it judges each file on its own rows)"
        if self.success:
            return f"{self.suite}: {self.evaluated} expectations met on {self.rows:,} rows"
        broken = "; ".join(failure.describe() for failure in self.failures)
        return f"{self.suite}: {len(self.failures)} of {self.evaluated} failed: {broken}"

    def failures_markdown(self) -> str:
        """A table the engineer can fix the file from, without opening a terminal."""
        lines = ["| expectation | column | rows | examples |", "|---|---|---|---|"]
        for failure in self.failures:
            examples = "<br>".join(
                ", ".join(f"{key}={value}" for key, value in example.items())
                for example in failure.examples[:10]
            )
            lines.append(
                f"| {failure.expectation} | {failure.column or ''} | "
                f"{failure.unexpected_count if failure.unexpected_count is not None else ''} | "
                f"{examples or failure.observed or ''} |"
            )
        return "\n".join(lines)


def load_suite(name: str, directory: Path = EXPECTATIONS_DIR) -> dict[str, Any]:
    path = directory / f"{name}.json"
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def validate(
    suite_name: str,
    frame: pd.DataFrame,
    *,
    parameters: dict[str, Any] | None = None,
    index_columns: list[str] | None = None,
    directory: Path = EXPECTATIONS_DIR,
) -> SuiteResult:
    """Runs the suite `expectations/<suite_name>.json` on a frame.

    Args:
        parameters: values for `{"$PARAMETER": ...}` placeholders in the suite, for rules
            whose values live elsewhere as data (the known boroughs are the dbt seed's).
        index_columns: columns that identify a row in its source (file, line), reported with
            every unexpected value.
    """
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    suite_json = load_suite(suite_name, directory)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # Progress bars are noise in run logs.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("frames").add_dataframe_asset(suite_name)
    batch = asset.add_batch_definition_whole_dataframe("whole_frame")
    suite = context.suites.add(gx.ExpectationSuite(**suite_json))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{suite_name}_validation", data=batch, suite=suite)
    )
    result_format: dict[str, Any] = {
        "result_format": "SUMMARY",
        "partial_unexpected_count": EXAMPLES_PER_FAILURE,
    }
    if index_columns:
        result_format["unexpected_index_column_names"] = index_columns
    outcome = definition.run(
        batch_parameters={"dataframe": frame},
        expectation_parameters=parameters or {},
        result_format=result_format,
    )

    failures = []
    for result in outcome.results:
        if result.success:
            continue
        details = result.result or {}
        config = result.expectation_config
        if config is None:  # every result of a suite run carries its expectation
            continue
        examples = details.get("partial_unexpected_index_list") or [
            {"value": value} for value in details.get("partial_unexpected_list") or []
        ]
        failures.append(
            ExpectationFailure(
                expectation=config.type,
                column=config.kwargs.get("column")
                or ",".join(config.kwargs.get("column_list") or []),
                unexpected_count=details.get("unexpected_count"),
                examples=[{k: _plain(v) for k, v in example.items()} for example in examples],
                observed=_plain(details.get("observed_value"))
                if details.get("observed_value") is not None
                else None,
            )
        )
    return SuiteResult(
        suite=suite_name,
        success=bool(outcome.success),
        evaluated=len(outcome.results),
        rows=len(frame),
        failures=failures,
    )
