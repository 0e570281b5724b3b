"""Tests of the board pack renderer on a small published DuckDB written by the fixture.

The fixture writes the published layout by hand (tables in the file's default schema: the
`rpt_*` reporting tables, `kpi_glossary`, `meta_source_files`, `meta_publication`) with
hand-chosen figures, so the expected text is known: Barnet, May 2021, with an R12 change of
-14.5 % that must print as "-15%", +0.5 % as "1%", -0.5 % as "-1%", a NULL change as "n/a", one
of each exception flag, and Met recorded crime published from its May 2021 release.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html as html_lib
import re
import shutil
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from orchestration.lib.boroughs import Borough, UnknownBorough, resolve_borough
from orchestration.lib.config import Settings
from orchestration.lib.periods import add_months
from orchestration.publish.pack import PackOutput, build_pack
from orchestration.publish.pack.build import PackUnavailable
from orchestration.publish.pack.sections import pack_sections
from orchestration.sections import PackContext
from orchestration.sections.charts import month_ticks, sparkline
from orchestration.sections.formatting import (
    EXCEPTION_SYMBOLS,
    borough_slug,
    crime_factors,
    exception_symbol,
    exception_words,
    format_change_pct,
    format_count,
    format_rank,
    format_rate,
    good_direction,
    month_label,
    round_half_away_from_zero,
    ytd_span,
)
from tests.support.published import published_layout

SECTIONS = pack_sections()

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"

MAY = dt.date(2021, 5, 1)
APRIL = dt.date(2021, 4, 1)
GENERATED_AT = dt.datetime(2021, 7, 1, 9, 30, tzinfo=dt.UTC)

BOROUGHS = [
    "Barking and Dagenham", "Barnet", "Bexley", "Brent", "Bromley", "Camden", "Croydon",
    "Ealing", "Enfield", "Greenwich", "Hackney", "Hammersmith and Fulham", "Haringey", "Harrow",
    "Havering", "Hillingdon", "Hounslow", "Islington", "Kensington and Chelsea",
    "Kingston upon Thames", "Lambeth", "Lewisham", "Merton", "Newham", "Redbridge",
    "Richmond upon Thames", "Southwark", "Sutton", "Tower Hamlets", "Waltham Forest",
    "Wandsworth", "Westminster",
]  # fmt: skip
# The ONS codes run alphabetically from E09000002 (E09000001 is the City of London).
CODES = {name: f"E09{i + 2:06d}" for i, name in enumerate(BOROUGHS)}
BARNET = Borough("E09000003", "Barnet")

MEASURES = [
    # measure, label, denominator, direction, sort_order
    ("burglary", "Burglary", "population", "decrease_is_positive", 1),
    ("burglary_residential", "Residential burglary", "households", "decrease_is_positive", 2),
    ("burglary_business", "Burglary - business and community", "population",
     "decrease_is_positive", 3),
    ("robbery", "Robbery", "population", "decrease_is_positive", 4),
    ("violence_with_injury", "Violence with injury", "population", "decrease_is_positive", 5),
]  # fmt: skip
LOOKBACK_MONTHS = 24
SD_MULTIPLIER = 2


@dataclass(frozen=True)
class Expected:
    """Barnet's overview row for May 2021 and the text the pack must print for it."""

    measure: str
    ytd: int
    ytd_prev: int
    ytd_pct: float | None
    r12: int
    r12_prev: int
    r12_pct: float | None
    rank: int
    rag: str
    flags: tuple[str, str, str]
    ytd_text: str
    r12_text: str


BARNET_MAY = [
    Expected("burglary", 1013, 1126, -10.0355, 2696, 3154, -14.5, 20, "green",
             ("normal", "normal", "low"), "-10%", "-15%"),
    Expected("burglary_residential", 818, 814, 0.5, 2187, 2198, -0.5, 28, "amber",
             ("normal", "high", "low"), "1%", "-1%"),
    Expected("burglary_business", 195, 0, None, 509, 640, -20.5, 16, "green",
             ("insufficient", "normal", "normal"), "n/a", "-21%"),
    Expected("robbery", 216, 465, -53.5, 670, 1276, -47.5, 9, "green",
             ("normal", "normal", "normal"), "-54%", "-48%"),
    Expected("violence_with_injury", 824, 804, 2.5, 2127, 1962, 8.4, 3, "red",
             ("high", "high", "normal"), "3%", "8%"),
]  # fmt: skip

GLOSSARY = [
    ("RAG", "Green: no negative indicator and at least one positive. Red: negatives >= 75% of "
     "non-neutral indicators. Amber: anything else.", 1),
    ("Rolling 12 months", "The 12 calendar months ending with the reporting month.", 2),
    ("Year to date", "January of the reporting month's year through the reporting month.", 3),
    ("London rank", "Rank of the rate among the 32 London boroughs; 1 = lowest rate.", 4),
    ("Exceptions", "A month is high if its count > mean + 2 SD of the 24 months before it & "
     "low if < mean - 2 SD.", 5),
    ("Rate per 1,000", "R12 volume / denominator x 1,000.", 6),
]  # fmt: skip

CRIME = "met_recorded_crime"
CRIME_TITLE = "MPS recorded crime, borough level"
DASHBOARD = "met_crime_dashboard"
DASHBOARD_TITLE = "MPS monthly crime dashboard (domestic abuse, hate, knife and gun crime)"
DASHBOARD_RELEASE = "2021-06-07"
OGL_LICENCE = "Open Government Licence v3.0"
OGL = "Contains public sector information licensed under the Open Government Licence v3.0."
# When the publish step ran: after the release came out, and after the as-of day below.
PUBLISHED_AT = dt.datetime(2021, 6, 20, 7, 10, tzinfo=dt.UTC)
# The release the crime sections show, and the day the Met published it.
RELEASE = "2021-05"
RELEASED_ON = dt.date(2021, 6, 1)
AS_OF = dt.date(2021, 6, 15)
STALE_REASON = (
    "figures from release 2021-05; the 2021-06 file "
    "MPS_Borough_Level_Crime_most_recent_24_months_201907-202106.csv failed check "
    "recorded_crime_contract (row 12, column '202106': counts must be whole numbers)"
)

# The sections that show Met recorded crime (key -> title) and their workbook sheets.
CRIME_SECTIONS = {
    "overview": "Overview dashboard",
    "exceptions": "Monthly exceptions",
    "trend": "Monthly trend",
    "rates": "Peer comparison: rates per 1,000",
    "revisions": "What changed since the last pack",
}
CRIME_SHEETS = ["Overview", "Exceptions", "Monthly trend", "Rates", "Revisions"]
# The sections from the Met's monthly crime dashboard.
DASHBOARD_SECTIONS = {
    "knife_gun": "Knife and gun crime",
    "domestic_abuse": "Domestic abuse",
    "hate_crime": "Hate crime",
}

# The MARAC's section, hand-built like the crime sections: four measures of 2022/23 (Q1-Q4), one
# RAG of each kind and one with nothing to judge against, and a typed percentage recomputed.
MARAC = "partner_marac"
MARAC_NOTE = "Year to date: the return gives 17%; 85 / 477 = 17.8%, which is shown."
MARAC_STALE_REASON = (
    "figures from release 2022/23 Q4 (submitted 2023-04-14); the 2023/24 Q1 (submitted "
    "2023-07-14) file marac_2023-24-Q1.xlsx failed check contract (Return!C9: repeat_referrals "
    "= 35 exceeds referrals = 30 (rule repeat_referrals <= referrals))"
)


def _source_file(
    name: str, release: str, released_on: dt.date, first: dt.date, last: dt.date, rows: int
) -> dict[str, Any]:
    return {
        "source": CRIME,
        "title": CRIME_TITLE,
        "licence": OGL_LICENCE,
        "file": name,
        "sha256": hashlib.sha256(name.encode()).hexdigest(),
        "release": release,
        "released_on": released_on,
        "first_period": first,
        "last_period": last,
        "rows": rows,
        "loaded_at": dt.datetime.combine(released_on, dt.time(7, 5)) + dt.timedelta(days=19),
        # The later file holds 2019-06 on; this one still supplies 2019-05.
        "superseded_by": "",
    }


SOURCE_FILES = [
    _source_file("MPS_Borough_Level_Crime_most_recent_24_months_201905-202104.csv", "2021-04",
                 dt.date(2021, 5, 1), dt.date(2019, 5, 1), APRIL, 37104),
    _source_file("MPS_Borough_Level_Crime_most_recent_24_months_201906-202105.csv", RELEASE,
                 RELEASED_ON, dt.date(2019, 6, 1), MAY, 37392),
]  # fmt: skip

# As the publish step writes it: one row per publication unit; `reason` is '' when current.
PUBLICATION = [
    {
        "source": "reference",
        "title": "Reference data (boroughs, populations, glossary)",
        "status": "published",
        "is_stale": False,
        "reason": "",
        "release": "",
        "released_on": None,
        "published_at": PUBLISHED_AT,
        "as_of": None,
        "file_count": 0,
        "licence": OGL_LICENCE,
    },
    {
        "source": CRIME,
        "title": CRIME_TITLE,
        "status": "published",
        "is_stale": False,
        "reason": "",
        "release": RELEASE,
        "released_on": dt.datetime.combine(RELEASED_ON, dt.time()),
        "published_at": PUBLISHED_AT,
        "as_of": None,
        "file_count": len(SOURCE_FILES),
        "licence": OGL_LICENCE,
    },
    {
        "source": DASHBOARD,
        "title": DASHBOARD_TITLE,
        "status": "published",
        "is_stale": False,
        "reason": "",
        "release": DASHBOARD_RELEASE,
        "released_on": dt.datetime(2021, 6, 7),
        "published_at": PUBLISHED_AT,
        "as_of": None,
        "file_count": 0,
        "licence": OGL_LICENCE,
    },
    {
        "source": MARAC,
        "title": "MARAC coordinator quarterly return",
        "status": "published",
        "is_stale": False,
        "reason": "",
        "release": "2022/23 Q4 (submitted 2023-04-14)",
        "released_on": dt.datetime(2023, 4, 14),
        "published_at": PUBLISHED_AT,
        "as_of": None,
        "file_count": 4,
        "licence": "Partnership data",
    },
    {
        "source": "domestic_abuse",
        "title": "Domestic abuse incidents and the offences they become",
        "status": "published",
        "is_stale": False,
        "reason": "",
        "release": "",
        "released_on": None,
        "published_at": PUBLISHED_AT,
        "as_of": None,
        "file_count": 0,
        "licence": "Partnership data; Open Government Licence v3.0",
    },
    {
        "source": "met_asb_calls",
        "title": "MPS anti-social behaviour calls (monthly extract)",
        "status": "published",
        "is_stale": False,
        "reason": "",
        "release": "2021-06",
        "released_on": dt.datetime(2021, 7, 1),
        "published_at": PUBLISHED_AT,
        "as_of": None,
        "file_count": 1,
        "licence": "Partnership data",
    },
    *(
        {
            "source": key,
            "title": title,
            "status": "published",
            "is_stale": False,
            "reason": "",
            "release": release,
            "released_on": dt.datetime.combine(released_on, dt.time()),
            "published_at": PUBLISHED_AT,
            "as_of": None,
            "file_count": 1,
            "licence": licence,
        }
        for key, title, release, released_on, licence in (
            ("mopac_pas", "MOPAC Public Attitude Survey (public confidence)", "Sep-25",
             dt.date(2025, 10, 1), OGL_LICENCE),
            ("mopac_uss", "MOPAC User Satisfaction Survey (victim satisfaction)", "2022/23 Q4",
             dt.date(2023, 4, 1), "MOPAC partnership data, as reported to the board"),
            ("mopac_iom", "MOPAC IOM data store (offender management)", "2022/23 Q4",
             dt.date(2023, 4, 1), "MOPAC partnership data, as reported to the board"),
        )
    ),
]  # fmt: skip

# The MOPAC sections (key -> the source they show) and their sheets. Their figures are the
# board's: Barnet's June 2022 PAS figures and ranks, the April 2023 report's victim
# satisfaction and IOM tables; the changes on earlier quarters are hand-chosen to exercise the
# signs. Rows for another quarter or borough must not leak into Barnet's pack.
MOPAC_SECTIONS = {
    "public_confidence": "mopac_pas",
    "victim_satisfaction": "mopac_uss",
    "iom_trend": "mopac_iom",
    "iom_profile": "mopac_iom",
    "iom_comparison": "mopac_iom",
    "iom_cost_of_crime": "mopac_iom",
}
MOPAC_SHEETS = [
    "Public confidence", "Victim satisfaction", "IOM cohort", "IOM cohort profile",
    "IOM against London", "IOM cost of crime",
]  # fmt: skip
JUN_22 = (dt.date(2022, 4, 1), dt.date(2022, 6, 30), "Jun-22")
MAR_22 = (dt.date(2022, 1, 1), dt.date(2022, 3, 31), "Mar-22")
Q4_2022_23 = (dt.date(2023, 1, 1), dt.date(2023, 3, 31), "2022/23 Q4")
Q1_2021_22 = (dt.date(2021, 4, 1), dt.date(2021, 6, 30), "2021/22 Q1")
GOOD_JOB = "Police do a good job in the local area"
FAIR = "Agree the police treat everyone fairly regardless of who they are"


def _confidence_row(
    borough: str, measure: str, label: str, order: int, quarter: tuple, figures: tuple
) -> dict[str, Any]:
    percent, london, rank, previous, year = figures
    start, end, period_label = quarter
    return {
        "borough_code": CODES[borough], "borough_name": borough, "measure": measure,
        "measure_label": label, "sort_order": order, "period_start": start, "period_end": end,
        "period_label": period_label, "percent": percent, "london_percent": london,
        "difference_from_london": percent - london, "london_rank": rank,
        "london_rank_of": 32 if rank is not None else None,
        "change_on_previous_quarter": previous, "change_on_year_earlier": year,
        "source_file": f"all_borough_police_{measure}_june_2022.csv",
        "is_latest": quarter == JUN_22,
    }  # fmt: skip


CONFIDENCE_ROWS = [
    _confidence_row("Barnet", "good_job", GOOD_JOB, 1, JUN_22, (49.0, 49.0, 13, 2.0, -1.0)),
    _confidence_row("Barnet", "fair", FAIR, 3, JUN_22, (71.0, 61.0, 4, None, 0.0)),
    # An earlier quarter and another borough: neither is Barnet's latest.
    _confidence_row("Barnet", "good_job", GOOD_JOB, 1, MAR_22, (47.0, 49.0, None, None, None)),
    _confidence_row("Brent", "good_job", GOOD_JOB, 1, JUN_22, (56.0, 49.0, 5, None, None)),
]


def _satisfaction_row(borough: str, area: str, code: str, kind: str, figures: tuple) -> dict:
    percent, previous, baseline = figures
    start, end, period_label = Q4_2022_23
    return {
        "borough_code": CODES[borough], "borough_name": borough, "area": area,
        "area_code": code, "area_type": kind, "sort_order": 1 if kind == "bcu" else 2,
        "period_start": start, "period_end": end, "period_label": period_label,
        "percent": percent, "change_on_previous_quarter": previous,
        "change_on_baseline": baseline, "baseline_label": "2020/21", "baseline_percent": 64.0,
        "source_file": "uss_victim_satisfaction_2022-23_Q4.csv",
    }  # fmt: skip


SATISFACTION_ROWS = [
    _satisfaction_row("Barnet", "North West BCU", "MPS-BCU-NW", "bcu", (65.0, None, 1.0)),
    _satisfaction_row("Barnet", "London", "E23000001", "london", (66.0, 3.0, 2.0)),
    _satisfaction_row("Lambeth", "Central South BCU", "MPS-BCU-CS", "bcu", (61.0, 1.0, -3.0)),
]
STATUTORY_NOTE = (
    "Risk matrix left empty: the July 2021 pack printed Red 35, Amber 16, Green 9, Blue 19, "
    "which sum to 79, not the cohort of 97."
)
HARROW_NOTE = (
    "Charged during cohort left empty: the April 2023 report printed 73, more than the 17 "
    "offenders charged."
)


def _iom_trend_row(quarter: tuple, counts: tuple, risk: tuple, split: tuple, note: str | None):
    start, end, period_label = quarter
    cohort, charged, during, offences = counts
    return {
        "borough_code": CODES["Barnet"], "borough_name": "Barnet", "period_start": start,
        "period_end": end, "period_label": period_label,
        "period_months": f"{start:%b}-{end:%b %Y}", "offenders_in_cohort": cohort,
        "offenders_charged": charged, "offenders_charged_during_cohort": during,
        "charged_offences": offences, "share_of_cohort_charged_pct": during * 100 / cohort,
        "risk_red": risk[0], "risk_amber": risk[1], "risk_green": risk[2], "risk_blue": risk[3],
        "statutory": split[0], "non_statutory": split[1], "reported_rate_pct": None,
        "note": note, "source_file": "iom.csv",
    }  # fmt: skip


IOM_TREND_ROWS = [
    _iom_trend_row(Q1_2021_22, (97, 19, 19, 54), (None,) * 4, (82, 15), STATUTORY_NOTE),
    _iom_trend_row(Q4_2022_23, (105, 30, 27, 135), (39, 23, 9, 34), (88, 17), None),
]


def _iom_comparison_row(area: str, code: str, order: int, counts: tuple, printed: tuple) -> dict:
    start, end, period_label = Q4_2022_23
    cohort, charged, during, offences = counts
    rate, differs, note = printed
    return {
        "borough_code": CODES["Barnet"], "area": area, "area_code": code, "sort_order": order,
        "is_selected": area == "Barnet", "period_start": start, "period_end": end,
        "period_label": period_label, "offenders_in_cohort": cohort,
        "offenders_charged": charged, "offenders_charged_during_cohort": during,
        "charged_offences": offences,
        "share_of_cohort_charged_pct": None if during is None else during * 100 / cohort,
        "reported_rate_pct": rate, "reported_rate_differs": differs, "note": note,
        "source_file": "iom_london_comparison_2022-23_Q4.csv",
    }  # fmt: skip


IOM_COMPARISON_ROWS = [
    _iom_comparison_row("London", "E23000001", 1, (2192, 654, 593, 2339), (27.2, True, None)),
    _iom_comparison_row("Barnet", CODES["Barnet"], 2, (105, 30, 27, 135), (24.0, True, None)),
    _iom_comparison_row("Brent", CODES["Brent"], 3, (118, 45, 35, 154), (29.7, False, None)),
    _iom_comparison_row(
        "Harrow", CODES["Harrow"], 3, (73, 17, None, 68), (22.0, True, HARROW_NOTE)
    ),
]

# The April 2023 report's profile of Barnet's cohort of 105 (§5.1.18), as printed; an older
# quarter's and another borough's profile must not show.
IOM_PROFILE = [
    # breakdown, category, label, sort_order, offenders
    ("ethnicity", "asian", "Asian", 7, 16), ("ethnicity", "black", "Black", 8, 33),
    ("ethnicity", "other", "Other", 9, 3), ("ethnicity", "white", "White", 10, 53),
    ("gender", "male", "Male", 11, 101), ("gender", "female", "Female", 12, 4),
    ("age", "aged_17_and_a_half", "17½", 13, 3), ("age", "aged_18_24", "18-24", 14, 27),
    ("age", "aged_25_34", "25-34", 15, 30), ("age", "aged_35_44", "35-44", 16, 32),
    ("age", "aged_45_plus", "45 and over", 17, 13),
]  # fmt: skip


def _iom_breakdown_rows() -> list[dict[str, Any]]:
    def row(area: str, quarter: tuple, cohort: int, line: tuple) -> dict[str, Any]:
        start, end, label = quarter
        breakdown, category, category_label, order, count = line
        return {
            "area": area, "area_code": CODES[area], "period_start": start, "period_end": end,
            "period_label": label, "breakdown": breakdown, "category": category,
            "category_label": category_label, "sort_order": order, "offender_count": count,
            "offenders_in_cohort": cohort, "share_of_cohort_pct": count * 100 / cohort,
            "source_file": "iom.csv",
        }  # fmt: skip

    return [
        *(row("Barnet", Q4_2022_23, 105, line) for line in IOM_PROFILE),
        # The risk matrix is in the same table; the profile section leaves it out.
        row("Barnet", Q4_2022_23, 105, ("risk_matrix", "red", "Red", 1, 39)),
        row("Barnet", Q1_2021_22, 97, ("gender", "male", "Male", 11, 90)),
        row("Brent", Q4_2022_23, 118, ("gender", "male", "Male", 11, 118)),
    ]


# The July 2021 pack's "IOM Cost of Crime Savings" table, as printed: 279 offenders.
IOM_COST_OF_CRIME = [
    ("before", "12 months before selection to the cohort", 1, 2158, 6809153),
    ("during", "While on the cohort", 2, 3071, 10662180),
    ("after", "After leaving the cohort", 3, 561, 1829150),
]


def _iom_cost_rows() -> list[dict[str, Any]]:
    start, end, label = Q1_2021_22
    return [
        {
            "area": "Barnet",
            "area_code": CODES["Barnet"],
            "period_start": start,
            "period_end": end,
            "period_label": label,
            "phase": phase,
            "phase_label": words,
            "sort_order": order,
            "offenders": 279,
            "offences": offences,
            "cost_of_crime_gbp": cost,
            "cost_per_offence_gbp": cost / offences,
            "source_file": "iom_barnet_2020Q1-2021Q2.csv",
        }  # fmt: skip
        for phase, words, order, offences, cost in IOM_COST_OF_CRIME
    ]


# The July 2021 pack's figures for Barnet, May 2021 (docs/kpi_definitions.md §3): knife and
# gun crime (p.16), domestic abuse violence with injury and its sanction detection rate, and
# Table 1 of the hate crime report (p.100). The other figures are hand-chosen.
KNIFE_GUN = [
    # measure, label, r12, r12_prev, r12_change_pct, rag, sort_order
    ("knife_injury_victims_non_da_1_24", "Knife injury victims aged 1-24 (not domestic abuse)",
     23, 59, (23 - 59) * 100 / 59, "green", 1),
    ("lethal_barrel_discharge", "Lethal barrel discharges", 10, 5, 100.0, "red", 2),
]  # fmt: skip
DOMESTIC_ABUSE = [
    # measure, label, r12, r12_prev, outcome rate, a year before, outcome rank, rag, sort_order
    ("domestic_abuse", "Domestic abuse offences", 3262, 3100, 13.5, 12.0, 2, "amber", 1),
    ("domestic_abuse_vwi", "Domestic abuse violence with injury", 729, 681, 11.0, 16.0, 4,
     "red", 2),
]  # fmt: skip
HATE_PERIODS = [
    # period_kind, period_label, heading, start, end
    ("month", "2021-05", "2021 May", MAY, dt.date(2021, 5, 31)),
    ("ytd_before", "2021 Jan-Apr", "2021 (Jan-Apr)", dt.date(2021, 1, 1), dt.date(2021, 4, 30)),
    *[("calendar_year", str(y), f"{y} Full Year", dt.date(y, 1, 1), dt.date(y, 12, 31))
      for y in (2020, 2019, 2018, 2017)],
]  # fmt: skip
# The first month of the fixture's dashboard data: every year of Table 1 is covered in full.
HATE_DATA_FROM = dt.date(2016, 1, 1)
TABLE_1 = [
    # measure, line, is_of_which, 2021 May, 2021 Jan-Apr, 2020, 2019, 2018, 2017
    ("racist_religious_hate", "Race and Religion", False, 137, 233, 794, 824, 738, 702),
    ("antisemitic_hate", "Anti-Semitism", True, 48, 44, 128, 180, 193, 127),
    ("islamophobic_hate", "Islamophobia", True, 4, 4, 20, 35, 26, 67),
    ("disability_hate", "Disability", False, 4, 8, 15, 18, 14, 23),
    ("homophobic_hate", "Homophobic", False, 6, 25, 66, 70, 35, 48),
    ("transphobic_hate", "Transgender", False, 0, 2, 3, 6, 5, 3),
]


def _dashboard_row(measure: str, label: str, sort_order: int, rag: str) -> dict[str, Any]:
    return {
        "borough_code": BARNET.code, "borough_name": BARNET.name, "measure": measure,
        "reporting_month": MAY, "measure_label": label, "measure_note": f"What {label} counts",
        "sort_order": sort_order, "direction": "decrease_is_positive",
        "outcome_direction": "increase_is_positive", "rag": rag,
        "ytd_volume": 5, "ytd_volume_prev": 6, "ytd_change_pct": (5 - 6) * 100 / 6,
        "rate_per_1000": 0.25, "london_rank": 7, "london_rank_of": 32,
        "refreshed_on": dt.date(2021, 6, 7),
    }  # fmt: skip


def _knife_gun_rows() -> list[dict[str, Any]]:
    return [
        {
            **_dashboard_row(measure, label, order, rag),
            "has_positive_outcomes": order == 2,
            "r12_volume": r12,
            "r12_volume_prev": prev,
            "r12_change_pct": change,
            "r12_outcome_rate_pct": 40.0 if order == 2 else None,
            "r12_outcome_rate_pct_prev": 60.0 if order == 2 else None,
            # Lethal barrel discharges: every indicator negative, as its red says.
            **({"ytd_volume": 7, "ytd_change_pct": (7 - 6) * 100 / 6} if order == 2 else {}),
        }  # fmt: skip
        for measure, label, r12, prev, change, rag, order in KNIFE_GUN
    ]


def _domestic_abuse_rows() -> list[dict[str, Any]]:
    return [
        {
            **_dashboard_row(measure, label, order, rag),
            "r12_volume": r12,
            "r12_volume_prev": prev,
            "r12_change_pct": (r12 - prev) * 100 / prev,
            "r12_positive_outcomes": round(r12 * rate / 100),
            "r12_outcome_rate_pct": rate,
            "r12_outcome_rate_pct_prev": rate_prev,
            "outcome_rate_change_points": rate - rate_prev,
            "outcome_rate_london_rank": rank,
            # Violence with injury: every indicator negative, as its red says.
            **({"ytd_volume": 7, "ytd_change_pct": (7 - 6) * 100 / 6} if order == 2 else {}),
        }  # fmt: skip
        for measure, label, r12, prev, rate, rate_prev, rank, rag, order in DOMESTIC_ABUSE
    ]


def _hate_rows() -> list[dict[str, Any]]:
    return [
        {
            "borough_code": BARNET.code,
            "borough_name": BARNET.name,
            "measure": measure,
            "reporting_month": MAY,
            "line_label": line,
            "is_of_which": of_which,
            "sort_order": order,
            "period_kind": kind,
            "period_label": label,
            "period_start": start,
            "period_end": end,
            "period_order": {"month": 1, "ytd_before": 2}.get(kind, 3),
            "volume": volume,
            "data_from": HATE_DATA_FROM,
            "refreshed_on": dt.date(2021, 6, 7),
        }  # fmt: skip
        for order, (measure, line, of_which, *volumes) in enumerate(TABLE_1, start=1)
        for (kind, label, _, start, end), volume in zip(HATE_PERIODS, volumes, strict=True)
    ]


# The published layout, read from the dbt models' contracts (tests/support/published.py):
# every unit's tables, with the types a real published file has (test_pack_e2e.py holds a real
# one to it).
PUBLISHED_TABLES = published_layout()


def _rate(rank: int, sort_order: int) -> float:
    """Rates that rise with rank, so the bar chart order and the ranks agree."""
    return round(1.5 * sort_order + 0.37 * rank, 4)


def _other_rank(borough_index: int, barnet_rank: int) -> int:
    """Spreads the 31 other boroughs over the ranks Barnet does not hold."""
    free = [r for r in range(1, 33) if r != barnet_rank]
    return free[(borough_index * 7) % 31]  # 7 and 31 are coprime: a permutation


def _volume(borough_index: int, measure_index: int, k: int) -> int:
    """A made-up monthly volume, k months from May 2021."""
    return 100 + 10 * measure_index + borough_index + (k % 12) * 3 + (20 if k > -12 else 0)


def _overview_rows() -> list[dict[str, Any]]:
    rows = []
    others = [b for b in BOROUGHS if b != "Barnet"]
    for measure, label, denominator, direction, sort_order in MEASURES:
        barnet = next(e for e in BARNET_MAY if e.measure == measure)
        for month in (APRIL, MAY):
            for name in BOROUGHS:
                if name == "Barnet" and month == MAY:
                    e = barnet
                    figures = (e.ytd, e.ytd_prev, e.ytd_pct, e.r12, e.r12_prev, e.r12_pct,
                               e.rank, e.rag)  # fmt: skip
                    flags = e.flags
                elif name == "Barnet":
                    # April: distinctive figures that must not leak into the May pack.
                    figures = (7001 + sort_order, 7101, 0.0, 9001 + sort_order, 9101, 0.0, 31,
                               "amber")  # fmt: skip
                    flags = ("high", "high", "high")
                else:
                    i = others.index(name)
                    figures = (300 + i, 320 + i, -6.25, 900 + i, 950 + i, -5.26,
                               _other_rank(i, barnet.rank), "green")  # fmt: skip
                    flags = ("low",) * 3 if name == "Camden" else ("normal",) * 3
                ytd, ytd_prev, ytd_pct, r12, r12_prev, r12_pct, rank, rag = figures
                rows.append(
                    {
                        "borough_code": CODES[name],
                        "borough_name": name,
                        "measure": measure,
                        "reporting_month": month,
                        "measure_label": label,
                        "denominator": denominator,
                        "direction": direction,
                        "sort_order": sort_order,
                        "rag": rag,
                        "ytd_volume": ytd,
                        "ytd_volume_prev": ytd_prev,
                        "ytd_change_pct": ytd_pct,
                        "r12_volume": r12,
                        "r12_volume_prev": r12_prev,
                        "r12_change_pct": r12_pct,
                        "rate_per_1000": _rate(rank, sort_order),
                        "london_rank": rank,
                        "london_rank_of": 32,
                        "exception_m2": flags[0],
                        "exception_m1": flags[1],
                        "exception_m0": flags[2],
                    }
                )
    return rows


def _usual_range(mean: float | None, sd: float | None) -> tuple[float | None, float | None]:
    if mean is None or sd is None:
        return None, None
    return mean - SD_MULTIPLIER * sd, mean + SD_MULTIPLIER * sd


def _exception_rows() -> list[dict[str, Any]]:
    rows = []

    def add(name: str, measure: str, reporting_month: dt.date, k: int, volume: int,
            mean: float | None, sd: float | None, flag: str) -> None:  # fmt: skip
        label, sort_order = next((m[1], m[4]) for m in MEASURES if m[0] == measure)
        low, high = _usual_range(mean, sd)
        rows.append(
            {
                "borough_code": CODES[name],
                "borough_name": name,
                "measure": measure,
                "reporting_month": reporting_month,
                "month": add_months(reporting_month, k),
                "measure_label": label,
                "sort_order": sort_order,
                "volume": volume,
                "expected_mean": mean,
                "expected_sd": sd,
                "usual_range_low": low,
                "usual_range_high": high,
                "flag": flag,
                "lookback_months": LOOKBACK_MONTHS,
                "usual_range_sd_multiplier": SD_MULTIPLIER,
            }
        )

    for e in BARNET_MAY:
        for k, flag in zip((-2, -1, 0), e.flags, strict=True):
            mean, sd = (None, None) if flag == "insufficient" else (200.0 + k, 12.5)
            volume = {"high": 260, "low": 150, "normal": 201, "insufficient": 40}[flag]
            add("Barnet", e.measure, MAY, k, volume, mean, sd, flag)
        for k in (-2, -1, 0):  # April's pack: all high, so a leak would show as ▲
            add("Barnet", e.measure, APRIL, k, 999, 100.0, 5.0, "high")
        for k in (-2, -1, 0):  # another borough, all low
            add("Camden", e.measure, MAY, k, 1, 100.0, 5.0, "low")
    return rows


def _trend_rows() -> list[dict[str, Any]]:
    rows = []
    for b, name in enumerate(BOROUGHS):
        for m, (measure, label, _denominator, _direction, sort_order) in enumerate(MEASURES):
            for k in range(-47, 1):
                rows.append(
                    {
                        "borough_code": CODES[name],
                        "borough_name": name,
                        "measure": measure,
                        "month": add_months(MAY, k),
                        "measure_label": label,
                        "sort_order": sort_order,
                        "volume": _volume(b, m, k),
                        "volume_year_before": _volume(b, m, k - 12) if k - 12 >= -47 else None,
                    }
                )
    return rows


def _marac_rows() -> list[dict[str, Any]]:
    sent = [dt.date(2022, 7, 14), dt.date(2022, 10, 14), dt.date(2023, 1, 14), dt.date(2023, 4, 14)]
    common = {
        "provider": "marac", "financial_year": "2022/23", "latest_quarter": 4,
        "latest_quarter_label": "2022/23 Q4", "period_start": dt.date(2023, 1, 1),
        "period_end": dt.date(2023, 3, 31), "value_year_earlier": None, "change_pct": None,
        "target_year": None, "ytd_pct_of_year_target": None, "provider_value": None,
        "provider_ytd_value": None, "note": None, "submitted_on": sent[3],
        "source_file": "marac_2022-23-Q4.xlsx",
        **{f"q{q}_submitted_on": day for q, day in enumerate(sent, start=1)},
    }  # fmt: skip
    rows = [
        # measure, label, unit, direction, order, quarters, ytd, basis, target, pct, rag,
        # the same quarter a year before (Q4 21/22), the three indicators the RAG came from
        # Neutral: never rated, though Q4 21/22 had 120.
        ("referrals", "Number of MARAC referrals", "count", "neutral", 1,
         (87, 123, 122, 145), 477, "sum of quarters", None, None, None, 120,
         ("neutral", "neutral", "neutral")),
        ("children_in_household", "Number of children in the household", "count",
         "increase_is_positive", 2, (51, 64, 68, 111), 294, "sum of quarters", 100, 111, "green",
         None, ("positive", "neutral", "neutral")),
        # Not neutral, but no target and no Q4 21/22: nothing to judge against.
        ("families", "Number of families", "count", "increase_is_positive", 3,
         (38, 48, 37, 64), 187, "sum of quarters", None, None, None, None,
         ("neutral", "neutral", "neutral")),
        # Missed its target (35 > 30), down on Q4 21/22's 40: one of each, amber.
        ("repeat_referrals", "Number of repeat MARAC referrals", "count",
         "decrease_is_positive", 4, (9, 22, 19, 35), 85, "sum of quarters", 30, 116.67, "amber",
         40, ("negative", "neutral", "positive")),
        # No target, up on Q4 21/22's 20.0%: red.
        ("repeat_rate", "Percentage of repeat MARAC referrals", "percent",
         "decrease_is_positive", 5, (10.3448, 17.8862, 15.5738, 24.1379), 17.8197,
         "sum of quarters", None, None, "red", 20.0, ("neutral", "neutral", "negative")),
    ]  # fmt: skip
    out = []
    for (measure, label, unit, direction, order, quarters, ytd, basis, target, pct, rag,
         before, indicators) in rows:  # fmt: skip
        out.append(
            {
                **common,
                "measure": measure, "label": label, "unit": unit, "direction": direction,
                "sort_order": order, "value": quarters[3], "ytd_value": ytd, "ytd_basis": basis,
                "target_quarter": target, "pct_of_quarter_target": pct, "rag": rag,
                **{f"q{q}_value": v for q, v in enumerate(quarters, start=1)},
                "value_year_earlier": before,
                "change_pct": None if before is None else (quarters[3] - before) * 100 / before,
                "quarter_target_indicator": indicators[0],
                "year_target_indicator": indicators[1],
                "year_on_year_indicator": indicators[2],
                # 2021/22 Q1-Q3 have no return; Q4 21/22 is the year before's figure.
                "recent_values": [None, None, None, before, *quarters],
            }
        )  # fmt: skip
    out[4] |= {"provider_ytd_value": 17.0, "note": MARAC_NOTE}
    return out


def _benchmark_rows() -> list[dict[str, Any]]:
    base = {
        "borough_code": "E09000003", "borough_name": "Barnet", "referrals_basis": "sum of quarters",
        "benchmark": 40.0, "benchmark_label": "per 10,000 adult females",
        "benchmark_source": "SafeLives, Marac data", "benchmark_year": "2022-23",
    }  # fmt: skip
    return [
        {**base, "financial_year": "2022/23", "referrals": 477.0, "females_aged_16_plus": 161964,
         "population_reference_date": dt.date(2021, 6, 30),
         "population_estimate": "ONS mid-2021 population estimate",
         "referrals_per_10000_adult_females": 29.451, "pct_of_benchmark": 73.63, "recency": 1},
        {**base, "financial_year": "2020/21", "referrals": 999.0, "females_aged_16_plus": 158654,
         "population_reference_date": dt.date(2020, 6, 30),
         "population_estimate": "ONS mid-2020 population estimate",
         "referrals_per_10000_adult_females": 62.97, "pct_of_benchmark": 157.4, "recency": 2},
    ]  # fmt: skip


# Two of Barnet's 2022 wards in May 2021, a year before the Met published them: every figure
# apportioned from the old wards. Bexley's ward and Barnet's April row are outside the pack.
WARDS = [("E05013628", "Burnt Oak"), ("E05013629", "Childs Hill")]
WARD_ROWS = [
    # ward, measure, label, sort_order, r12, r12 previous, change %, rank in borough
    (WARDS[0], "burglary", "Burglary", 1, 101.6, 127.0, -20.0, 2),
    (WARDS[0], "robbery", "Robbery", 4, 48.25, 40.0, 20.625, 1),
    (WARDS[1], "burglary", "Burglary", 1, 88.4, 80.0, 10.5, 1),
    (WARDS[1], "robbery", "Robbery", 4, 61.0, 61.0, 0.0, 2),
]


def _ward_overview_rows() -> list[dict[str, Any]]:
    def row(borough: str, ward: tuple[str, str], month: dt.date, *cells: Any) -> dict[str, Any]:
        measure, label, order, r12, prev, pct, rank = cells
        return {
            "borough_code": CODES[borough], "borough_name": borough, "ward_code": ward[0],
            "ward_name": ward[1], "measure": measure, "reporting_month": month,
            "measure_label": label, "sort_order": order, "r12_volume": r12,
            "r12_volume_prev": prev, "r12_change_pct": pct, "borough_rank": rank,
            "borough_rank_of": len(WARDS), "exception_flag": None, "months_apportioned": 24,
            "is_apportioned": True,
        }  # fmt: skip

    return [
        *(row("Barnet", ward, MAY, *cells) for ward, *cells in WARD_ROWS),
        row("Barnet", WARDS[0], APRIL, *WARD_ROWS[0][1:]),
        row("Bexley", ("E05011213", "Blackfen and Lamorbey"), MAY, *WARD_ROWS[0][1:]),
    ]


def _ward_trend_rows() -> list[dict[str, Any]]:
    """Thirty-seven months of each ward: the first is a month before the pack's three years."""
    return [
        {
            "borough_code": CODES[borough],
            "borough_name": borough,
            "ward_code": code,
            "ward_name": name,
            "month": add_months(MAY, -back),
            "volume": 100.0 + back,
            "is_apportioned": True,
        }  # fmt: skip
        for borough, (code, name) in [
            ("Barnet", WARDS[0]),
            ("Barnet", WARDS[1]),
            ("Bexley", ("E05011213", "Blackfen and Lamorbey")),
        ]  # fmt: skip
        for back in range(37)
    ]


# The July 2021 pack (p.24): 5,023 incidents in the 12 months to March 2021, 3,037 of them
# offences (60.5%), 7.6 per 1,000 residents, 2nd lowest in London. The year before, and the
# June row (after the pack's month) and Brent's, are hand-chosen.
DA_INCIDENTS_ROWS = [
    # borough, reporting month, incidents, a year before, rate, rank, offences, a year before
    ("Barnet", dt.date(2021, 3, 1), 5023, 4950, 7.6, 2, 3037, 3119),
    ("Barnet", dt.date(2021, 6, 1), 5100, 4990, 7.7, 3, 3100, 3050),
    ("Brent", dt.date(2021, 3, 1), 6100, 6000, 18.5, 20, 3900, 3800),
]


def _da_incidents_rows() -> list[dict[str, Any]]:
    return [
        {
            "borough_code": CODES[borough],
            "borough_name": borough,
            "reporting_month": month,
            "r12_da_incidents": incidents,
            "r12_da_incidents_prev": prev,
            "r12_change_pct": (incidents - prev) * 100 / prev,
            "rate_per_1000": rate,
            "london_rank": rank,
            "london_rank_of": 32,
            "london_rank_unavailable_reason": None,
            "r12_da_offences": offences,
            "r12_da_offences_prev": offences_prev,
            "offences_per_100_incidents": offences * 100 / incidents,
            "offences_per_100_incidents_prev": offences_prev * 100 / prev,
        }  # fmt: skip
        for borough, month, incidents, prev, rate, rank, offences, offences_prev in (
            DA_INCIDENTS_ROWS
        )
    ]


# The seed feed_measures: fewer calls, and fewer repeat calls, are good news.
ASB_DIRECTIONS = {
    "asb_calls_direction": "decrease_is_positive",
    "repeat_asb_calls_direction": "decrease_is_positive",
}


# Barnet's April 2021 as the release in force for the April pack gave it, and as the May
# release gives it now (published, now); Camden's row must not show in Barnet's pack.
REVISIONS = {
    "burglary": (300, 318),  # +18, +6%: listed
    "burglary_residential": (200, 211),  # +11, +5.5% (prints +6%): listed
    "burglary_business": (100, 102),  # +2, +2%: not listed
    "robbery": (40, 37),  # -3, -7.5% (prints -8%): listed
    "violence_with_injury": (500, 510),  # +10, +2%: not listed
}


def _revision_rows() -> list[dict[str, Any]]:
    rows = []
    for name, figures in (("Barnet", REVISIONS), ("Camden", {"robbery": (10, 90)})):
        for measure, label, _denominator, _direction, sort_order in MEASURES:
            if measure not in figures:
                continue
            published, now = figures[measure]
            change = now - published
            rows.append(
                {
                    "borough_code": CODES[name], "borough_name": name, "measure": measure,
                    "reporting_month": MAY, "compared_month": APRIL, "measure_label": label,
                    "sort_order": sort_order, "published_release": APRIL,
                    "published_volume": published, "current_release": MAY,
                    "current_volume": now, "change": change,
                    "change_pct": 100 * change / published, "revised_in_release": MAY,
                    "has_later_release": True,
                    "is_revised": abs(change) >= 3 and abs(change) * 100 >= 5 * published,
                    "min_change_pct": 5.0, "min_change_offences": 3,
                }
            )  # fmt: skip
    return rows


def _asb_rows() -> list[dict[str, Any]]:
    """Barnet to May 2021 as the July 2021 pack printed it; June 2021 must not leak in."""
    return [
        {"borough_code": CODES["Barnet"], "borough_name": "Barnet", "reporting_month": MAY,
         "r12_asb_calls": 81619, "r12_asb_calls_prev": 67426, "asb_calls_change_pct": 21.05,
         "r12_repeat_asb_calls": 468, "r12_repeat_asb_calls_prev": 298,
         "repeat_asb_calls_change_pct": 57.05, "rag": "red", "window_start": dt.date(2020, 6, 1),
         **ASB_DIRECTIONS},
        {"borough_code": CODES["Barnet"], "borough_name": "Barnet",
         "reporting_month": dt.date(2021, 6, 1), "r12_asb_calls": 77777,
         "r12_asb_calls_prev": 66666, "asb_calls_change_pct": 16.67, "r12_repeat_asb_calls": 444,
         "r12_repeat_asb_calls_prev": 333, "repeat_asb_calls_change_pct": 33.33, "rag": "red",
         "window_start": dt.date(2020, 7, 1), **ASB_DIRECTIONS},
    ]  # fmt: skip


def _create(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """The table as the layout has it, with `rows` (a column a row leaves out is NULL)."""
    columns = PUBLISHED_TABLES[table]
    unknown = {name for row in rows for name in row} - {name for name, _ in columns}
    assert not unknown, f"{table}: the rows name columns the table has not: {unknown}"
    con.execute(f"create table {table} ({', '.join(f'{n} {t}' for n, t in columns)})")
    if rows:
        con.executemany(
            f"insert into {table} values ({', '.join('?' * len(columns))})",
            [[row.get(name) for name, _ in columns] for row in rows],
        )


# The rows this file's published copy holds, by table; every other table of the layout is
# there, empty, as a unit that has published nothing for the borough would leave it.
def _published_rows() -> dict[str, Sequence[Mapping[str, Any]]]:
    return {
        "rpt_crime_overview": _overview_rows(),
        "rpt_crime_exceptions": _exception_rows(),
        "rpt_crime_trend": _trend_rows(),
        "rpt_crime_revisions": _revision_rows(),
        "rpt_ward_overview": _ward_overview_rows(),
        "rpt_ward_trend": _ward_trend_rows(),
        "rpt_knife_gun_crime": _knife_gun_rows(),
        "rpt_domestic_abuse": _domestic_abuse_rows(),
        "rpt_hate_crime": _hate_rows(),
        "rpt_public_confidence": CONFIDENCE_ROWS,
        "rpt_victim_satisfaction": SATISFACTION_ROWS,
        "rpt_iom_trend": IOM_TREND_ROWS,
        "rpt_iom_comparison": IOM_COMPARISON_ROWS,
        "fct_iom_cohort_breakdown": _iom_breakdown_rows(),
        "kpi_iom_cost_of_crime": _iom_cost_rows(),
        "kpi_glossary": [{"term": t, "definition": d, "sort_order": s} for t, d, s in GLOSSARY],
        "rpt_partner_measures": _marac_rows(),
        "rpt_marac_benchmark": _benchmark_rows(),
        "rpt_asb_calls": _asb_rows(),
        "kpi_da_incidents_to_offences": _da_incidents_rows(),
        "meta_source_files": SOURCE_FILES,
        "meta_publication": PUBLICATION,
        "rpt_reconciliation": _reconciliation_rows(),
    }


def _write_published_db(path: Path) -> None:
    """The published layout: every table in the file's default schema, as the publish step
    writes it."""
    rows = _published_rows()
    with duckdb.connect(str(path)) as con:
        for table in PUBLISHED_TABLES:
            _create(con, table, rows.get(table, ()))


def _variant(source: Path, folder: Path, sql: str, params: list[Any]) -> Path:
    """A copy of the published file with one change to it."""
    path = folder / "marts.duckdb"
    shutil.copyfile(source, path)
    with duckdb.connect(str(path)) as con:
        con.execute(sql, params)
    return path


@pytest.fixture(scope="module")
def published_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Named like the real file, so its catalog is `marts` as it is for analysts.
    path = tmp_path_factory.mktemp("published") / "marts.duckdb"
    _write_published_db(path)
    return path


@pytest.fixture(scope="module")
def stale_db(published_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Met recorded crime kept at its May release: the June file was refused at the gate."""
    return _variant(
        published_db,
        tmp_path_factory.mktemp("stale"),
        "update meta_publication set is_stale = true, reason = ? where source = ?",
        [STALE_REASON, CRIME],
    )


@pytest.fixture(scope="module")
def as_of_db(published_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Published as of 2021-06-15: the publish step writes the day on every row."""
    return _variant(
        published_db,
        tmp_path_factory.mktemp("as_of"),
        "update meta_publication set as_of = ?",
        [dt.datetime.combine(AS_OF, dt.time())],
    )


def _build(db: Path, out_dir: Path, borough: Borough = BARNET, month: dt.date = MAY) -> PackOutput:
    # The PDF (seconds of layout a pack) is tested in test_pack_pdf.py.
    return build_pack(db, out_dir, borough, month, generated_at=GENERATED_AT, pdf=False)


@pytest.fixture(scope="module")
def pack(published_db: Path, tmp_path_factory: pytest.TempPathFactory) -> PackOutput:
    return _build(published_db, tmp_path_factory.mktemp("packs") / "2021-05")


@pytest.fixture(scope="module")
def stale_pack(stale_db: Path, tmp_path_factory: pytest.TempPathFactory) -> PackOutput:
    return _build(stale_db, tmp_path_factory.mktemp("stale_packs"))


@pytest.fixture(scope="module")
def as_of_pack(as_of_db: Path, tmp_path_factory: pytest.TempPathFactory) -> PackOutput:
    return _build(as_of_db, tmp_path_factory.mktemp("as_of_packs"))


@pytest.fixture(scope="module")
def html(pack: PackOutput) -> str:
    return pack.html_path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def stale_html(stale_pack: PackOutput) -> str:
    return stale_pack.html_path.read_text(encoding="utf-8")


def section_html(page: str, key: str) -> str:
    """One section's HTML, from its opening tag to its end."""
    start = page.index(f'<section id="{key}"')
    return page[start : page.index("</section>", start)]


def plain(fragment: str) -> str:
    """An HTML fragment's text, tags dropped and whitespace collapsed."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def provenance_lines(fragment: str) -> list[tuple[str, str]]:
    """(class, text) of each provenance paragraph in an HTML fragment."""
    return [
        (cls, plain(inner))
        for cls, inner in re.findall(r'<p class="(provenance[^"]*)">(.*?)</p>', fragment, re.DOTALL)
    ]


# --- A small HTML reader ----------------------------------------------------------------------


@dataclass
class ParsedPack(HTMLParser):
    """Collects what the assertions need: links, ids, SVGs, and the overview's cells."""

    links: list[tuple[str, str, str]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    svg_count: int = 0
    overview_rows: dict[str, list[str]] = field(default_factory=dict)
    overview_headers: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    _in_overview: bool = False
    _row: str | None = None
    _cell: list[str] | None = None
    _in_head_cell: bool = False
    _skip_depth: int = 0

    def __post_init__(self) -> None:
        HTMLParser.__init__(self)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if name in ("src", "href") or name.endswith(":href") or name == "srcset":
                self.links.append((tag, name, value or ""))
            if name == "id" and value:
                self.ids.append(value)
        if tag in ("style", "script"):
            self._skip_depth += 1
        if tag == "svg" and "chart" in (attributes.get("class") or "").split():
            self.svg_count += 1
        if tag == "table" and "overview" in (attributes.get("class") or ""):
            self._in_overview = True
        if self._in_overview and tag == "tr" and attributes.get("data-measure"):
            self._row = attributes["data-measure"]
            self.overview_rows[self._row] = []
        if self._in_overview and tag in ("td", "th"):
            if self._row is not None:
                self._cell = []
            else:
                self._in_head_cell = True
                self.overview_headers.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip_depth -= 1
        if tag == "table":
            self._in_overview = False
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self.overview_rows[self._row].append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag in ("td", "th"):
            self._in_head_cell = False
        if tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_head_cell:
            self.overview_headers[-1] += data

    @property
    def plain_text(self) -> str:
        return " ".join("".join(self.text).split())


@pytest.fixture(scope="module")
def parsed(html: str) -> ParsedPack:
    parser = ParsedPack()
    parser.feed(html)
    parser.close()
    return parser


# --- Pure helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(-14.5, -15), (0.5, 1), (-0.5, -1), (2.5, 3), (1.5, 2), (-2.5, -3), (14.49, 14),
     (-0.4, 0), (99.5, 100), (0.0, 0)],
)  # fmt: skip
def test_percentages_round_half_away_from_zero(value: float, expected: int) -> None:
    assert round_half_away_from_zero(value) == expected


def test_an_exact_half_computed_in_floating_point_still_rounds_away_from_zero() -> None:
    change = (171 - 200) / 200 * 100  # exactly -14.5, arrives as -14.499999999999998
    assert change != -14.5
    assert round_half_away_from_zero(change) == -15
    assert format_change_pct((229 - 200) / 200 * 100) == "15%"


def test_change_prints_as_whole_percent_and_null_as_not_available() -> None:
    assert format_change_pct(-14.5) == "-15%"
    assert format_change_pct(0.5) == "1%"
    assert format_change_pct(-0.5) == "-1%"
    assert format_change_pct(-0.4) == "0%"
    assert format_change_pct(None) == "n/a"


def test_rank_prints_as_rank_over_32() -> None:
    assert format_rank(20, 32) == "20/32"
    assert format_rank(None, 32) == "n/a"


def test_volumes_print_with_thousands_separators_and_rates_with_two_places() -> None:
    assert format_count(2696) == "2,696"
    assert format_rate(9.4) == "9.40"


def test_exception_flags_map_to_the_packs_symbols() -> None:
    assert exception_symbol("normal") == "●"
    assert exception_symbol("high") == "▲"
    assert exception_symbol("low") == "▼"
    assert exception_symbol("insufficient") == "–"
    assert exception_symbol(None) == "n/a"


def test_a_decrease_in_crime_is_worded_and_counted_as_positive() -> None:
    factors = crime_factors(-14.5, -10.0, "decrease_is_positive")
    assert "; ".join(f.text for f in factors) == (
        "Decrease in rolling 12 months; Decrease in year to date vs one year ago"
    )
    assert [f.assessment for f in factors] == ["positive", "positive"]


def test_an_increase_is_positive_when_the_measure_says_so() -> None:
    factors = crime_factors(3.0, -1.0, "increase_is_positive")
    assert [f.text for f in factors] == [
        "Increase in rolling 12 months",
        "Decrease in year to date vs one year ago",
    ]
    assert [f.assessment for f in factors] == ["positive", "negative"]


def test_zero_and_missing_changes_are_neutral_and_say_so() -> None:
    factors = crime_factors(0.0, None, "decrease_is_positive")
    assert factors[0].text == "No change in rolling 12 months"
    assert factors[1].text.startswith("No comparison for year to date")
    assert [f.assessment for f in factors] == ["neutral", "neutral"]


@pytest.mark.parametrize("direction", [None, "", "lower_is_better"])
def test_a_direction_the_pack_does_not_know_is_refused_not_read_as_either_way(
    direction: Any,
) -> None:
    with pytest.raises(ValueError, match="is the measure missing from its seed"):
        crime_factors(3.0, -1.0, direction)


def test_month_labels_follow_the_july_2021_pack() -> None:
    assert month_label(dt.date(2021, 3, 1)) == "Mar-21"
    assert ytd_span(MAY) == "Jan21 - May21"
    assert ytd_span(dt.date(2022, 1, 1)) == "Jan22"
    assert add_months(dt.date(2021, 1, 1), -2) == dt.date(2020, 11, 1)


def test_borough_names_become_file_name_slugs() -> None:
    assert borough_slug("Barnet") == "barnet"
    assert borough_slug("Kingston upon Thames") == "kingston-upon-thames"
    assert borough_slug("Hammersmith and Fulham") == "hammersmith-and-fulham"


# --- The sections and their one-line queries --------------------------------------------------


def test_a_sections_query_is_one_select_on_its_published_table() -> None:
    overview = next(s for s in SECTIONS if s.key == "overview")
    assert overview.query == (
        "select * from rpt_crime_overview "
        "where borough_code = $borough_code and reporting_month = $month "
        "order by sort_order, measure"
    )


def test_every_sections_query_reads_the_published_layout_with_the_packs_parameters(
    published_db: Path,
) -> None:
    ctx = PackContext(borough=BARNET, reporting_month=MAY, generated_at=GENERATED_AT)
    # The sections this file holds rows for, in pack order; every other section (the other
    # providers', a new source's) reads its table, empty here, without an error.
    expected_rows = {
        "overview": len(MEASURES),
        "exceptions": 3 * len(MEASURES),
        "trend": 24 * len(MEASURES),
        "rates": len(BOROUGHS) * len(MEASURES),
        "revisions": len(MEASURES),
        "wards": len(WARD_ROWS),
        "ward_trends": 36 * len(WARDS),
        "knife_gun": len(KNIFE_GUN),
        "domestic_abuse": len(DOMESTIC_ABUSE),
        "da_incidents": 1,
        "hate_crime": len(TABLE_1) * len(HATE_PERIODS),
        "public_confidence": 2,
        "victim_satisfaction": 2,
        "iom_trend": len(IOM_TREND_ROWS),
        "iom_profile": len(IOM_PROFILE),
        "iom_comparison": len(IOM_COMPARISON_ROWS),
        "iom_cost_of_crime": len(IOM_COST_OF_CRIME),
        "partner_marac": len(_marac_rows()),
        "marac_benchmark": 1,
        "asb_calls": 1,
        "reconciliation": len(RECONCILE_MAY),
        "glossary": len(GLOSSARY),
        "sources": len(SOURCE_FILES),
    }
    keys = [s.key for s in SECTIONS]
    assert [key for key in keys if key in expected_rows] == list(expected_rows)
    assert keys[0] == "overview" and keys[-2:] == ["glossary", "sources"]
    with duckdb.connect(str(published_db), read_only=True) as con:
        for section in SECTIONS:
            names = set(re.findall(r"\$([A-Za-z_]\w*)", section.query))
            assert names <= set(ctx.params), section.key
            assert section.table in PUBLISHED_TABLES, section.key
            rows = con.execute(section.query, {n: ctx.params[n] for n in names}).fetchall()
            assert len(rows) == expected_rows.get(section.key, 0), section.key


def test_every_section_names_the_source_it_shows() -> None:
    sources = {s.key: s.source for s in SECTIONS}
    providers = ["marac", "solace", "rise", "one_stop_shop", "victim_care_hub",
                 "supporting_families", "youth_justice", "exploitation", "prevent",
                 "da_services", "police_da_pursue", "restorative_justice",
                 "offender_management"]  # fmt: skip
    assert sources == {
        **dict.fromkeys(CRIME_SECTIONS, CRIME),
        "wards": "met_ward_crime",
        "ward_trends": "met_ward_crime",
        **dict.fromkeys(DASHBOARD_SECTIONS, DASHBOARD),
        **MOPAC_SECTIONS,
        **{f"partner_{p}": f"partner_{p}" for p in providers},
        "marac_benchmark": MARAC,
        "asb_calls": "met_asb_calls",
        "da_incidents": "domestic_abuse",
        "reconciliation": "reconciliation",
        "glossary": None,
        "sources": None,
    }
    assert [s.title for s in SECTIONS if s.key in CRIME_SECTIONS] == list(CRIME_SECTIONS.values())


# --- The built pack ---------------------------------------------------------------------------


def test_wards_show_the_boroughs_wards_each_measure_marked_as_apportioned(html: str) -> None:
    wards = section_html(html, "wards")
    text = plain(wards)
    assert "Blackfen" not in text, "another borough's ward"
    cells = re.findall(r'<td class="num" data-label="([^"]+)">(.*?)</td>', wards, re.S)
    expected = [
        (label, f"{format_count(round_half_away_from_zero(r12))}† "
                f"{format_change_pct(pct)} {format_rank(rank, len(WARDS))}")
        for _ward, _measure, label, _order, r12, _prev, pct, rank in WARD_ROWS
    ]  # fmt: skip
    assert [(label, plain(cell)) for label, cell in cells] == expected
    assert re.findall(r'<th scope="row">([^<]+)</th>', wards) == [name for _, name in WARDS]
    assert "apportioned from the old wards" in text

    trends = section_html(html, "ward_trends")
    assert re.findall(r'<figure class="chart-card" id="ward_trends-(\w+)"', trends) == [
        code for code, _ in WARDS
    ]
    assert "No ward figures" not in trends


def test_pack_files_are_named_by_borough_and_month(pack: PackOutput) -> None:
    assert pack.html_path.name == "board_pack_barnet_2021-05.html"
    assert pack.xlsx_path.name == "board_pack_barnet_2021-05.xlsx"
    assert pack.overview_rows == len(BARNET_MAY)
    assert sorted(p.name for p in pack.html_path.parent.iterdir()) == [
        pack.html_path.name,
        pack.xlsx_path.name,
    ], "no temporary files are left behind"


def test_overview_carries_the_marts_figures_for_the_borough_and_month(
    published_db: Path, parsed: ParsedPack
) -> None:
    with duckdb.connect(str(published_db), read_only=True) as con:
        rows = con.execute(
            """
            select measure, ytd_volume, ytd_change_pct, r12_volume, r12_change_pct,
                   london_rank, london_rank_of
            from rpt_crime_overview
            where borough_code = 'E09000003' and reporting_month = date '2021-05-01'
            """
        ).fetchall()
    assert {r[0] for r in rows} == set(parsed.overview_rows)
    for measure, ytd, ytd_pct, r12, r12_pct, rank, of in rows:
        cells = parsed.overview_rows[measure]
        assert cells[3:8] == [
            format_count(ytd),
            format_change_pct(ytd_pct),
            format_count(r12),
            format_change_pct(r12_pct),
            format_rank(rank, of),
        ], measure


def test_overview_prints_the_hand_chosen_figures(parsed: ParsedPack) -> None:
    for e in BARNET_MAY:
        cells = parsed.overview_rows[e.measure]
        assert cells[3] == format_count(e.ytd)
        assert cells[4] == e.ytd_text
        assert cells[5] == format_count(e.r12)
        assert cells[6] == e.r12_text
    assert parsed.overview_rows["burglary"][6] == "-15%"
    assert parsed.overview_rows["burglary_residential"][4:7:2] == ["1%", "-1%"]
    assert parsed.overview_rows["burglary_business"][4] == "n/a"


def test_overview_rows_follow_the_measures_sort_order(parsed: ParsedPack) -> None:
    assert list(parsed.overview_rows) == [m[0] for m in MEASURES]
    assert parsed.overview_rows["burglary_residential"][0] == "Residential burglary"


def test_rank_in_the_pack_prints_as_rank_over_32(parsed: ParsedPack) -> None:
    for e in BARNET_MAY:
        assert parsed.overview_rows[e.measure][7] == f"{e.rank}/32"


def test_exception_symbols_match_the_flags(parsed: ParsedPack) -> None:
    for e in BARNET_MAY:
        cells = parsed.overview_rows[e.measure][8:11]
        assert [c[0] for c in cells] == [EXCEPTION_SYMBOLS[f] for f in e.flags], e.measure


def test_rag_is_shown_with_its_word_for_screen_readers(parsed: ParsedPack, html: str) -> None:
    for e in BARNET_MAY:
        assert e.rag.capitalize() in parsed.overview_rows[e.measure][1]
    assert 'class="rag rag-red"' in html
    assert 'class="rag rag-amber"' in html


def test_factors_are_worded_from_the_indicators(parsed: ParsedPack) -> None:
    burglary = parsed.overview_rows["burglary"][2]
    assert "Decrease in rolling 12 months" in burglary
    assert "Decrease in year to date vs one year ago" in burglary
    residential = parsed.overview_rows["burglary_residential"][2]
    assert "Increase in year to date vs one year ago" in residential


def test_the_rank_note_names_the_other_denominator_from_the_measures(html: str) -> None:
    note = plain(re.search(r'<p id="rank-note"[^>]*>(.*?)</p>', html, re.DOTALL).group(1))
    assert "(per 1,000 households for Residential burglary)" in note
    assert "among 32 London boroughs" in note


def test_headers_name_the_periods_as_the_original_pack_does(parsed: ParsedPack) -> None:
    headers = [" ".join(h.split()) for h in parsed.overview_headers]
    assert "Volume (Jan21 - May21)" in headers
    assert "Recent 12 months (to May 2021)" in headers
    assert headers[-3:] == ["Mar-21", "Apr-21", "May-21"]


def test_title_borough_and_month_head_the_pack(parsed: ParsedPack) -> None:
    text = parsed.plain_text
    assert "Safer Communities Partnership Board — Performance Dashboard" in text
    assert "Barnet" in text
    assert "Crime figures to May 2021" in text


def test_other_months_figures_do_not_leak_in(parsed: ParsedPack) -> None:
    text = parsed.plain_text
    for figure in ("7,002", "9,002", "31/32"):
        assert figure not in text


def test_no_url_outside_the_file_is_referenced(parsed: ParsedPack, html: str) -> None:
    assert parsed.links, "the contents links should have been found"
    for tag, name, value in parsed.links:
        assert value.startswith(("#", "data:")), f"<{tag} {name}={value!r}>"
    assert not re.search(r"url\(\s*['\"]?(?!#|data:)", html)
    assert "@import" not in html


def test_every_id_is_unique_across_the_inline_charts(parsed: ParsedPack) -> None:
    duplicates = {i for i in parsed.ids if parsed.ids.count(i) > 1}
    assert not duplicates
    assert parsed.svg_count == 2 * len(MEASURES) + len(WARDS)


def test_rates_chart_shows_all_32_boroughs_and_highlights_the_borough(html: str) -> None:
    rates = section_html(html, "rates")
    burglary_chart = rates[: rates.index("</svg>")]
    for name in BOROUGHS:
        assert f">{name}</text>" in burglary_chart.replace("&amp;", "&"), name
    expected = f"Barnet {_rate(20, 1):.2f} per 1,000 population, rank 20/32"
    assert expected in " ".join(rates.split())


def test_trend_charts_compare_24_months_with_the_year_before(html: str) -> None:
    trend = section_html(html, "trend")
    assert "Jun-19 to May-21" in trend
    assert trend.count("<svg") == len(MEASURES)


def test_trend_charts_label_the_first_and_the_last_month(html: str) -> None:
    trend = section_html(html, "trend")
    for svg in trend.split("<svg")[1:]:
        labels = re.findall(r">([A-Z][a-z]{2}-\d\d)</text>", svg[: svg.index("</svg>")])
        assert labels == ["Jun-19", "Dec-19", "Jun-20", "Dec-20", "May-21"]


def test_month_ticks_start_at_the_first_month_and_end_at_the_last() -> None:
    assert month_ticks(24) == [0, 6, 12, 18, 23]
    assert month_ticks(20) == [0, 6, 12, 19]  # 18 would crowd 19's label, so it gives way
    assert month_ticks(13) == [0, 6, 12]
    assert month_ticks(2) == [0, 1]
    assert month_ticks(1) == [0]
    assert month_ticks(0) == []


def test_exceptions_group_each_measures_three_months(html: str) -> None:
    exceptions = section_html(html, "exceptions")
    groups = re.findall(r'<tbody data-measure="([^"]+)">(.*?)</tbody>', exceptions, re.DOTALL)
    assert [measure for measure, _ in groups] == [m[0] for m in MEASURES]
    for (measure, body), e in zip(groups, BARNET_MAY, strict=True):
        assert body.count("<tr>") == 3, measure
        assert re.findall(r'class="col-month">([^<]+)<', body) == ["Mar-21", "Apr-21", "May-21"]
        flags = re.findall(r'class="col-result exc-word exc-([a-z]+)"', body)
        assert tuple(flags) == e.flags, measure


def test_exceptions_show_the_usual_range_and_the_rule_it_comes_from(html: str) -> None:
    exceptions = section_html(html, "exceptions")
    lede = plain(re.search(r'<p class="lede">(.*?)</p>', exceptions, re.DOTALL).group(1))
    assert "the mean of the 24 months before it, plus or minus 2 standard deviations" in lede
    burglary = re.search(r'<tbody data-measure="burglary">(.*?)</tbody>', exceptions, re.DOTALL)
    ranges = re.findall(r'class="num col-range"[^>]*>([^<]+)<', burglary.group(1))
    # Mean 198, 199, 200 and SD 12.5: the usual range is the mean -/+ 25.
    assert ranges == ["173 – 223", "174 – 224", "175 – 225"]
    business = re.search(
        r'<tbody data-measure="burglary_business">(.*?)</tbody>', exceptions, re.DOTALL
    )
    first = re.findall(r'class="num col-range"[^>]*>([^<]+)<', business.group(1))[0]
    assert first == "n/a", "an insufficient month has no usual range"


def test_glossary_comes_from_the_glossary_mart(parsed: ParsedPack) -> None:
    text = parsed.plain_text
    for term, definition, _ in GLOSSARY:
        assert term in text
        assert definition in text


def test_footer_lists_each_source_file_with_its_release_hash_and_the_attribution(
    html: str, parsed: ParsedPack
) -> None:
    items = [
        plain(item)
        for item in re.findall(r"<li>(.*?)</li>", section_html(html, "sources"), re.DOTALL)
    ]
    # Newest release first.
    assert items == [
        f"{CRIME_TITLE}, release 2021-05 (Jun-19 to May-21, 37,392 rows). "
        f"File {SOURCE_FILES[1]['file']}, SHA-256 {SOURCE_FILES[1]['sha256'][:12]}… "
        f"{OGL_LICENCE}.",
        f"{CRIME_TITLE}, release 2021-04 (May-19 to Apr-21, 37,104 rows). "
        f"File {SOURCE_FILES[0]['file']}, SHA-256 {SOURCE_FILES[0]['sha256'][:12]}… "
        f"{OGL_LICENCE}.",
    ]
    text = parsed.plain_text
    assert OGL in text
    assert "Generated 1 July 2021, 09:30 UTC" in text


# --- Where each section's figures come from ---------------------------------------------------

# Independent of the renderer: the source's title and the release its figures come from.
PROVENANCE = f"Source: {CRIME_TITLE}, release {RELEASE}."


def test_each_crime_section_names_its_source_and_release_under_its_heading(html: str) -> None:
    for key in CRIME_SECTIONS:
        fragment = section_html(html, key)
        assert re.search(r'</h2>\s*<p class="provenance">', fragment), key
        lines = provenance_lines(fragment)
        assert len(lines) == 1, key
        cls, text = lines[0]
        assert cls == "provenance", key
        assert text == PROVENANCE, text
    for key in ("glossary", "sources"):
        assert provenance_lines(section_html(html, key)) == [], key


def test_each_crime_sheet_notes_its_source_and_release(workbook: openpyxl.Workbook) -> None:
    for name in CRIME_SHEETS:
        note = sheet_notes(workbook[name])[0]
        assert note == PROVENANCE, name
    assert sheet_notes(workbook["Glossary"]) == []
    assert sheet_notes(workbook["Sources"]) == [OGL]


def test_the_provenance_line_names_the_release_not_when_the_pipeline_ran(
    html: str, workbook: openpyxl.Workbook
) -> None:
    """The time the publish step ran (2021-06-20 here) is not when the release came out, and
    would date an as-of pack after its as-of day: the line names the release alone."""
    for key in CRIME_SECTIONS:
        assert provenance_lines(section_html(html, key)) == [("provenance", PROVENANCE)], key
        assert f"{PUBLISHED_AT:%Y-%m-%d}" not in section_html(html, key), key
    for name in CRIME_SHEETS:
        assert sheet_notes(workbook[name])[0] == PROVENANCE, name


def test_a_stale_sources_sections_carry_the_stale_mark_and_its_reason(
    stale_pack: PackOutput, stale_html: str
) -> None:
    assert stale_pack.stale_sections == list(CRIME_SECTIONS)
    for key in CRIME_SECTIONS:
        fragment = section_html(stale_html, key)
        assert re.search(
            r'</h2>\s*<p class="provenance stale"><strong class="stale-mark">Stale:</strong> ',
            fragment,
        ), key
        [(cls, text)] = provenance_lines(fragment)
        assert cls == "provenance stale"
        assert text == f"Stale: {STALE_REASON}. {PROVENANCE}", text
    assert 'class="stale-mark"' not in section_html(stale_html, "glossary")
    # The sources section says which source is stale, and why.
    assert provenance_lines(section_html(stale_html, "sources")) == [
        ("provenance stale", f"Stale: {CRIME_TITLE}: {STALE_REASON}.")
    ]


def test_a_stale_sources_sheets_carry_its_reason_in_their_note(stale_pack: PackOutput) -> None:
    workbook = openpyxl.load_workbook(stale_pack.xlsx_path)
    try:
        for name in CRIME_SHEETS:
            note = sheet_notes(workbook[name])[0]
            assert note == f"Stale: {STALE_REASON}. {PROVENANCE}", name
        for name in ("Glossary", "Sources"):
            assert not any("Stale" in note for note in sheet_notes(workbook[name])), name
    finally:
        workbook.close()


def test_a_pack_from_current_sources_carries_no_stale_mark(
    pack: PackOutput, html: str, workbook: openpyxl.Workbook
) -> None:
    assert pack.stale_sections == []
    assert 'class="stale-mark"' not in html
    assert 'class="provenance stale"' not in html
    assert not any("Stale" in note for ws in workbook.worksheets for note in sheet_notes(ws))


def test_a_pack_built_as_of_a_day_says_so_in_the_masthead_and_the_sources(
    as_of_pack: PackOutput,
) -> None:
    page = as_of_pack.html_path.read_text(encoding="utf-8")
    masthead = page[page.index('<header class="masthead">') : page.index("</header>")]
    assert re.findall(r'<p class="as-of">(.*?)</p>', masthead) == [
        "As of 2021-06-15: built from the releases published by then"
    ]
    assert re.findall(r'<p class="as-of">(.*?)</p>', section_html(page, "sources")) == [
        "Built as of 2021-06-15: from the releases published on or before that day."
    ]


# --- The dashboard's sections ------------------------------------------------------------------


def table_cells(fragment: str) -> list[list[str]]:
    """The text of each row's cells (th and td) of the first table in an HTML fragment."""
    table = fragment[fragment.index("<table") : fragment.index("</table>")]
    return [
        [plain(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.DOTALL)
    ]


def test_the_hate_crime_section_prints_table_1_of_the_july_2021_pack(html: str) -> None:
    rows = table_cells(section_html(html, "hate_crime"))
    assert rows[0] == ["Category", *[heading for _, _, heading, _, _ in HATE_PERIODS]]
    # The paper's headings, word for word.
    assert rows[0][1:] == [
        "2021 May", "2021 (Jan-Apr)", "2020 Full Year", "2019 Full Year", "2018 Full Year",
        "2017 Full Year",
    ]  # fmt: skip
    expected = [
        [("of which – " if of_which else "") + line, *(f"{v:,}" for v in volumes)]
        for _, line, of_which, *volumes in TABLE_1
    ]
    assert rows[1:] == expected


def test_the_knife_and_gun_section_prints_the_july_2021_packs_figures_with_rag_letters(
    html: str,
) -> None:
    fragment = section_html(html, "knife_gun")
    rows = table_cells(fragment)
    # Measure, RAG (its letter, then its word for screen readers), what it was rated from, the
    # good direction, R12, previous R12, change, YTD, change, outcome rate, rate, rank.
    assert rows[1][:2] + rows[1][4:7] == [KNIFE_GUN[0][1], "GGreen", "23", "59", "-61%"]
    assert rows[2][:2] + rows[2][4:7] == [KNIFE_GUN[1][1], "RRed", "10", "5", "100%"]
    assert rows[1][9] == "n/a" and rows[2][9] == "40.0%"
    assert "What each measure counts:" in plain(fragment)
    assert "The Met gives no positive outcomes for it." in plain(fragment)
    assert "refreshed 2021-06-07" in plain(fragment)


def test_the_domestic_abuse_section_prints_outcome_rates_and_ranks(
    html: str,
) -> None:
    rows = table_cells(section_html(html, "domestic_abuse"))
    # The July 2021 pack: DA violence with injury 729, +7%; SD rate 11% (was 16%).
    vwi = rows[2][:2] + rows[2][4:]
    assert vwi[:8] == [DOMESTIC_ABUSE[1][1], "RRed", "729", "681", "7%", "11.0%", "16.0%", "4/32"]
    assert rows[1][:2] + rows[1][4:10] == [
        DOMESTIC_ABUSE[0][1],
        "AAmber",
        "3,262",
        "3,100",
        "5%",
        "13.5%",
        "12.0%",
        "2/32",
    ]
    assert len(rows) == 3, "the incidents have a section of their own"


def test_the_da_incidents_section_shows_the_latest_12_months_and_the_share_of_offences(
    html: str, workbook: openpyxl.Workbook
) -> None:
    fragment = section_html(html, "da_incidents")
    # The July 2021 pack: incidents to March 2021, 7.6 per 1,000, 2nd lowest, 60.5% offences.
    assert table_cells(fragment)[1] == [
        "5,023", "1% (from 4,950)", "7.60", "2/32", "3,037", "60.5%", "63.0% (-3 points since)",
    ]  # fmt: skip
    assert "the 12 months to March 2021" in plain(fragment)
    sheet = workbook["Domestic abuse incidents"]
    assert [c.value for c in data_rows(sheet)[0]][:3] == ["12 months to March 2021", 5023, 4950]


def test_every_rag_cell_shows_its_letter_on_its_colour_in_the_page_and_the_workbook(
    html: str, workbook: openpyxl.Workbook
) -> None:
    # The crime sections' RAG cells (the partnership sections test theirs; the IOM risk matrix
    # letters its cells in the same colours but is not a RAG rating).
    page = "".join(section_html(html, key) for key in ("overview", "knife_gun", "domestic_abuse"))
    cells = re.findall(
        r'<span class="rag rag-(\w+)"[^>]*>(?:<span aria-hidden="true">)?(\w)</span>', page
    )
    assert len(cells) == len(re.findall(r'class="rag rag-', page))
    assert len(cells) == len(BARNET_MAY) + len(KNIFE_GUN) + len(DOMESTIC_ABUSE) + 3  # + key
    assert all(letter == colour[0].upper() for colour, letter in cells)
    fills = {"R": "B3261E", "A": "F2B705", "G": "1E7A34"}
    for name in ("Overview", "Knife and gun", "Domestic abuse"):
        ws = workbook[name]
        column = [c.value for c in ws[1]].index("RAG")
        shown = [row[column] for row in data_rows(ws)]
        assert shown and all(cell.value in fills for cell in shown), name
        assert all(cell.fill.fgColor.rgb.endswith(fills[cell.value]) for cell in shown), name


def test_a_source_that_has_never_published_leaves_its_sections_saying_so(
    published_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("never_published")
    database = _variant(published_db, folder, "drop table rpt_hate_crime", [])
    page = _build(database, folder / "pack").html_path.read_text(encoding="utf-8")
    text = plain(section_html(page, "hate_crime"))
    assert "nothing is published for this section yet (its source has not published)" in text
    assert "rpt_hate_crime" not in text
    assert "Race and Religion" not in page
    assert "729" in plain(section_html(page, "domestic_abuse"))


def test_a_month_the_dashboard_does_not_cover_says_which_months_it_does(
    published_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    page = _build(published_db, tmp_path_factory.mktemp("april"), month=APRIL).html_path
    text = plain(section_html(page.read_text(encoding="utf-8"), "knife_gun"))
    assert (
        "the published data gives this section for May 2021 to May 2021, not for April 2021" in text
    )


def test_a_pack_of_the_latest_releases_has_no_as_of_line(html: str) -> None:
    assert 'class="as-of"' not in html


# --- The MOPAC sections -----------------------------------------------------------------------

MOPAC_PROVENANCE = {
    "public_confidence": (
        "Source: MOPAC Public Attitude Survey (public confidence), release Sep-25."
    ),
    "victim_satisfaction": (
        "Source: MOPAC User Satisfaction Survey (victim satisfaction), release 2022/23 Q4."
    ),
    "iom_trend": "Source: MOPAC IOM data store (offender management), release 2022/23 Q4.",
    "iom_comparison": "Source: MOPAC IOM data store (offender management), release 2022/23 Q4.",
    "iom_profile": "Source: MOPAC IOM data store (offender management), release 2022/23 Q4.",
    "iom_cost_of_crime": (
        "Source: MOPAC IOM data store (offender management), release 2022/23 Q4."
    ),
}


def table_rows(fragment: str) -> list[list[str]]:
    """Each body row of a fragment's table, as the text of its cells."""
    body = fragment[fragment.index("<tbody>") : fragment.index("</tbody>")]
    return [
        [plain(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.DOTALL)
    ]


@pytest.fixture(scope="module")
def never_published_iom(published_db: Path, tmp_path_factory: pytest.TempPathFactory) -> PackOutput:
    """The IOM source's first return was refused: it has no tables in the published copy."""
    folder = tmp_path_factory.mktemp("no_iom")
    db = _variant(
        published_db,
        folder,
        "drop table rpt_iom_trend; drop table rpt_iom_comparison; "
        "drop table fct_iom_cohort_breakdown; drop table kpi_iom_cost_of_crime; "
        "update meta_publication set status = 'absent', is_stale = true, release = '', "
        "reason = ? where source = 'mopac_iom'",
        ["no figures; the 2022/23 Q4 file iom.csv failed check charged_within_cohort (row 5)"],
    )
    return _build(db, folder / "pack")


def test_each_mopac_section_says_its_quarter_and_its_source_and_release(html: str) -> None:
    quarters = {
        "public_confidence": "Survey quarter Jun-22 (Apr-Jun 2022).",
        "victim_satisfaction": "Quarter 2022/23 Q4 (Jan-Mar 2023).",
        "iom_trend": "2021/22 Q1 to 2022/23 Q4 (Apr-Jun 2021 to Jan-Mar 2023)",
        "iom_comparison": "Quarter 2022/23 Q4 (Jan-Mar 2023).",
        "iom_profile": "cohort in 2022/23 Q4 (Jan-Mar 2023): 105 offenders",
        "iom_cost_of_crime": "the return for 2021/22 Q1 (Apr-Jun 2021)",
    }
    for key, quarter in quarters.items():
        fragment = section_html(html, key)
        assert provenance_lines(fragment) == [("provenance", MOPAC_PROVENANCE[key])], key
        assert quarter in plain(fragment), key


def test_public_confidence_shows_the_borough_against_london_with_its_rank_in_its_latest_quarter(
    html: str,
) -> None:
    """Barnet's Mar-22 row (47%) and Brent's Jun-22 row (56%) must not show."""
    assert table_rows(section_html(html, "public_confidence")) == [
        [GOOD_JOB, "49%", "49%", "0", "13/32", "+2", "-1"],
        [FAIR, "71%", "61%", "+10", "4/32", "n/a", "0"],
    ]


def test_victim_satisfaction_shows_the_bcu_against_london_and_the_baseline(html: str) -> None:
    fragment = section_html(html, "victim_satisfaction")
    assert table_rows(fragment) == [
        ["North West BCU", "65%", "n/a", "+1"],
        ["London", "66%", "+3", "+2"],
    ]
    assert "North West BCU (Barnet's Basic Command Unit)" in plain(fragment)
    assert "the board's baseline, London 2020/21: 64%" in plain(fragment)


def test_the_iom_risk_matrix_prints_each_letter_inside_its_colour(html: str) -> None:
    fragment = section_html(html, "iom_trend")
    body = fragment[fragment.index("<tbody>") : fragment.index("</tbody>")]
    cells = re.findall(r'<span class="rag rag-(\w+)"[^>]*>(\w)</span>', body)
    assert cells == [("red", "R"), ("amber", "A"), ("green", "G"), ("blue", "B")]
    earlier, latest = table_rows(fragment)
    assert latest == [
        "2022/23 Q4 Jan-Mar 2023", "105", "30", "27", "25.7%", "135",
        "R Red: 39 A Amber: 23 G Green: 9 B Blue (in custody or on remand): 34", "88 / 17",
    ]  # fmt: skip
    # 2021/22 Q1: no risk matrix (the paper's did not sum to the cohort), and the note says so.
    assert earlier == [
        "2021/22 Q1* Apr-Jun 2021", "97", "19", "19", "19.6%", "54", "n/a", "82 / 15",
    ]  # fmt: skip
    assert f"* 2021/22 Q1: {STATUTORY_NOTE}" in plain(fragment)


def test_the_printed_iom_rate_shows_beside_the_recomputed_share_only_where_they_differ(
    html: str,
) -> None:
    """Shares from the counts, to one place: 593/2192 = 27.05, 27/105 = 25.71, 35/118 = 29.66;
    the printed rate keeps the places it was printed with (24%, not 24.0%)."""
    fragment = section_html(html, "iom_comparison")
    assert table_rows(fragment) == [
        ["London", "2,192", "654", "593", "2,339", "27.1%", "27.2%"],
        ["Barnet", "105", "30", "27", "135", "25.7%", "24%"],
        ["Brent", "118", "45", "35", "154", "29.7%", "same"],
        ["Harrow*", "73", "17", "n/a", "68", "n/a", "22%"],
    ]
    assert re.search(r'<tr data-area="E09000003" class="selected">', fragment)
    assert f"* Harrow: {HARROW_NOTE}" in plain(fragment)
    assert "not the Ministry of Justice's proven reoffending rate" in plain(fragment)


def test_the_iom_profile_shows_each_breakdown_of_the_latest_quarter_with_shares_and_bars(
    html: str,
) -> None:
    """The April 2023 report's profile of 105; the 2021/22 Q1 row, Brent's row and the risk
    matrix must not show. Each bar is as wide as its share."""
    fragment = section_html(html, "iom_profile")
    tables = re.findall(r"<table.*?</table>", fragment, re.DOTALL)
    assert [row for table in tables for row in table_rows(table)] == [
        ["Asian", "16", "15.2%"], ["Black", "33", "31.4%"], ["Other", "3", "2.9%"],
        ["White", "53", "50.5%"],
        ["Male", "101", "96.2%"], ["Female", "4", "3.8%"],
        ["17½", "3", "2.9%"], ["18-24", "27", "25.7%"], ["25-34", "30", "28.6%"],
        ["35-44", "32", "30.5%"], ["45 and over", "13", "12.4%"],
    ]  # fmt: skip
    assert re.findall(r'data-breakdown="(\w+)"', fragment) == ["ethnicity", "gender", "age"]
    widths = re.findall(r'class="share-bar" style="width: ([0-9.]+)%"', fragment)
    assert widths == [f"{count * 100 / 105:.1f}" for *_, count in IOM_PROFILE]
    assert 'class="share-bar-track" aria-hidden="true"' in fragment


def test_the_iom_cost_of_crime_shows_the_july_2021_table_in_whole_pounds(html: str) -> None:
    fragment = section_html(html, "iom_cost_of_crime")
    assert table_rows(fragment) == [
        ["12 months before selection to the cohort", "2,158", "£6,809,153", "£3,155"],
        ["While on the cohort", "3,071", "£10,662,180", "£3,472"],
        ["After leaving the cohort", "561", "£1,829,150", "£3,261"],
    ]
    assert "The 279 offenders selected to Barnet's" in plain(fragment)
    assert "not yearly rates" in plain(fragment)


def test_the_iom_profile_and_cost_sheets_hold_the_figures_as_numbers(
    workbook: openpyxl.Workbook,
) -> None:
    profile = data_rows(workbook["IOM cohort profile"])
    assert [(r[1].value, r[2].value, r[3].value, r[4].value) for r in profile] == [
        (breakdown.capitalize(), label, count, 105) for breakdown, _, label, _, count in IOM_PROFILE
    ]
    assert profile[0][5].value == pytest.approx(16 / 105)
    assert profile[0][5].number_format == "0.0%"
    cost = data_rows(workbook["IOM cost of crime"])
    assert [(r[2].value, r[4].value, r[5].value) for r in cost] == [
        (279, 2158, 6809153), (279, 3071, 10662180), (279, 561, 1829150),
    ]  # fmt: skip
    assert cost[0][5].number_format == "#,##0"


def test_a_source_that_never_published_has_sections_that_say_so_and_the_pack_is_built(
    never_published_iom: PackOutput,
) -> None:
    page = never_published_iom.html_path.read_text(encoding="utf-8")
    assert never_published_iom.stale_sections == [
        "iom_trend", "iom_profile", "iom_comparison", "iom_cost_of_crime",
    ]  # fmt: skip
    for key, says in (
        ("iom_trend", "No IOM cohort figures for Barnet are published."),
        ("iom_profile", "No ethnicity, gender or age of the IOM cohort is published for Barnet."),
        ("iom_comparison", "No IOM comparison with London is published for Barnet."),
        ("iom_cost_of_crime", "No IOM cost-of-crime comparison is published for Barnet."),
    ):
        fragment = section_html(page, key)
        [(cls, text)] = provenance_lines(fragment)
        assert cls == "provenance stale" and "check charged_within_cohort" in text, key
        assert says in plain(fragment), key
    # Every other section is built as usual.
    assert table_rows(section_html(page, "victim_satisfaction"))[0][0] == "North West BCU"


def test_the_mopac_sheets_hold_percentages_as_fractions_and_changes_as_signed_points(
    workbook: openpyxl.Workbook,
) -> None:
    confidence = data_rows(workbook["Public confidence"])
    assert [c.value for c in confidence[0][:6]] == [GOOD_JOB, "Jun-22", 0.49, 0.49, 0, 13]
    assert confidence[0][2].number_format == "0%"
    assert confidence[1][4].value == 10 and confidence[1][4].number_format == "+0;-0;0"
    comparison = data_rows(workbook["IOM against London"])
    shares = [row[6].value for row in comparison]
    assert shares[:3] == [
        pytest.approx(593 / 2192),
        pytest.approx(27 / 105),
        pytest.approx(35 / 118),
    ]
    assert shares[3] is None and comparison[0][6].number_format == "0.0%"
    assert [row[7].value for row in comparison] == [0.272, 0.24, 0.297, 0.22]
    for name in MOPAC_SHEETS:
        assert sheet_notes(workbook[name])[0] in MOPAC_PROVENANCE.values(), name


# --- Borough, month and reproducibility -------------------------------------------------------


@pytest.mark.parametrize("value", ["barnet", "E09000003", "Barnet"])
def test_scp_borough_as_a_code_or_a_name_in_any_case_gives_the_same_pack(
    value: str,
    monkeypatch: pytest.MonkeyPatch,
    published_db: Path,
    pack: PackOutput,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("SCP_BOROUGH", value)
    borough = resolve_borough(Settings.from_env().borough)
    assert borough == BARNET
    assert borough.code == CODES["Barnet"], "the fixture's code is Barnet's ONS code"
    out = _build(published_db, tmp_path, borough)
    assert out.html_path.name == pack.html_path.name
    assert out.html_path.read_bytes() == pack.html_path.read_bytes()
    assert out.xlsx_path.read_bytes() == pack.xlsx_path.read_bytes()


def test_an_unknown_borough_is_refused_before_any_pack_is_built() -> None:
    with pytest.raises(UnknownBorough, match=r"'Narnia'.*E09000003"):
        resolve_borough("Narnia")


def test_a_borough_or_month_without_overview_rows_is_pack_unavailable(
    published_db: Path, tmp_path: Path
) -> None:
    city = Borough("E09000001", "City of London")
    with pytest.raises(
        PackUnavailable, match=r"City of London \(E09000001\).*2021-05.*2021-04 to 2021-05"
    ):
        _build(published_db, tmp_path, city)
    with pytest.raises(PackUnavailable, match=r"Barnet \(E09000003\).*2019-01"):
        _build(published_db, tmp_path, BARNET, dt.date(2019, 1, 1))
    with pytest.raises(PackUnavailable, match="1st"):
        _build(published_db, tmp_path, BARNET, dt.date(2021, 5, 31))
    assert not list(tmp_path.iterdir()), "nothing is written when the overview is empty"


def test_same_inputs_and_generated_at_give_identical_files(
    published_db: Path, pack: PackOutput, tmp_path: Path
) -> None:
    again = _build(published_db, tmp_path / "again")
    assert again.html_path.read_bytes() == pack.html_path.read_bytes()
    assert again.xlsx_path.read_bytes() == pack.xlsx_path.read_bytes()


def test_a_later_build_differs_only_in_the_generation_time(
    published_db: Path, pack: PackOutput, tmp_path: Path
) -> None:
    later = build_pack(
        published_db, tmp_path, BARNET, MAY, generated_at=dt.datetime(2021, 7, 2, 10, 0)
    )

    def without_time(text: str) -> str:
        return re.sub(r'<time datetime="[^"]*">[^<]*</time>', "<time/>", text)

    first = pack.html_path.read_text(encoding="utf-8")
    second = later.html_path.read_text(encoding="utf-8")
    assert first != second
    assert without_time(first) == without_time(second)


def test_generation_time_defaults_to_now_in_utc(published_db: Path, tmp_path: Path) -> None:
    before = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    out = build_pack(published_db, tmp_path, BARNET, MAY)
    stamp = re.search(r'<time datetime="([^"]+)">', out.html_path.read_text(encoding="utf-8"))
    assert stamp is not None
    assert dt.datetime.fromisoformat(stamp.group(1)) >= before


def test_an_earlier_month_renders_its_own_figures(published_db: Path, tmp_path: Path) -> None:
    out = _build(published_db, tmp_path, BARNET, APRIL)
    assert out.html_path.name == "board_pack_barnet_2021-04.html"
    parser = ParsedPack()
    parser.feed(out.html_path.read_text(encoding="utf-8"))
    assert parser.overview_rows["burglary"][3] == "7,002"
    assert parser.overview_rows["burglary"][7] == "31/32"
    assert [c[0] for c in parser.overview_rows["burglary"][8:11]] == ["▲", "▲", "▲"]


# --- The workbook -----------------------------------------------------------------------------


def data_rows(ws: Worksheet) -> list[tuple[Cell, ...]]:
    """The rows under the header, up to the blank row before the notes."""
    rows = []
    for row in ws.iter_rows(min_row=2):
        if all(cell.value is None for cell in row):
            break
        rows.append(row)
    return rows


def sheet_notes(ws: Worksheet) -> list[str]:
    """The notes in column A below the table and the blank row after it."""
    return [c.value for c in ws["A"][2 + len(data_rows(ws)) :] if c.value is not None]


@pytest.fixture(scope="module")
def workbook(pack: PackOutput) -> Iterator[openpyxl.Workbook]:
    wb = openpyxl.load_workbook(pack.xlsx_path)
    yield wb
    wb.close()


def test_workbook_has_one_sheet_per_section(workbook: openpyxl.Workbook) -> None:
    assert workbook.sheetnames == [
        "Overview", "Exceptions", "Monthly trend", "Rates", "Revisions", "Wards", "Ward trends",
        "Knife and gun", "Domestic abuse", "Domestic abuse incidents", "Hate crime",
        *MOPAC_SHEETS, "Domestic abuse MARAC", "MARAC benchmark",
        "Solace advocacy and support", "RISE perpetrator programme",
        "Domestic abuse One Stop Shop", "Victim Care Hub", "Supporting Families claims",
        "Youth justice", "Exploitation and serious violen", "Prevent",
        "Domestic abuse services", "Domestic abuse, pursuing perpet", "Restorative justice",
        "Reducing offending action plan", "ASB calls", "Reconciliation", "Glossary", "Sources",
    ]  # fmt: skip


def test_workbook_headers_are_frozen(workbook: openpyxl.Workbook) -> None:
    for ws in workbook.worksheets:
        assert ws.freeze_panes == "A2", ws.title


def test_workbook_overview_holds_the_marts_numbers_as_numbers(
    workbook: openpyxl.Workbook,
) -> None:
    ws = workbook["Overview"]
    headers = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(headers)}
    assert "Volume (Jan21 - May21)" in col
    assert "Recent 12 months (to May 2021)" in col
    rows = data_rows(ws)
    assert len(rows) == len(BARNET_MAY)
    for e, row in zip(BARNET_MAY, rows, strict=True):
        ytd = row[col["Volume (Jan21 - May21)"]]
        r12 = row[col["Recent 12 months (to May 2021)"]]
        r12_change = row[col["R12 change vs. previous yr."]]
        ytd_change = row[col["YTD change vs. previous yr."]]
        rank = row[col["London rank"]]
        rate = row[col["Rate per 1,000"]]
        assert (ytd.value, ytd.data_type, ytd.number_format) == (e.ytd, "n", "#,##0")
        assert (r12.value, r12.data_type) == (e.r12, "n")
        assert r12_change.data_type == "n" and r12_change.number_format == "0%"
        assert r12_change.value == pytest.approx(e.r12_pct / 100)
        if e.ytd_pct is None:
            assert ytd_change.value is None
        else:
            assert ytd_change.value == pytest.approx(e.ytd_pct / 100)
        assert (rank.value, rank.data_type) == (e.rank, "n")
        assert rate.number_format == "0.00" and rate.data_type == "n"
        exceptions = [row[col[f"Exception {m}"]].value for m in ("Mar-21", "Apr-21", "May-21")]
        assert tuple(exceptions) == e.flags


def test_workbook_detail_sheets_hold_numbers_and_dates(workbook: openpyxl.Workbook) -> None:
    trend = data_rows(workbook["Monthly trend"])
    assert len(trend) == 24 * len(MEASURES)
    first = trend[0]
    assert first[1].is_date and first[1].number_format == "mmm-yy"
    assert first[2].data_type == "n" and first[3].data_type == "n"
    exceptions = workbook["Exceptions"]
    assert [c.value for c in exceptions[1]][5:7] == ["Usual range from", "Usual range to"]
    low, high = data_rows(exceptions)[0][5:7]
    assert (low.value, high.value) == (pytest.approx(173.0), pytest.approx(223.0))
    rates = workbook["Rates"]
    assert len(data_rows(rates)) == 32 * len(MEASURES)
    assert rates["E1"].value == "Rate per 1,000 (12 months to May 2021)"
    assert all(r[4].data_type == "n" and r[4].number_format == "0.00" for r in data_rows(rates))
    glossary = workbook["Glossary"]
    assert [r[0].value for r in data_rows(glossary)] == [g[0] for g in GLOSSARY]
    sources = workbook["Sources"]
    header = [c.value for c in sources[1]]
    shown = [
        {name: cell.value for name, cell in zip(header, row, strict=True)}
        for row in data_rows(sources)
    ]
    assert [(s["Release"], s["File"], s["SHA-256"]) for s in shown] == [
        (f["release"], f["file"], f["sha256"]) for f in reversed(SOURCE_FILES)
    ]


def test_workbook_is_stamped_with_the_generation_time(
    workbook: openpyxl.Workbook, pack: PackOutput
) -> None:
    assert workbook.properties.created == dt.datetime(2021, 7, 1, 9, 30)
    assert workbook.properties.modified == dt.datetime(2021, 7, 1, 9, 30)
    with zipfile.ZipFile(pack.xlsx_path) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2021, 7, 1, 9, 30, 0)}


# --- In a real browser ------------------------------------------------------------------------


@pytest.mark.browser
def test_a_stale_mark_shows_between_each_stale_sections_heading_and_its_figures(
    stale_pack: PackOutput,
) -> None:
    from tests.support.browser import chromium

    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as context:
        page = context.new_page()
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(stale_pack.html_path.as_uri())
        for key in CRIME_SECTIONS:
            section = page.locator(f"section#{key}")
            mark = section.locator(".provenance.stale .stale-mark")
            assert mark.is_visible(), key
            # Shown in capitals by the stylesheet.
            assert mark.inner_text().strip().lower() == "stale:", key
            heading = section.locator("h2").bounding_box()
            note = section.locator(".provenance.stale").bounding_box()
            figures = section.locator(".table-scroll, .chart-grid").first.bounding_box()
            assert heading and note and figures
            assert heading["y"] < note["y"] < figures["y"], key
            assert STALE_REASON in " ".join(section.locator(".provenance").inner_text().split())
        page.screenshot(path=str(ARTIFACTS / "board_pack_stale.png"), full_page=True)
        page.close()


@pytest.mark.browser
def test_pack_renders_in_chromium_on_a_desktop_a_phone_and_on_paper(pack: PackOutput) -> None:
    from tests.support.browser import chromium

    ARTIFACTS.mkdir(exist_ok=True)
    requests: list[str] = []
    with chromium() as context:
        page = context.new_page()
        page.on("request", lambda request: requests.append(request.url))
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(pack.html_path.as_uri())
        overview = page.locator("table.overview")
        assert overview.is_visible()
        assert page.locator("table.overview tbody tr").count() == len(BARNET_MAY)
        assert page.locator("svg.chart").count() == 2 * len(MEASURES) + len(WARDS)
        assert page.locator("svg.chart").first.bounding_box()["height"] > 100
        page.screenshot(path=str(ARTIFACTS / "board_pack_desktop.png"), full_page=True)

        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        assert overview.is_visible()
        # That the page itself does not scroll sideways is a test of its own, below.
        page.screenshot(path=str(ARTIFACTS / "board_pack_phone.png"), full_page=True)

        # A4 less the @page margins is 188 mm, about 710 CSS px: a stand-in for the PDF page.
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 710, "height": 1000})
        page.screenshot(path=str(ARTIFACTS / "board_pack_print.png"), full_page=True)
        pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
        (ARTIFACTS / "board_pack.pdf").write_bytes(pdf)
        assert pdf.startswith(b"%PDF")
        page.close()
    assert requests and all(url.startswith(("file:", "data:")) for url in requests), requests


# The innermost elements that stick out past the right edge of the window, by their box or
# by their text, other than inside a box that scrolls by itself (the overview's table).
OVERFLOWING = """(width) => {
  const out = [...document.querySelectorAll("body *")]
    .filter((el) => !el.closest(".table-scroll") && !el.closest("svg"))
    .filter((el) => {
      const box = el.getBoundingClientRect();
      return Math.max(box.right, box.left + el.scrollWidth) > width;
    });
  return out
    .filter((el) => !out.some((other) => other !== el && el.contains(other)))
    .map((el) => `${el.tagName.toLowerCase()}.${el.className.replace(/ /g, ".")}: `
      + el.textContent.replace(/\\s+/g, " ").trim().slice(0, 90));
}"""


@pytest.mark.browser
@pytest.mark.parametrize("which", ["pack", "stale_pack"])
def test_the_page_never_scrolls_sideways_on_a_phone(
    which: str, request: pytest.FixtureRequest
) -> None:
    """Only a table's own box may scroll sideways; long file names in the sources section and
    in a stale reason must wrap (the Met's files are named with underscores, no spaces)."""
    from tests.support.browser import chromium

    out: PackOutput = request.getfixturevalue(which)
    width = 390
    with chromium() as context:
        page = context.new_page()
        page.set_viewport_size({"width": width, "height": 844})
        page.goto(out.html_path.as_uri())
        overflowing = page.evaluate(OVERFLOWING, width)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        page.close()
    assert scroll_width <= width, overflowing
    assert overflowing == []


# Rendered size, in CSS px, of the smallest and the largest text in the inline charts: the SVGs
# scale with their viewBox, so this is the font size times the text's on-screen scale.
CHART_TEXT_PX = """() => {
  const sizes = [...document.querySelectorAll("svg.chart text")].map(
    (t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
  return [Math.min(...sizes), Math.max(...sizes), sizes.length];
}"""

# For each chart grid, the gaps left and right of its last row of charts.
LAST_ROW_GAPS = """() => [...document.querySelectorAll(".chart-grid")].map((grid) => {
  const outer = grid.getBoundingClientRect();
  const cards = [...grid.children].map((c) => c.getBoundingClientRect());
  const top = Math.max(...cards.map((c) => c.top));
  const row = cards.filter((c) => Math.abs(c.top - top) < 1);
  return [Math.min(...row.map((c) => c.left)) - outer.left,
          outer.right - Math.max(...row.map((c) => c.right)), row.length];
})"""


@pytest.mark.browser
def test_exceptions_and_charts_read_on_a_phone_without_scrolling_sideways(
    pack: PackOutput,
) -> None:
    from tests.support.browser import chromium

    width = 390
    with chromium() as context:
        page = context.new_page()
        page.set_viewport_size({"width": width, "height": 844})
        page.goto(pack.html_path.as_uri())

        section = page.locator("section#exceptions")
        region = section.locator(".table-scroll")
        assert region.evaluate("el => el.scrollWidth <= el.clientWidth"), "it must not scroll"
        # The domestic abuse incidents' one row is a card of labelled figures, whole on screen.
        card = page.locator("section#da_incidents .table-scroll")
        assert card.evaluate("el => el.scrollWidth <= el.clientWidth"), "it must not scroll"
        for cell in page.locator("section#da_incidents td").all():
            box = cell.bounding_box()
            assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= width
        rows = section.locator("tbody tr")
        expected = [
            (e.measure, label, flag)
            for e in BARNET_MAY
            for label, flag in zip(("Mar-21", "Apr-21", "May-21"), e.flags, strict=True)
        ]
        assert rows.count() == len(expected)
        for index, (measure, label, flag) in enumerate(expected):
            row = rows.nth(index)
            month = row.locator("td.col-month")
            result = row.locator("td.exc-word")
            assert month.inner_text().strip() == label, (measure, label)
            # The result is on screen, whole, and says in words how the month compares.
            assert result.is_visible(), (measure, label)
            assert " ".join(result.inner_text().split()) == (
                f"{EXCEPTION_SYMBOLS[flag]} {exception_words(flag).capitalize()}"
            )
            assert result.evaluate("el => el.scrollWidth <= el.clientWidth"), (measure, label)
            for cell in row.locator("td").all():
                box = cell.bounding_box()
                assert box is not None and box["width"] > 0, (measure, label)
                assert box["x"] >= 0 and box["x"] + box["width"] <= width, (measure, label, box)

        # Chart text (borough names, month and value ticks) is about body-text size.
        smallest, _largest, texts = page.evaluate(CHART_TEXT_PX)
        assert texts > 32 * len(MEASURES)
        assert smallest >= 10.5, smallest
        for chart in page.locator("svg.chart").all():
            box = chart.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width

        # On a desktop and a tablet the text stays that size, and a short last row of charts
        # sits in the middle rather than at the left.
        for desktop in (1280, 900):
            page.set_viewport_size({"width": desktop, "height": 900})
            smallest, largest, _ = page.evaluate(CHART_TEXT_PX)
            assert 10.5 <= smallest and largest <= 16, (desktop, smallest, largest)
            for left, right, _count in page.evaluate(LAST_ROW_GAPS):
                assert abs(left - right) <= 2, (desktop, left, right)
        page.close()


# --- The partnership sections -----------------------------------------------------------------


@pytest.fixture(scope="module")
def marac_stale_db(published_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The MARAC kept at its Q4 2022/23 return: the 2023/24 Q1 return was refused."""
    return _variant(
        published_db,
        tmp_path_factory.mktemp("marac_stale"),
        "update meta_publication set is_stale = true, reason = ? where source = ?",
        [MARAC_STALE_REASON, MARAC],
    )


def test_a_providers_section_prints_its_quarters_year_target_and_rag_letters(html: str) -> None:
    text = plain(section_html(html, "partner_marac"))
    assert "Q1 22/23 Q2 22/23 Q3 22/23 Q4 22/23 Year to date Target % of target RAG" in text
    assert "Number of MARAC referrals 87 123 122 145 477 – – –No RAG" in text
    assert "Number of children in the household 51 64 68 111 294 100 a quarter 111% GGreen" in (
        text
    )
    assert "Number of repeat MARAC referrals 9 22 19 35 85 30 a quarter 117% AAmber" in text
    assert "10.3% 17.9% 15.6% 24.1% 17.8% – – RRed" in text
    # Every RAG cell's letter is its colour's initial, in the coloured cell itself.
    cells = re.findall(
        r'<span class="rag rag-(\w+)"[^>]*><span aria-hidden="true">(\w)</span>',
        section_html(html, "partner_marac"),
    )
    assert cells == [("green", "G"), ("amber", "A"), ("red", "R")]


def test_a_providers_section_names_its_source_quarter_and_submission_dates(html: str) -> None:
    lines = provenance_lines(section_html(html, "partner_marac"))
    assert lines == [
        ("provenance",
         "Source: MARAC coordinator quarterly return, release 2022/23 Q4 (submitted 2023-04-14)."),
        ("provenance quarter-shown",
         "Quarter shown: 2022/23 Q4 (January to March 2023), from the return submitted on 14 "
         "April 2023 (marac_2022-23-Q4.xlsx); earlier quarters from the returns submitted on 14 "
         "July 2022 (Q1 22/23), 14 October 2022 (Q2 22/23), 14 January 2023 (Q3 22/23)."),
    ]  # fmt: skip


def test_a_figure_the_pipeline_recomputed_carries_a_visible_note(html: str) -> None:
    fragment = section_html(html, "partner_marac")
    assert 'href="#partner_marac-note-repeat_rate"' in fragment
    assert f"* Percentage of repeat MARAC referrals: {MARAC_NOTE}" in plain(fragment)


def test_a_provider_that_never_published_has_a_section_that_says_so(html: str) -> None:
    text = plain(section_html(html, "partner_rise"))
    assert text == "RISE perpetrator programme No return from this provider has been published."


def test_a_stale_providers_section_carries_the_stale_mark_and_the_refused_cell(
    marac_stale_db: Path, tmp_path: Path
) -> None:
    out = _build(marac_stale_db, tmp_path)
    assert out.stale_sections == ["partner_marac", "marac_benchmark"]
    page = out.html_path.read_text(encoding="utf-8")
    for key in ("partner_marac", "marac_benchmark"):
        lines = provenance_lines(section_html(page, key))
        assert lines[0] == (
            "provenance stale",
            f"Stale: {MARAC_STALE_REASON}. Source: MARAC coordinator quarterly return, release "
            "2022/23 Q4 (submitted 2023-04-14).",
        )
    assert "Stale" not in section_html(page, "asb_calls")


def test_the_marac_benchmark_reads_the_latest_year_against_40(html: str) -> None:
    text = plain(section_html(html, "marac_benchmark"))
    assert (
        "In 2022/23 the MARAC heard 477 referrals: 29.5 per 10,000 women aged 16 and over in "
        "Barnet (161,964, ONS mid-2021 population estimate), against the recommended 40 (74% "
        "of it)."
    ) in text
    assert "999" not in text


def test_the_asb_section_shows_the_latest_12_months_up_to_the_packs_month(html: str) -> None:
    text = plain(section_html(html, "asb_calls"))
    assert (
        "RRed Negative: Increase in repeat ASB calls Negative: Increase in total ASB calls "
        "468 57% (from 298) 81,619 21% (from 67,426) 12 months to May 2021"
    ) in text
    assert "77,777" not in text


def test_the_partnership_sheets_hold_the_figures_as_numbers(workbook: openpyxl.Workbook) -> None:
    ws = workbook["Domestic abuse MARAC"]
    header = [c.value for c in ws[1]]
    rows = {row[0].value: {h: c.value for h, c in zip(header, row, strict=True)}
            for row in data_rows(ws)}  # fmt: skip
    assert [rows["Number of MARAC referrals"][q] for q in ("Q1", "Q2", "Q3", "Q4")] == [
        87, 123, 122, 145,
    ]  # fmt: skip
    assert rows["Percentage of repeat MARAC referrals"]["Year to date"] == 17.8
    assert rows["Percentage of repeat MARAC referrals"]["Note"] == MARAC_NOTE
    # The RAG's letter on its colour, as on every other sheet.
    assert rows["Number of children in the household"]["RAG"] == "G"
    rag_column = header.index("RAG")
    children = next(r for r in data_rows(ws) if r[0].value == "Number of children in the household")
    assert children[rag_column].fill.fgColor.rgb.endswith("1E7A34")
    assert sheet_notes(ws) == [
        "Source: MARAC coordinator quarterly return, release 2022/23 Q4 (submitted 2023-04-14)."
    ]


# --- Every rating explained ---------------------------------------------------------------------


def factor_items(cell_html: str) -> list[tuple[str, str]]:
    """(assessment, words) of each factor listed in a fragment, without the screen-reader prefix."""
    return [
        (assessment, plain(re.sub(r'<span class="visually-hidden">[^<]*</span>', "", text)))
        for assessment, text in re.findall(
            r'<li class="factor factor-(\w+)">(.*?)</li>', cell_html, re.DOTALL
        )
    ]


def row_html(fragment: str, measure: str) -> str:
    start = fragment.index(f'<tr data-measure="{measure}">')
    return fragment[start : fragment.index("</tr>", start)]


def test_every_rated_dashboard_row_lists_the_indicators_it_was_rated_from_and_its_direction(
    html: str,
) -> None:
    knife = section_html(html, "knife_gun")
    # Knife injury victims: 23 against 59 in the 12 months, 5 against 6 in the year to date,
    # both down, and the Met gives no outcomes for it: green from two positives.
    assert factor_items(row_html(knife, KNIFE_GUN[0][0])) == [
        ("positive", "Decrease in rolling 12 months"),
        ("positive", "Decrease in year to date vs one year ago"),
    ]
    # Lethal barrel discharges: 10 against 5, 7 against 6, outcome rate 40% against 60%: all
    # three indicators negative, as its red says.
    assert factor_items(row_html(knife, KNIFE_GUN[1][0])) == [
        ("negative", "Increase in rolling 12 months"),
        ("negative", "Increase in year to date vs one year ago"),
        ("negative", "Decrease in the outcome rate over 12 months"),
    ]
    assert table_cells(knife)[1][3] == "Offences: lower is better"
    assert table_cells(knife)[2][3] == "Offences: lower is better; outcome rate: higher is better"
    # Domestic abuse offences: 3,262 against 3,100 (up), 5 against 6 (down), outcome rate
    # 13.5% against 12.0% (up): one negative, two positives, amber.
    abuse = section_html(html, "domestic_abuse")
    assert factor_items(row_html(abuse, DOMESTIC_ABUSE[0][0])) == [
        ("negative", "Increase in rolling 12 months"),
        ("positive", "Decrease in year to date vs one year ago"),
        ("positive", "Increase in the outcome rate over 12 months"),
    ]
    assert table_cells(abuse)[1][3] == "Offences: lower is better; outcome rate: higher is better"


def test_a_dashboard_sheet_carries_what_each_rating_came_from(workbook: openpyxl.Workbook) -> None:
    ws = workbook["Knife and gun"]
    header = [c.value for c in ws[1]]
    rated_from = [row[header.index("Rated from")].value for row in data_rows(ws)]
    assert rated_from[0] == (
        "Decrease in rolling 12 months (positive); Decrease in year to date vs one year ago "
        "(positive)"
    )
    assert [row[header.index("Good direction")].value for row in data_rows(ws)][0] == (
        "Offences: lower is better"
    )


def test_each_partner_rating_lists_its_indicators_with_their_figures(html: str) -> None:
    fragment = section_html(html, "partner_marac")
    # 111 children against a quarter's target of 100; no Q4 21/22 return to compare with.
    assert factor_items(row_html(fragment, "children_in_household")) == [
        ("positive", "Met the quarter's target: 111 against 100"),
        ("neutral", "No comparison with Q4 21/22 (no figure for it)"),
    ]
    # 35 repeat referrals against a target of 30 (fewer is better): missed; 40 a year before.
    assert factor_items(row_html(fragment, "repeat_referrals")) == [
        ("negative", "Missed the quarter's target: 35 against 30"),
        ("positive", "Decrease on Q4 21/22: 35 from 40"),
    ]
    assert factor_items(row_html(fragment, "repeat_rate")) == [
        ("negative", "Increase on Q4 21/22: 24.1% from 20.0%"),
    ]


def test_a_partner_row_without_a_rating_says_why_in_its_own_words(html: str) -> None:
    fragment = section_html(html, "partner_marac")
    # The label, without the mark of a note under the table.
    rows = {cells[0].rstrip("*"): cells for cells in table_cells(fragment)[1:]}
    # Columns: measure, Q1-Q4, year to date, target, % of target, RAG, rated from, direction,
    # same quarter a year before, last 8 quarters.
    assert rows["Number of MARAC referrals"][9] == (
        "Not rated: neither way is better (145 against 120 in Q4 21/22)"
    )
    assert rows["Number of families"][9] == (
        "Not rated: no target, and no figure for Q4 21/22 to compare with"
    )
    assert "nothing to judge against" not in fragment
    assert [rows[label][10] for label in rows] == [
        "Neither higher nor lower is better", "Higher is better", "Higher is better",
        "Lower is better", "Lower is better",
    ]  # fmt: skip
    assert table_cells(fragment)[0][11] == "A year before (Q4 21/22)"
    assert rows["Number of repeat MARAC referrals"][11] == "40"
    assert rows["Percentage of repeat MARAC referrals"][11] == "20.0%"
    assert rows["Number of families"][11] == "n/a"


def test_each_partner_measure_shows_its_last_eight_quarters_as_a_sparkline(html: str) -> None:
    fragment = row_html(section_html(html, "partner_marac"), "repeat_referrals")
    svg = re.search(r"<svg class=\"sparkline\".*?</svg>", fragment, re.DOTALL)
    assert svg, "a sparkline in the row"
    title = re.search(r"<title[^>]*>(.*?)</title>", svg.group(0)).group(1)  # type: ignore[union-attr]
    assert title == (
        "Number of repeat MARAC referrals, the last 8 quarters: Q1 21/22 no figure, Q2 21/22 no "
        "figure, Q3 21/22 no figure, Q4 21/22 40, Q1 22/23 9, Q2 22/23 22, Q3 22/23 19, "
        "Q4 22/23 35"
    )
    # One line through the five quarters with figures; the three without are left out, not 0.
    (points,) = re.findall(r'<polyline points="([^"]*)"', svg.group(0))
    assert len(points.split()) == 5


def test_a_sparkline_leaves_a_gap_for_a_missing_period_and_marks_the_latest() -> None:
    svg = sparkline("s", "t", [4.0, None, 2.0, 3.0, None, 6.0])
    # 4 stands alone (a dot), 2-3 is a line, 6 stands alone (a dot) and is the latest (a larger
    # dot): no point is drawn for the two gaps.
    assert len(re.findall(r"<polyline", svg)) == 1
    assert len(re.findall(r'<polyline points="([^"]*)"', svg)[0].split()) == 2
    radii = re.findall(r'<circle [^>]*r="([\d.]+)"', svg)
    assert len(radii) == 3 and radii[-1] > radii[0]
    assert 'role="img"' in svg and '<title id="s-title">t</title>' in svg


def test_the_partnership_sheet_holds_the_year_before_and_why_a_row_is_not_rated(
    workbook: openpyxl.Workbook,
) -> None:
    ws = workbook["Domestic abuse MARAC"]
    header = [c.value for c in ws[1]]
    rows = {row[0].value: {h: c.value for h, c in zip(header, row, strict=True)}
            for row in data_rows(ws)}  # fmt: skip
    assert rows["Number of repeat MARAC referrals"]["Same quarter a year before"] == 40
    assert rows["Number of families"]["Rated from (or why not rated)"] == (
        "Not rated: no target, and no figure for Q4 21/22 to compare with"
    )
    assert rows["Number of MARAC referrals"]["Last 8 quarters"].endswith(
        "Q1 22/23 87, Q2 22/23 123, Q3 22/23 122, Q4 22/23 145"
    )


def test_hate_crime_table_1_says_why_it_has_fewer_full_years_than_the_paper(
    published_db: Path, tmp_path_factory: pytest.TempPathFactory, html: str
) -> None:
    """Data from January 2019 covers 2019 and 2020 in full, not 2017 or 2018."""
    folder = tmp_path_factory.mktemp("hate_two_years")
    database = _variant(
        published_db,
        folder,
        "delete from rpt_hate_crime where period_label in ('2017', '2018');"
        "update rpt_hate_crime set data_from = date '2019-01-01'",
        [],
    )
    page = _build(database, folder / "pack").html_path.read_text(encoding="utf-8")
    fragment = section_html(page, "hate_crime")
    assert table_cells(fragment)[0] == [
        "Category", "2021 May", "2021 (Jan-Apr)", "2020 Full Year", "2019 Full Year",
    ]  # fmt: skip
    assert (
        "The dashboard data starts in January 2019, so it covers 2 of the paper's 4 full "
        "calendar years (2020, 2019)."
    ) in plain(fragment)
    # With all four years, as in Table 1 itself, there is nothing to explain.
    assert "full calendar years (" not in plain(section_html(html, "hate_crime"))


def test_a_good_direction_is_worded_from_the_declared_direction_and_an_unknown_one_refused() -> (
    None
):
    assert good_direction("decrease_is_positive") == "lower is better"
    assert good_direction("increase_is_positive") == "higher is better"
    assert good_direction("neutral") == "neither higher nor lower is better"
    with pytest.raises(ValueError, match="'upward'"):
        good_direction("upward")


def test_what_changed_since_the_last_pack_lists_the_figures_moved_by_the_threshold(
    html: str, published_db: Path, tmp_path: Path
) -> None:
    fragment = section_html(html, "revisions")
    assert re.findall(r'<tr data-measure="([^"]+)"', fragment) == [
        "burglary", "burglary_residential", "robbery",
    ]  # fmt: skip
    text = plain(fragment)
    assert (
        "Barnet's figures for April 2021 as the last pack showed them (release 2021-04, the "
        "release in force then) beside the same figures now (release 2021-05): listed are those "
        "a later release moved by 5% or more and by at least 3 offences."
    ) in text
    # Measure, offences then, offences now, change, change %, the release that moved it.
    assert "Burglary 300 318 +18 +6% 2021-05" in text
    assert "Residential burglary 200 211 +11 +6% 2021-05" in text
    assert "Robbery 40 37 -3 -8% 2021-05" in text
    assert "102" not in text and "510" not in text and "90" not in text

    # Nothing moved by the threshold: one sentence, no table.
    for folder in ("unchanged", "only"):
        (tmp_path / folder).mkdir()
    unchanged = _variant(
        published_db,
        tmp_path / "unchanged",
        "update rpt_crime_revisions set is_revised = false",
        [],
    )
    fragment = section_html(_build(unchanged, tmp_path / "u").html_path.read_text(), "revisions")
    assert "<table" not in fragment
    assert plain(fragment).endswith(
        "No figure for Barnet in April 2021 has moved by 5% or more and by at least 3 offences "
        "since the last pack showed it (release 2021-04; now release 2021-05)."
    )

    # The release the last pack read is still the only one holding its month.
    only = _variant(
        published_db,
        tmp_path / "only",
        "update rpt_crime_revisions set current_release = published_release, "
        "current_volume = published_volume, change = 0, change_pct = 0, "
        "revised_in_release = null, has_later_release = false, is_revised = false",
        [],
    )
    fragment = section_html(_build(only, tmp_path / "o").html_path.read_text(), "revisions")
    assert "<table" not in fragment
    assert plain(fragment).endswith(
        "There is nothing to compare yet: release 2021-04, which the last pack read for "
        "April 2021, is still the only release of that month."
    )


# --- Reconciliation with the papers --------------------------------------------------------------

RECONCILE_REVISION = "The July 2021 paper's crime figures were provisional; the Met revised them."
RECONCILE_SD = "The paper gives the sanction detection (SD) rate; the dashboard the outcome rate."
# (measure, printed as, printed, computed, reason kind, reason): Barnet, the July 2021 paper.
RECONCILE_MAY = [
    ("crime.burglary.r12_volume", "2696", 2696.0, 2711.0, "revision", RECONCILE_REVISION),
    ("crime.burglary.r12_change_pct", "-15%", -15.0, -14.46, "revision", RECONCILE_REVISION),
    ("dashboard.domestic_abuse_vwi.r12_outcome_rate_pct", "11%", 11.0, None, "definition",
     RECONCILE_SD),
    ("asb.r12_asb_calls", "81,619", 81619.0, 81619.0, None, None),
]  # fmt: skip


def _label_of(measure_key: str) -> str:
    """A figure's label in words, from its key (`crime.burglary.r12_volume`: 'Burglary')."""
    return measure_key.split(".")[-2].replace("_", " ").capitalize()


def _reconciliation_rows() -> list[dict[str, Any]]:
    """Barnet's July 2021 paper (May 2021) and one April 2023 figure that must not leak in."""
    units = {"count": "count", "%": "percent"}
    rows = [
        {"borough_code": CODES["Barnet"], "pack_month": MAY, "paper": "SCP board pack, July 2021",
         "section": "Performance dashboard", "period_month": MAY, "measure_key": measure,
         "label": _label_of(measure), "area": "Barnet", "printed_as": printed_as,
         "printed_value": printed,
         "unit": units["%" if printed_as.endswith("%") else "count"], "computed_value": computed,
         "difference": None if computed is None else computed - printed,
         "computed_from": None if computed is None else "kpi", "reason_kind": kind,
         "reason": reason, "sort_order": order}
        for order, (measure, printed_as, printed, computed, kind, reason) in enumerate(
            RECONCILE_MAY, 1
        )
    ]  # fmt: skip
    rows.append(
        {"borough_code": CODES["Barnet"], "pack_month": dt.date(2023, 3, 1),
         "paper": "SCP family services report, April 2023", "section": "MARAC",
         "period_month": dt.date(2023, 3, 1), "measure_key": "partner.marac.repeat_rate.ytd_value",
         "label": "MARAC", "area": "Barnet", "printed_as": "17%", "printed_value": 17.0,
         "unit": "percent", "computed_value": 17.8, "difference": 0.8, "computed_from": "kpi",
         "reason_kind": "typing", "reason": "85 / 477 = 17.8%.", "sort_order": 99}
    )  # fmt: skip
    return rows


def test_the_reconciliation_appendix_lists_the_months_printed_figures_and_each_reason_once(
    html: str, workbook: openpyxl.Workbook, published_db: Path, tmp_path: Path
) -> None:
    fragment = section_html(html, "reconciliation")
    rows = table_cells(fragment)
    # Header, one group row for the paper's section, then the four figures in order.
    assert rows[1] == ["SCP board pack, July 2021: Performance dashboard"]
    assert [row[2:] for row in rows[2:]] == [
        ["2696", "2,711", "+15", "Note 1"],
        ["-15%", "-14.5%", "+0.5 points", "Note 1"],
        ["11%", "n/a", "n/a", "Note 2; no computed figure for this period"],
        ["81,619", "81,619", "none", "–"],
    ]
    text = plain(fragment)
    assert text.count(RECONCILE_REVISION) == 1 and text.count(RECONCILE_SD) == 1
    assert "17%" not in text and "April 2023" not in text
    sheet = workbook["Reconciliation"]
    assert [(r[4].value, r[5].value, r[6].value) for r in data_rows(sheet)] == [
        ("2696", 2711, 15), ("-15%", -14.46, pytest.approx(0.54)), ("11%", None, None),
        ("81,619", 81619, 0),
    ]  # fmt: skip
    # A month no paper covers: one sentence.
    april = _build(published_db, tmp_path, month=APRIL).html_path.read_text(encoding="utf-8")
    assert plain(section_html(april, "reconciliation")).endswith(
        "Reconciliation with the papers No earlier board paper covers April 2021: the papers "
        "reconciled are the July 2021 pack (May 2021) and the April 2023 report (January to "
        "March 2023)."
    )
