"""The offender management sections, from MOPAC's IOM data store returns."""

from __future__ import annotations

from typing import Any

from orchestration.sections import (
    PERCENT_ONE_PLACE,
    VOLUME,
    PackContext,
    Row,
    Section,
    Sheet,
    SheetColumn,
    quarter_extras,
)
from orchestration.sections.formatting import (
    format_figure,
    quarter_months,
)
from orchestration.sources.mopac_iom import SOURCE

# The risk matrix's categories, as the IOM data store names them, with the letter the pack
# prints inside each coloured cell (so it reads in black and white too).
RISK_CATEGORIES = (
    ("risk_red", "R", "Red"),
    ("risk_amber", "A", "Amber"),
    ("risk_green", "G", "Green"),
    ("risk_blue", "B", "Blue (in custody or on remand)"),
)


def derive_iom(rows: list[Row], ctx: PackContext) -> list[Row]:
    """Adds the months of each quarter and the risk matrix as letters and counts."""
    derived = []
    for row in rows:
        risk = [
            {"key": key[5:], "letter": letter, "words": words, "count": row.get(key)}
            for key, letter, words in RISK_CATEGORIES
            if row.get(key) is not None
        ]
        derived.append(
            {
                **row,
                "months": quarter_months(row["period_start"], row["period_end"]),
                "risk": risk,
                "risk_text": ", ".join(f"{r['letter']} {r['count']}" for r in risk) or None,
            }
        )
    return derived


def derive_iom_comparison(rows: list[Row], ctx: PackContext) -> list[Row]:
    """Adds the decimals a printed rate was given to (24 -> 0, 27.2 -> 1), to print it so."""
    return [
        {
            **row,
            "reported_rate_places": (
                0
                if row["reported_rate_pct"] is None
                or row["reported_rate_pct"] == round(row["reported_rate_pct"])
                else 1
            ),
        }
        for row in rows
    ]


def iom_comparison_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """The quarter, and whether any printed rate differs from the recomputed one."""
    extras = quarter_extras(rows, ctx)
    extras["any_printed_differs"] = any(row["reported_rate_differs"] for row in rows)
    return extras


# The cohort's profile as the April 2023 report gives it (§5.1.18), each breakdown a table of
# its own, in this order.
PROFILE_BREAKDOWNS = (("ethnicity", "Ethnicity"), ("gender", "Gender"), ("age", "Age"))
PROFILE_WHERE = "breakdown in ('ethnicity', 'gender', 'age')"


def profile_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """The quarter, and the rows grouped by breakdown in the report's order."""
    extras = quarter_extras(rows, ctx)
    extras["breakdowns"] = [
        {"key": key, "label": label, "rows": [row for row in rows if row["breakdown"] == key]}
        for key, label in PROFILE_BREAKDOWNS
        if any(row["breakdown"] == key for row in rows)
    ]
    extras["cohort"] = rows[0]["offenders_in_cohort"] if rows else None
    return extras


def derive_profile(rows: list[Row], ctx: PackContext) -> list[Row]:
    """Adds the breakdown's name in words, for the workbook."""
    labels = dict(PROFILE_BREAKDOWNS)
    return [
        {**row, "breakdown_label": labels.get(row["breakdown"], row["breakdown"])} for row in rows
    ]


def derive_cost_of_crime(rows: list[Row], ctx: PackContext) -> list[Row]:
    """Adds the months of the return's quarter and the amounts in whole pounds, as printed."""
    return [
        {
            **row,
            "months": quarter_months(row["period_start"], row["period_end"]),
            "cost_text": format_figure(row["cost_of_crime_gbp"], "currency"),
            "cost_per_offence_text": format_figure(row["cost_per_offence_gbp"], "currency"),
        }
        for row in rows
    ]


IOM_TREND = Section(
    key="iom_trend",
    order=420,
    title="Offender management (IOM): the cohort by quarter",
    table="rpt_iom_trend",
    where=("borough_code = $borough_code",),
    order_by="period_start",
    source=SOURCE.key,
    template="mopac_iom/iom_trend.html.j2",
    derive=derive_iom,
    sheet=Sheet(
        name="IOM cohort",
        columns=[
            SheetColumn("Quarter", "period_label", width=12),
            SheetColumn("Months", "months", width=14),
            SheetColumn("Offenders in cohort", "offenders_in_cohort", VOLUME),
            SheetColumn("Offenders charged", "offenders_charged", VOLUME),
            SheetColumn("Charged during cohort", "offenders_charged_during_cohort", VOLUME),
            SheetColumn(
                "Share of cohort charged (not the MoJ proven reoffending rate)",
                "share_of_cohort_charged_pct",
                PERCENT_ONE_PLACE,
                width=18,
                divide_by=100,
            ),
            SheetColumn("Charged offences", "charged_offences", VOLUME),
            SheetColumn("Risk: Red", "risk_red", VOLUME, width=10),
            SheetColumn("Risk: Amber", "risk_amber", VOLUME, width=10),
            SheetColumn("Risk: Green", "risk_green", VOLUME, width=10),
            SheetColumn("Risk: Blue (custody)", "risk_blue", VOLUME, width=10),
            SheetColumn("Statutory", "statutory", VOLUME, width=10),
            SheetColumn("Non-statutory", "non_statutory", VOLUME, width=10),
            SheetColumn("Note", "note", width=60),
        ],
    ),
)

IOM_COMPARISON = Section(
    key="iom_comparison",
    order=430,
    title="Offender management (IOM): against London",
    table="rpt_iom_comparison",
    where=("borough_code = $borough_code",),
    order_by="sort_order, area",
    source=SOURCE.key,
    template="mopac_iom/iom_comparison.html.j2",
    derive=derive_iom_comparison,
    extras=iom_comparison_extras,
    sheet=Sheet(
        name="IOM against London",
        columns=[
            SheetColumn("Area", "area", width=16),
            SheetColumn("Quarter", "period_label", width=12),
            SheetColumn("Offenders in cohort", "offenders_in_cohort", VOLUME),
            SheetColumn("Offenders charged", "offenders_charged", VOLUME),
            SheetColumn("Charged during cohort", "offenders_charged_during_cohort", VOLUME),
            SheetColumn("Charged offences", "charged_offences", VOLUME),
            SheetColumn(
                "Share of cohort charged, from the counts",
                "share_of_cohort_charged_pct",
                PERCENT_ONE_PLACE,
                width=18,
                divide_by=100,
            ),
            SheetColumn(
                "Rate as printed by the return",
                "reported_rate_pct",
                PERCENT_ONE_PLACE,
                divide_by=100,
            ),
            SheetColumn("Note", "note", width=60),
        ],
    ),
)


IOM_PROFILE = Section(
    key="iom_profile",
    order=425,
    title="Offender management (IOM): the cohort's ethnicity, gender and age",
    table="fct_iom_cohort_breakdown",
    where=(
        "area_code = $borough_code",
        PROFILE_WHERE,
        "period_start = (select max(period_start) from fct_iom_cohort_breakdown "
        f"where area_code = $borough_code and {PROFILE_WHERE})",
    ),
    order_by="sort_order",
    source=SOURCE.key,
    template="mopac_iom/iom_profile.html.j2",
    derive=derive_profile,
    extras=profile_extras,
    sheet=Sheet(
        name="IOM cohort profile",
        columns=[
            SheetColumn("Quarter", "period_label", width=12),
            SheetColumn("Breakdown", "breakdown_label", width=12),
            SheetColumn("Category", "category_label", width=14),
            SheetColumn("Offenders", "offender_count", VOLUME),
            SheetColumn("Offenders in cohort", "offenders_in_cohort", VOLUME),
            SheetColumn("Share of cohort", "share_of_cohort_pct", PERCENT_ONE_PLACE, divide_by=100),
        ],
    ),
)

IOM_COST_OF_CRIME = Section(
    key="iom_cost_of_crime",
    order=435,
    title="Offender management (IOM): the cost of crime before, during and after the cohort",
    table="kpi_iom_cost_of_crime",
    where=(
        "area_code = $borough_code",
        "period_start = (select max(period_start) from kpi_iom_cost_of_crime "
        "where area_code = $borough_code)",
    ),
    order_by="sort_order",
    source=SOURCE.key,
    template="mopac_iom/iom_cost_of_crime.html.j2",
    derive=derive_cost_of_crime,
    sheet=Sheet(
        name="IOM cost of crime",
        columns=[
            SheetColumn("Return quarter", "period_label", width=12),
            SheetColumn("Months", "months", width=14),
            SheetColumn("Offenders", "offenders", VOLUME),
            SheetColumn("Phase", "phase_label", width=34),
            SheetColumn("Offences", "offences", VOLUME),
            SheetColumn("Estimated cost of crime (£)", "cost_of_crime_gbp", VOLUME, width=18),
            SheetColumn("Cost per offence (£)", "cost_per_offence_gbp", VOLUME, width=14),
        ],
    ),
)


SECTIONS: tuple[Section, ...] = (
    IOM_TREND,
    IOM_PROFILE,
    IOM_COMPARISON,
    IOM_COST_OF_CRIME,
)
