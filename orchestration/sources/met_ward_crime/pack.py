"""The ward sections of the pack: each ward's figures and its monthly trend."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from orchestration.sections import (
    BOROUGH_MONTH,
    DECIMAL,
    INTEGER,
    MONTH,
    PERCENT,
    PackContext,
    Row,
    Section,
    Sheet,
    SheetColumn,
)
from orchestration.sections.charts import (
    WardPoint,
    ward_chart,
)
from orchestration.sources.met_ward_crime import SOURCE

# --- Wards ------------------------------------------------------------------------------------


def wards_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """The ward table: one row per ward (lowest all-measure rank first is not meaningful, so
    by name), one cell per measure, in the pack's measure order."""
    measures: dict[str, str] = {}
    wards: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: (r["sort_order"], r["measure"])):
        measures.setdefault(row["measure"], row["measure_label"])
        ward = wards.setdefault(
            row["ward_code"],
            {"ward_code": row["ward_code"], "ward_name": row["ward_name"], "cells": {}},
        )
        ward["cells"][row["measure"]] = row
    return {
        "measures": list(measures.items()),
        "wards": sorted(wards.values(), key=lambda ward: ward["ward_name"]),
        "any_apportioned": any(row["is_apportioned"] for row in rows),
    }


WARDS = Section(
    key="wards",
    order=200,
    title="Wards",
    table="rpt_ward_overview",
    where=BOROUGH_MONTH,
    order_by="ward_name, sort_order, measure",
    source=SOURCE.key,
    template="met_ward_crime/wards.html.j2",
    extras=wards_extras,
    sheet=Sheet(
        name="Wards",
        columns=[
            SheetColumn("Ward", "ward_name", width=28),
            SheetColumn("Ward code", "ward_code", width=12),
            SheetColumn("Measure", "measure_label", width=34),
            SheetColumn("Recent 12 months (to {month_long})", "r12_volume", DECIMAL, width=18),
            SheetColumn("Previous 12 months", "r12_volume_prev", DECIMAL),
            SheetColumn("R12 change vs. previous yr.", "r12_change_pct", PERCENT, divide_by=100),
            SheetColumn("Rank in borough (1 = lowest)", "borough_rank", INTEGER, width=12),
            SheetColumn("Exception {m0_label}", "exception_flag", width=12),
            SheetColumn("Months apportioned from old wards", "months_apportioned", INTEGER),
        ],
        notes=(
            "Volumes before a borough's 2022 wards were published are apportioned from its old "
            "wards (fct_ward_crosswalk), so they can be fractional.",
        ),
    ),
)


def ward_trends_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """One small chart per ward, every ward on the same scale."""
    top = max((float(row["volume"]) for row in rows), default=0.0)
    charts = []
    for code, group in groupby(rows, key=lambda row: row["ward_code"]):
        ward_rows = list(group)
        name = ward_rows[0]["ward_name"]
        points = [
            WardPoint(row["month"], float(row["volume"]), bool(row["is_apportioned"]))
            for row in ward_rows
        ]
        title = f"All recorded crime in {name}, monthly, {ctx.labels['ward_trend_span']}"
        charts.append(
            {
                "ward_code": code,
                "ward_name": name,
                "apportioned": any(point.apportioned for point in points),
                "svg": ward_chart(f"ward-{code}", title, points, top),
            }
        )
    return {"charts": charts}


WARD_TRENDS = Section(
    key="ward_trends",
    order=210,
    title="Ward trends",
    table="rpt_ward_trend",
    where=("borough_code = $borough_code", "month between $ward_trend_from and $month"),
    order_by="ward_name, ward_code, month",
    source=SOURCE.key,
    template="met_ward_crime/ward_trends.html.j2",
    extras=ward_trends_extras,
    sheet=Sheet(
        name="Ward trends",
        columns=[
            SheetColumn("Ward", "ward_name", width=28),
            SheetColumn("Ward code", "ward_code", width=12),
            SheetColumn("Month", "month", MONTH, width=10),
            SheetColumn("All recorded crime", "volume", DECIMAL, width=14),
            SheetColumn("Apportioned from old wards", "is_apportioned", width=14),
        ],
    ),
)


SECTIONS: tuple[Section, ...] = (
    WARDS,
    WARD_TRENDS,
)
