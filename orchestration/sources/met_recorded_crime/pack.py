"""The crime sections of the pack: page one's overview, the monthly exceptions, the trend,
the peer comparison and what changed since the last pack, from the Met's borough-level
recorded crime.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from orchestration.sections import (
    BOROUGH_MONTH,
    DECIMAL,
    INTEGER,
    MONTH,
    PERCENT,
    RAG_FILLS,
    RATE,
    VOLUME,
    PackContext,
    Row,
    Section,
    Sheet,
    SheetColumn,
    by_measure,
)
from orchestration.sections.charts import (
    RateBar,
    TrendPoint,
    rates_chart,
    trend_chart,
)
from orchestration.sections.formatting import (
    borough_slug,
    crime_factors,
    exception_symbol,
    exception_words,
    format_change_pct,
    month_label,
    rag_letter,
)
from orchestration.sources.met_recorded_crime import SOURCE

# --- Overview ---------------------------------------------------------------------------------


def derive_overview(rows: list[Row], ctx: PackContext) -> list[Row]:
    """Adds the plain-words factors and the three months' exception symbols to each row."""
    labels = ctx.labels
    month_labels = [labels["m2_label"], labels["m1_label"], labels["m0_label"]]
    derived = []
    for row in rows:
        factors = crime_factors(row["r12_change_pct"], row["ytd_change_pct"], row["direction"])
        flags = [row["exception_m2"], row["exception_m1"], row["exception_m0"]]
        derived.append(
            {
                **row,
                "rag_letter": rag_letter(row["rag"]),
                "factors": factors,
                "factors_text": "; ".join(f.text for f in factors),
                "exceptions": [
                    {
                        "label": label,
                        "flag": flag or "missing",
                        "symbol": exception_symbol(flag),
                        "words": exception_words(flag),
                    }
                    for label, flag in zip(month_labels, flags, strict=True)
                ],
            }
        )
    return derived


def overview_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """The peer-comparison footnote, worded from each measure's denominator."""
    other = [
        f"per 1,000 {row['denominator']} for {row['measure_label']}"
        for row in rows
        if row["denominator"] != "population"
    ]
    of = sorted({row["london_rank_of"] for row in rows if row["london_rank_of"] is not None})
    return {
        "rank_note_exceptions": other,
        "rank_of": of[0] if len(of) == 1 else None,
    }


OVERVIEW = Section(
    key="overview",
    order=100,
    title="Overview dashboard",
    table="rpt_crime_overview",
    where=BOROUGH_MONTH,
    order_by="sort_order, measure",
    source=SOURCE.key,
    template="met_recorded_crime/overview.html.j2",
    derive=derive_overview,
    extras=overview_extras,
    required=True,
    sheet=Sheet(
        name="Overview",
        columns=[
            SheetColumn("Measure", "measure_label", width=34),
            SheetColumn("RAG", "rag_letter", width=8, fills=RAG_FILLS),
            SheetColumn("Positive / negative factors", "factors_text", width=70),
            SheetColumn("Volume ({ytd_span})", "ytd_volume", VOLUME),
            SheetColumn("Volume a year before", "ytd_volume_prev", VOLUME),
            SheetColumn("YTD change vs. previous yr.", "ytd_change_pct", PERCENT, divide_by=100),
            SheetColumn("Recent 12 months (to {month_long})", "r12_volume", VOLUME, width=18),
            SheetColumn("Previous 12 months", "r12_volume_prev", VOLUME),
            SheetColumn("R12 change vs. previous yr.", "r12_change_pct", PERCENT, divide_by=100),
            SheetColumn("Rate per 1,000", "rate_per_1000", RATE),
            SheetColumn("Rate denominator", "denominator", width=14),
            SheetColumn("London rank", "london_rank", INTEGER, width=10),
            SheetColumn("Ranked of", "london_rank_of", INTEGER, width=10),
            SheetColumn("Exception {m2_label}", "exception_m2", width=12),
            SheetColumn("Exception {m1_label}", "exception_m1", width=12),
            SheetColumn("Exception {m0_label}", "exception_m0", width=12),
        ],
    ),
)

# --- Exceptions -------------------------------------------------------------------------------


def derive_exceptions(rows: list[Row], ctx: PackContext) -> list[Row]:
    """Adds the month header, the symbol and its words, as in the overview."""
    return [
        {
            **row,
            "month_label": month_label(row["month"]),
            "symbol": exception_symbol(row["flag"]),
            "words": exception_words(row["flag"]),
        }
        for row in rows
    ]


def exceptions_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """The months grouped by measure: one row group (a card on a phone) per measure."""
    return {
        "groups": [
            {"measure": measure, "label": group[0]["measure_label"], "rows": group}
            for measure, group in by_measure(rows)
        ]
    }


EXCEPTIONS = Section(
    key="exceptions",
    order=110,
    title="Monthly exceptions",
    table="rpt_crime_exceptions",
    where=BOROUGH_MONTH,
    order_by="sort_order, measure, month",
    source=SOURCE.key,
    template="met_recorded_crime/exceptions.html.j2",
    derive=derive_exceptions,
    extras=exceptions_extras,
    sheet=Sheet(
        name="Exceptions",
        columns=[
            SheetColumn("Measure", "measure_label", width=34),
            SheetColumn("Month", "month", MONTH, width=10),
            SheetColumn("Volume", "volume", VOLUME, width=10),
            SheetColumn("Expected (mean of prior 24 months)", "expected_mean", DECIMAL, width=18),
            SheetColumn("Standard deviation", "expected_sd", DECIMAL),
            SheetColumn("Usual range from", "usual_range_low", DECIMAL, width=18),
            SheetColumn("Usual range to", "usual_range_high", DECIMAL, width=18),
            SheetColumn("Flag", "flag", width=12),
        ],
    ),
)

# --- Monthly trend ----------------------------------------------------------------------------


def trend_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """One two-line chart per measure: the last 24 months against the year before."""
    labels = ctx.labels
    charts = []
    for measure, group in by_measure(rows):
        label = group[0]["measure_label"]
        title = (
            f"{label} in {ctx.borough.name}, monthly volume {labels['trend_span']}, "
            "against the same months a year before"
        )
        points = [TrendPoint(r["month"], r["volume"], r["volume_year_before"]) for r in group]
        charts.append(
            {
                "measure": measure,
                "label": label,
                "svg": trend_chart(f"trend-{borough_slug(measure)}", title, points),
            }
        )
    return {"charts": charts}


TREND = Section(
    key="trend",
    order=120,
    title="Monthly trend",
    table="rpt_crime_trend",
    where=("borough_code = $borough_code", "month between $trend_from and $month"),
    order_by="sort_order, measure, month",
    source=SOURCE.key,
    template="met_recorded_crime/trend.html.j2",
    extras=trend_extras,
    sheet=Sheet(
        name="Monthly trend",
        columns=[
            SheetColumn("Measure", "measure_label", width=34),
            SheetColumn("Month", "month", MONTH, width=10),
            SheetColumn("Volume", "volume", VOLUME, width=10),
            SheetColumn("Same month a year before", "volume_year_before", VOLUME, width=16),
        ],
    ),
)

# --- Rates and London rank --------------------------------------------------------------------


def derive_rates(rows: list[Row], ctx: PackContext) -> list[Row]:
    """Marks the chosen borough, in words for the workbook."""
    return [
        {
            **row,
            "is_selected": row["borough_code"] == ctx.borough.code,
            "selected": "Yes" if row["borough_code"] == ctx.borough.code else None,
        }
        for row in rows
    ]


def rates_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """One sorted bar chart per measure, with the chosen borough's row for the caption."""
    charts = []
    for measure, group in by_measure(rows):
        label = group[0]["measure_label"]
        denominator = group[0]["denominator"]
        selected = next((r for r in group if r["is_selected"]), None)
        title = (
            f"{label}: rate per 1,000 {denominator} in the 12 months to "
            f"{ctx.labels['month_long']}, London boroughs from lowest to highest"
        )
        bars = [
            RateBar(r["borough_name"], r["rate_per_1000"] or 0.0, bool(r["is_selected"]))
            for r in group
        ]
        charts.append(
            {
                "measure": measure,
                "label": label,
                "denominator": denominator,
                "selected": selected,
                "svg": rates_chart(f"rates-{borough_slug(measure)}", title, bars),
            }
        )
    return {"charts": charts}


RATES = Section(
    key="rates",
    order=130,
    title="Peer comparison: rates per 1,000",
    table="rpt_crime_overview",
    where=("reporting_month = $month", "london_rank is not null"),
    order_by="sort_order, measure, london_rank, borough_name",
    source=SOURCE.key,
    template="met_recorded_crime/rates.html.j2",
    derive=derive_rates,
    extras=rates_extras,
    sheet=Sheet(
        name="Rates",
        columns=[
            SheetColumn("Measure", "measure_label", width=34),
            SheetColumn("London rank", "london_rank", INTEGER, width=10),
            SheetColumn("Ranked of", "london_rank_of", INTEGER, width=10),
            SheetColumn("Borough", "borough_name", width=24),
            SheetColumn("Rate per 1,000 (12 months to {month_long})", "rate_per_1000", RATE),
            SheetColumn("Rate denominator", "denominator", width=14),
            SheetColumn("Volume, recent 12 months", "r12_volume", VOLUME),
            SheetColumn("{borough}", "selected", width=10),
        ],
    ),
)


# --- What changed since the last pack ---------------------------------------------------------


def release_label(release: dt.date | None) -> str:
    """A release as the provenance lines name it: "2022-01" (a release is its last month)."""
    return "none" if release is None else f"{release:%Y-%m}"


def signed_pct(value: float | None) -> str:
    """A change % as a whole percent with its sign ("+12%", "-7%", "0%")."""
    text = format_change_pct(value)
    return f"+{text}" if value is not None and not text.startswith(("-", "0")) else text


def derive_revisions(rows: list[Row], ctx: PackContext) -> list[Row]:
    """Adds the signed change in offences and the releases' names."""
    return [
        {
            **row,
            "change_text": "n/a" if row["change"] is None else f"{row['change']:+,d}",
            "change_pct_text": signed_pct(row["change_pct"]),
            "published_release_label": release_label(row["published_release"]),
            "current_release_label": release_label(row["current_release"]),
            "revised_in_label": (
                release_label(row["revised_in_release"]) if row["revised_in_release"] else None
            ),
            "listed": "Yes" if row["is_revised"] else "No",
        }
        for row in rows
    ]


def threshold_text(min_change_pct: float, min_change_offences: int) -> str:
    """The rule a figure must pass to be listed: "by 5% or more and by at least 3 offences"."""
    offences = "offence" if min_change_offences == 1 else "offences"
    return f"by {min_change_pct:g}% or more and by at least {min_change_offences:,} {offences}"


def revisions_extras(rows: list[Row], ctx: PackContext) -> dict[str, Any]:
    """What the section says: which month it compares, under which rule, between which
    releases, and whether there is anything to compare (state)."""
    if not rows:
        return {"state": "empty", "revised": []}
    first = rows[0]
    revised = [row for row in rows if row["is_revised"]]
    if not any(row["has_later_release"] for row in rows):
        state = "no_release_then" if first["published_release"] is None else "only_release"
    else:
        state = "revised" if revised else "unchanged"
    return {
        "state": state,
        "revised": revised,
        "compared_month_long": first["compared_month"].strftime("%B %Y"),
        "threshold": threshold_text(first["min_change_pct"], first["min_change_offences"]),
        "published_release": release_label(first["published_release"]),
        "current_release": release_label(first["current_release"]),
    }


REVISIONS = Section(
    key="revisions",
    order=140,
    title="What changed since the last pack",
    table="rpt_crime_revisions",
    where=BOROUGH_MONTH,
    order_by="sort_order, measure",
    source=SOURCE.key,
    template="met_recorded_crime/revisions.html.j2",
    derive=derive_revisions,
    extras=revisions_extras,
    sheet=Sheet(
        name="Revisions",
        columns=[
            SheetColumn("Measure", "measure_label", width=34),
            SheetColumn("Month", "compared_month", MONTH, width=10),
            SheetColumn("Release in the last pack", "published_release_label", width=12),
            SheetColumn("Offences in the last pack", "published_volume", VOLUME, width=14),
            SheetColumn("Release now", "current_release_label", width=12),
            SheetColumn("Offences now", "current_volume", VOLUME, width=12),
            SheetColumn("Change", "change", "+#,##0;-#,##0;0"),
            SheetColumn("Change %", "change_pct", PERCENT, divide_by=100),
            SheetColumn("Revised in release", "revised_in_label", width=12),
            SheetColumn("Listed (moved by the threshold)", "listed", width=14),
        ],
    ),
)


SECTIONS: tuple[Section, ...] = (
    OVERVIEW,
    EXCEPTIONS,
    TREND,
    RATES,
    REVISIONS,
)
