"""The borough's crime overview as text: for `make run`'s summary and the UI's preview."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from orchestration.lib.boroughs import Borough
from orchestration.lib.duck import published
from orchestration.publish.pack.sections import find_section
from orchestration.sections.formatting import round_half_away_from_zero

# The pack's first page, which `make run` prints and the pack's asset previews.
PAGE_ONE = "overview"


def whole_percent(value: float | None) -> str:
    """Reports round half away from zero to whole percent (-14.5 -> -15%)."""
    if value is None or pd.isna(value):
        return "n/a"
    return f"{round_half_away_from_zero(value):+d}%"


def overview_frame(database: Path, borough: Borough, month: date) -> pd.DataFrame:
    """The rows of the pack's first page: the same query, on the same published table (no rows
    while its source has published nothing)."""
    overview = find_section(PAGE_ONE)
    with published(database) as con:
        found = con.execute(
            "select count(*) from duckdb_tables() where table_name = ?", [overview.table]
        ).fetchone()
        if not found or not found[0]:
            return pd.DataFrame()
        return con.execute(overview.query, {"borough_code": borough.code, "month": month}).df()


def overview_table(frame: pd.DataFrame, markdown: bool = False) -> str:
    rows = [
        [
            row.measure_label,
            f"{row.ytd_volume:,}",
            whole_percent(row.ytd_change_pct),
            f"{row.r12_volume:,}",
            whole_percent(row.r12_change_pct),
            f"{row.rate_per_1000:.2f}",
            f"{row.london_rank}/{row.london_rank_of}",
            row.rag.upper(),
        ]
        for row in frame.itertuples()
    ]
    header = ["measure", "YTD", "YTD chg", "R12", "R12 chg", "per 1,000", "rank", "RAG"]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(header), *(line(row) for row in rows)])
