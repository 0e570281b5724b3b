"""A provider's landed return, through the validator, as long rows for `raw.partner_<key>`.

The parser is the validator's third caller (with `make validate` and the tests): a return with
a blocking problem is refused with every problem in the message, the first one's cell as the
place (`Return!C9`); its warnings travel with the rows (`note`) to the marts, the pack and the
non-blocking check `return_notes`. The history the year-to-date and history rules need is the
other returns in the provider's landing folder.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from orchestration.landing.contract import ContractError, read_bytes
from orchestration.landing.source import ParsedFile, Release
from orchestration.sources.partner_returns.catalogue import Catalogue, Provider
from orchestration.sources.partner_returns.reading import cell_name
from orchestration.sources.partner_returns.template import (
    FIGURES_SHEET,
    QUARTER_COL,
    QUARTER_ROW,
    RETURN_SHEET,
    SUBMITTED_ROW,
)
from orchestration.sources.partner_returns.validate import (
    Figure,
    ReturnReport,
    history_for,
    read_header,
    validate_return,
)

COLUMNS = {
    "provider": "varchar not null",
    "financial_year": "varchar not null",
    "fiscal_quarter": "integer not null",
    "period_start": "date not null",
    "submitted_on": "date not null",
    "measure": "varchar not null",
    "basis": "varchar not null",
    "cell": "varchar not null",
    "value": "double",
    "typed_value": "double",
    "numerator": "double",
    "denominator": "double",
    "is_not_available": "boolean not null",
    "note": "varchar",
    "period_end": "date not null",
    "period_kind": "varchar not null",
    "breakdown": "varchar",
    "category": "varchar",
    "category_label": "varchar",
    "is_not_known": "boolean",
    "area": "varchar",
    "area_label": "varchar",
    "comparator_source": "varchar",
    "plan": "varchar",
    "plan_item": "varchar",
    "item_theme": "varchar",
    "item_owner": "varchar",
    "status": "varchar",
    "typed_share": "double",
}
# The kinds of row a return lands: the Return sheet's (quarter and year to date) as before,
# and each Figures sheet row that holds a figure or a status.
_DATES = ("period_start", "period_end", "submitted_on")
QUARTER_CELL = cell_name(RETURN_SHEET, QUARTER_ROW, QUARTER_COL)
SUBMITTED_CELL = cell_name(RETURN_SHEET, SUBMITTED_ROW, QUARTER_COL)


def release_of(report: ReturnReport) -> Release:
    """A return's release: its quarter, published on the day it was submitted."""
    assert report.quarter is not None and report.submitted_on is not None
    quarter = report.quarter
    return Release(
        label=f"{quarter.label} (submitted {report.submitted_on:%Y-%m-%d})",
        first_period=quarter.period_start,
        last_period=quarter.period_start,
        released_on=report.submitted_on,
        last_period_where=QUARTER_CELL,
        released_on_where=SUBMITTED_CELL,
    )


def refusal(report: ReturnReport) -> ContractError:
    """Every blocking problem in one message; the first one's cell is the place."""
    first, *rest = report.blocking
    rule = first.message + "".join(f"; {problem}" for problem in rest)
    return ContractError(report.path, first.where, rule)


def _row(report: ReturnReport, figure: Figure) -> dict[str, object]:
    assert report.provider is not None and report.quarter is not None
    quarter, spec = report.quarter, figure.spec
    row: dict[str, object] = {
        "source_row": figure.row,
        "provider": report.provider.key,
        "financial_year": quarter.financial_year,
        "fiscal_quarter": quarter.quarter,
        "submitted_on": report.submitted_on,
        "measure": figure.measure,
        "basis": figure.basis,
        "cell": figure.cell,
        "value": figure.value,
        "typed_value": figure.typed,
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "is_not_available": figure.state == "not_available",
        "note": figure.note,
        "status": figure.status,
        "typed_share": figure.typed_share,
    }
    if spec is None:
        # The Return sheet: the quarter's figure, or the year to date (its period the year
        # from April to the quarter's end, as the marts compute it).
        row.update(period_start=quarter.period_start, period_end=quarter.period_end,
                   period_kind=figure.basis)  # fmt: skip
        return row
    if spec.item is not None and spec.plan is not None:
        day = report.submitted_on
        row.update(period_start=day, period_end=day, period_kind="snapshot", plan=spec.plan.key,
                   plan_item=spec.item.key, item_theme=spec.item.theme,
                   item_owner=spec.item.owner)  # fmt: skip
        return row
    assert spec.period is not None
    row.update(period_start=spec.period.start, period_end=spec.period.end,
               period_kind=spec.period.kind)  # fmt: skip
    if spec.breakdown is not None and spec.category is not None:
        row.update(breakdown=spec.breakdown.key, category=spec.category.key,
                   category_label=spec.category.label,
                   is_not_known=spec.category.is_not_known)  # fmt: skip
    if spec.comparator is not None:
        row.update(area=spec.comparator.area, area_label=spec.comparator.label,
                   comparator_source=spec.comparator.source)  # fmt: skip
    return row


def rows_of(report: ReturnReport) -> pd.DataFrame:
    """One row per figure cell: every measure's quarter, the year to date where given, and each
    Figures sheet row that holds a figure or a status (contract 1, docs/source_contracts.md)."""
    assert report.provider is not None and report.quarter is not None
    rows = [
        _row(report, figure)
        for figure in report.figures
        if (figure.basis == "quarter" or figure.state != "blank" or figure.value is not None)
        and not (figure.sheet == FIGURES_SHEET and figure.state in ("blank", "invalid"))
    ]
    frame = pd.DataFrame(rows, columns=["source_row", *COLUMNS])
    for column in _DATES:
        frame[column] = pd.to_datetime(frame[column])
    for column in ("value", "typed_value", "numerator", "denominator", "typed_share"):
        frame[column] = frame[column].astype("float64")
    frame["fiscal_quarter"] = frame["fiscal_quarter"].astype("int32")
    frame["is_not_known"] = frame["is_not_known"].astype("boolean")
    for column, kind in COLUMNS.items():
        if kind == "varchar":
            frame[column] = frame[column].astype("object")
    return frame


class ReturnParser:
    """Reads one provider's returns (`.xlsx` from the template, or its Return sheet as CSV)."""

    def __init__(self, provider: Provider, catalogue: Catalogue) -> None:
        self.provider = provider
        self.catalogue = catalogue

    def peek(self, path: Path) -> Release:
        """The quarter and the "submitted on" date, from the header cells alone."""
        report = read_header(path, self.catalogue)
        if report.quarter is None or report.submitted_on is None:
            problem = report.blocking[0] if report.blocking else None
            raise ContractError(
                path,
                problem.where if problem else QUARTER_CELL,
                problem.message if problem else "the quarter and submitted_on cannot be read",
            )
        return release_of(report)

    def parse(self, path: Path) -> ParsedFile:
        report = validate_return(
            path,
            catalogue=self.catalogue,
            expected_provider=self.provider.key,
            history=history_for(path, self.provider, self.catalogue),
        )
        if report.blocking:
            raise refusal(report)
        data = read_bytes(path)
        details = {"quarter": report.quarter.label if report.quarter else ""}
        if report.warnings:
            details["warnings"] = "; ".join(str(problem) for problem in report.warnings)
        return ParsedFile(
            path=path,
            sha256=hashlib.sha256(data).hexdigest(),
            release=release_of(report),
            rows=rows_of(report),
            details=details,
        )
