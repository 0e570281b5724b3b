"""Writes the sample partner returns and the sample monthly feeds in raw/ (raw/SOURCES.md).

    .venv/bin/python scripts/make_samples.py

Partner returns: the templates (`make template`), filled with exactly the figures the board
published (the July 2021 pack and the April 2023 report; docs/kpi_definitions.md §6); a
figure the papers do not give is "n/a" (a quarter's figure) or left blank (a year to date),
and where a paper gives only a year, only the year is filled in. The "submitted on" dates are
illustrative (the papers do not give them): the 14th of the month after the quarter.
The One Stop Shop's return is shipped as the CSV that Excel's Save As "CSV UTF-8" writes from
the Return sheet, to show that such an export lands too.

Monthly feeds: the only public figures are twelve-month totals, so each file spreads a total
evenly over its twelve months (the remainder one each to the first months). The split is
illustrative, and each file's name says so (`..._ILLUSTRATIVE_even_split.csv`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from orchestration.lib.periods import FinancialQuarter  # noqa: E402
from orchestration.sources.partner_returns.catalogue import load_catalogue  # noqa: E402
from orchestration.sources.partner_returns.template import (  # noqa: E402
    file_name,
    filled_bytes,
    filled_workbook,
    return_sheet_as_csv,
)

RAW = PROJECT_ROOT / "raw"
NA = "n/a"

# provider, quarter, quarter's figures, year to date (as published; percentages as fractions).
# A required quarter's figure a paper does not give is n/a (filled in by write_returns).
RETURNS: list[tuple[str, str, dict, dict]] = [
    # July 2021 pack p.24: "477 referrals ... (against 363 in 2019/20) with 403 children in the
    # households (against 238 in 2019/20). The number of families with children were 218
    # (against 154 in 2019/20)": the year only.
    ("marac", "2019-20-Q4", {},
     {"referrals": 363, "children_in_household": 238, "families_with_children": 154}),
    # July 2021 pack p.24: "Over the last 12 months (2020/2021) the domestic abuse MARAC has
    # received 477 referrals ... 403 children ... 218 families ... Repeat rate 50/477 = 10.5%".
    ("marac", "2020-21-Q4",
     {"referrals": NA, "children_in_household": NA, "families_with_children": NA,
      "repeat_referrals": NA},
     {"referrals": 477, "children_in_household": 403, "families_with_children": 218,
      "repeat_referrals": 50, "repeat_rate": 0.105}),
    # April 2023 report §3.4, the MARAC table.
    ("marac", "2022-23-Q1",
     {"referrals": 87, "children_in_household": 51, "families_with_children": 38,
      "repeat_referrals": 9, "repeat_rate": 0.10}, {}),
    ("marac", "2022-23-Q2",
     {"referrals": 123, "children_in_household": 64, "families_with_children": 48,
      "repeat_referrals": 22, "repeat_rate": 0.18}, {}),
    ("marac", "2022-23-Q3",
     {"referrals": 122, "children_in_household": 68, "families_with_children": 37,
      "repeat_referrals": 19, "repeat_rate": 0.16}, {}),
    ("marac", "2022-23-Q4",
     {"referrals": 145, "children_in_household": 111, "families_with_children": 64,
      "repeat_referrals": 35, "repeat_rate": 0.24},
     {"referrals": 477, "children_in_household": 294, "families_with_children": 187,
      "repeat_referrals": 85, "repeat_rate": 0.17}),
    # July 2021 pack p.24-25: Solace Q1-Q3 2020/21; "a total of 1,021 referrals" in Q1-Q3.
    ("solace", "2020-21-Q1",
     {"referrals": NA, "new_service_users": 146, "dash_risk_assessments": 192,
      "high_risk_idva_cases": 37, "referred_to_adult_safeguarding": 5, "left_service": 98}, {}),
    ("solace", "2020-21-Q2",
     {"referrals": NA, "new_service_users": 181, "dash_risk_assessments": 259,
      "high_risk_idva_cases": 44, "referred_to_adult_safeguarding": 3, "left_service": 127}, {}),
    ("solace", "2020-21-Q3",
     {"referrals": NA, "new_service_users": 155, "dash_risk_assessments": 274,
      "high_risk_idva_cases": 46, "referred_to_adult_safeguarding": 2, "left_service": 191},
     {"referrals": 1021}),
    # April 2023 report §3.4.3: 374 referrals in Q4, 1,251 in the year.
    ("solace", "2022-23-Q4",
     {"referrals": 374, "new_service_users": NA, "dash_risk_assessments": NA,
      "high_risk_idva_cases": NA, "referred_to_adult_safeguarding": NA, "left_service": NA},
     {"referrals": 1251}),
    # April 2023 report §3.5.9.
    ("rise", "2022-23-Q4",
     {"new_referrals": 22, "cpv_referrals": 22, "offered": 44, "assessed": 36, "suitable": 30,
      "active_adult": 35, "active_cpv": 33}, {}),
    # April 2023 report §3.6.5: 85 referrals in Q4, 391 in the year.
    ("one_stop_shop", "2022-23-Q4", {"referrals": 85}, {"referrals": 391}),
    # April 2023 report §4.3.5-4.3.10.
    ("victim_care_hub", "2022-23-Q4",
     {"referrals": 34, "adults": 27, "male": 18, "female": 16, "support_vcop": 30,
      "support_personal_safety": 15, "support_home_safety": 13, "support_emotional": 21,
      "support_signposting": 26, "support_food_voucher": 5, "support_onward_referral": 9}, {}),
    # July 2021 pack, Family Services update: "in Q1 115 claims were submitted" (target 97).
    ("supporting_families", "2021-22-Q1", {"claims": 115}, {}),
    # The providers of issue 17: their quarter's counts here, their other figures in FIGURES.
    ("youth_justice", "2021-22-Q1", {}, {}),
    # April 2023 report §5.2.2: the Q4 2022/23 youth justice data withheld (FIGURES).
    ("youth_justice", "2022-23-Q4", {}, {}),
    ("exploitation", "2021-22-Q1", {}, {}),
    # April 2023 report §4.2.1: "11 ... SIRM ... an increase from Q2 and Q3 data where 8
    # SIRM's were recorded respectively"; §4.2.5 17 young people; §4.1.7 the SAV panel.
    ("exploitation", "2022-23-Q2", {"sirms_held": 8}, {}),
    ("exploitation", "2022-23-Q3", {"sirms_held": 8}, {}),
    ("exploitation", "2022-23-Q4",
     {"sirms_held": 11, "sirm_young_people": 17, "sav_discussed": 12,
      "sav_care_experienced": 4, "sav_referred_by_probation": 6}, {}),
    ("prevent", "2021-22-Q1", {}, {}),
    # April 2023 report §3.3.4-3.3.11, §3.4.7-3.4.16.
    ("da_services", "2022-23-Q4",
     {"iris_gp_referrals": 38, "refuge_women": 28, "refuge_children": 19,
      "da_homelessness_approaches": 147, "da_temporary_accommodation": 29,
      "sanctuary_referrals": 34, "sanctuary_installations": 20, "coda_women": 5,
      "coda_children": 7, "da_training_sessions": 4, "da_training_attendees": 37}, {}),
    # April 2023 report §3.5.3: "15 requests for Clare's Law disclosures at DA MARAC an
    # increase from 8 requests in Q3"; 23 reports of threats; body-worn cameras 65%.
    ("police_da_pursue", "2022-23-Q3", {"clares_law_requests": 8}, {}),
    ("police_da_pursue", "2022-23-Q4",
     {"clares_law_requests": 15, "intimate_image_threats": 23, "body_worn_camera_pct": 0.65},
     {}),
    # April 2023 report §4.4.10: 5 referrals, 100% of victims given an opportunity to access RJ.
    ("restorative_justice", "2022-23-Q4", {"rj_referrals": 5, "victims_offered_rj_pct": 1.0},
     {}),
    ("offender_management", "2021-22-Q1", {}, {}),
]  # fmt: skip


def _year(year: int) -> dt.date:
    return dt.date(year, 12, 31)


# The Figures sheet's entries (template.find_figure_row): a figure is `value` (percentages as
# fractions), a status is `status`; `to` the period's last day where the template asks for
# more than one period.
FIGURES: dict[tuple[str, str], list[dict]] = {
    # July 2021 pack, Family Services update §2, Table 1: the families allocated per phase.
    ("supporting_families", "2021-22-Q1"): [
        {"measure": "families_allocated", "to": dt.date(year, 3, 31), "value": value}
        for year, value in ((2015, 705), (2020, 2592), (2021, 372), (2022, 370))
    ],
    # April 2023 report §3.4.9-3.4.10: the quarter's profile, printed as percentages only.
    ("marac", "2022-23-Q4"): [
        {"measure": key, "value": value}
        for key, value in (
            ("victims_mental_health_pct", 0.80), ("female_victims_pct", 0.876),
            ("male_perpetrators_pct", 0.873), ("partner_perpetrator_pct", 0.36),
            ("ex_partner_perpetrator_pct", 0.36), ("male_children_pct", 0.05),
        )
    ],
    # April 2023 report §3.4.4: "Of the Q4 referrals, 6 (1.6%) declined support, 3 ... LBGT+
    # and 4 male victims ... 11 (2.9%) ... no recourse to public funds and 66 (17.6%) ... a
    # mental health need".
    ("solace", "2022-23-Q4"): [
        {"measure": key, "value": value}
        for key, value in (
            ("declined_support", 6), ("lgbt_plus", 3), ("male_victims", 4),
            ("no_recourse_to_public_funds", 11), ("mental_health_need", 66),
        )
    ],
    # April 2023 report §3.5.9: "36 were assessed (22 adult perpetrators and 14 child on parent
    # perpetrators)".
    ("rise", "2022-23-Q4"): [
        {"measure": "assessed", "breakdown": "perpetrator_type", "category": "adult", "value": 22},
        {"measure": "assessed", "breakdown": "perpetrator_type", "category": "child_on_parent",
         "value": 14},
        {"measure": "assessed", "breakdown": "perpetrator_type", "category": "not_known",
         "value": 0},
    ],
    # July 2021 pack, Youth Justice update: §3.1 (at June 2021), §3.3 and the FTE table (rates
    # per 100,000, Jan-Dec 2016 and 2019), §3.4 (reoffending), §3.5 (custody, Jan 2019 - Dec
    # 2020).
    ("youth_justice", "2021-22-Q1"): [
        {"measure": "young_people_open", "value": 90},
        {"measure": "young_people_open", "breakdown": "service",
         "category": "youth_offending_team", "value": 74},
        {"measure": "young_people_open", "breakdown": "service", "category": "early_help_triage",
         "value": 16},
        {"measure": "young_people_open", "breakdown": "service", "category": "not_known",
         "value": 0},
        {"measure": "child_population_pct", "value": 0.0009},
        {"measure": "first_time_entrants_rate", "to": _year(2016), "value": 260},
        {"measure": "first_time_entrants_rate", "area": "london", "to": _year(2016), "value": 410},
        {"measure": "first_time_entrants_rate", "area": "england_and_wales", "to": _year(2016),
         "value": 328},
        {"measure": "first_time_entrants_rate", "to": _year(2019), "value": 157},
        {"measure": "first_time_entrants_rate", "area": "london", "to": _year(2019), "value": 267},
        {"measure": "first_time_entrants_rate", "area": "england_and_wales", "to": _year(2019),
         "value": 211},
        {"measure": "reoffending_binary_rate", "to": _year(2019), "value": 0.32},
        {"measure": "reoffending_binary_rate", "area": "national", "to": _year(2019),
         "value": 0.378},
        {"measure": "reoffences_per_reoffender", "to": _year(2019), "value": 1.06},
        {"measure": "reoffences_per_reoffender", "area": "national", "to": _year(2019),
         "value": 3.91},
        {"measure": "custody_rate", "to": _year(2019), "value": 0.21},
        {"measure": "custody_rate", "to": _year(2020), "value": 0.10},
    ],
    # April 2023 report §5.2.2: the Q4 2022/23 data set "will not be presented": the four
    # youth justice KPIs withheld (their latest year).
    ("youth_justice", "2022-23-Q4"): [
        {"measure": key, "to": _year(2022), "status": "withheld"}
        for key in ("first_time_entrants_rate", "reoffending_binary_rate",
                    "reoffences_per_reoffender", "custody_rate")
    ],
    # July 2021 pack, "Adolescents at Risk of Exploitation & Violence", the VARP June snapshot.
    ("exploitation", "2021-22-Q1"): [
        {"measure": "varp_presented", "value": 29},
        {"measure": "varp_missing_episodes", "value": 18},
        {"measure": "varp_cse_concerns", "value": 5},
        {"measure": "varp_cce_concerns", "value": 10},
        {"measure": "varp_open_yot", "value": 10},
        {"measure": "varp_sirms", "value": 2},
        {"measure": "varp_school_attendance", "value": 12},
    ],
    # April 2023 report §4.1.7: "11 of the referred individuals are aged between 18-25 years,
    # with one aged 26 years".
    ("exploitation", "2022-23-Q4"): [
        {"measure": "sav_discussed", "breakdown": "age_band", "category": "aged_18_25",
         "value": 11},
        {"measure": "sav_discussed", "breakdown": "age_band", "category": "aged_26_plus",
         "value": 1},
        {"measure": "sav_discussed", "breakdown": "age_band", "category": "not_known",
         "value": 0},
    ],
    # July 2021 pack, Prevent Strategy Update §2.5, §2.6 and §3.5 (2020/21).
    ("prevent", "2021-22-Q1"): [
        {"measure": "channel_referrals", "value": 19},
        {"measure": "channel_panel_meetings", "value": 13},
        {"measure": "referred_male_pct", "value": 1.0},
        {"measure": "referred_adults_pct", "value": 0.53},
        {"measure": "referred_young_people_pct", "value": 0.47},
        {"measure": "adults_mental_health_concern_pct", "value": 0.83},
    ],
    # April 2023 report §3.3.4 (GP practices), §3.3.5 (the IRIS table), §3.3.11 (training).
    ("da_services", "2022-23-Q4"): [
        {"measure": "da_training_attendees", "breakdown": "course", "category": "level_1",
         "value": 7},
        {"measure": "da_training_attendees", "breakdown": "course", "category": "level_2",
         "value": 9},
        {"measure": "da_training_attendees", "breakdown": "course", "category": "marac",
         "value": 11},
        {"measure": "da_training_attendees", "breakdown": "course",
         "category": "coercive_control", "value": 10},
        {"measure": "da_training_attendees", "breakdown": "course", "category": "not_known",
         "value": 0},
        {"measure": "iris_gp_referrals_12m", "to": dt.date(2018, 1, 31), "value": 4},
        {"measure": "iris_gp_referrals_12m", "to": dt.date(2019, 1, 31), "value": 53},
        {"measure": "iris_gp_referrals_year", "to": _year(2019), "value": 92},
        {"measure": "iris_gp_referrals_year", "to": _year(2020), "value": 79},
        {"measure": "iris_gp_referrals_year", "to": _year(2021), "value": 133},
        {"measure": "iris_gp_referrals_year", "to": _year(2022), "value": 113},
        {"measure": "gp_practices", "value": 50},
        {"measure": "gp_practices", "breakdown": "iris_training", "category": "fully_trained",
         "value": 28},
        {"measure": "gp_practices", "breakdown": "iris_training",
         "category": "partially_trained", "value": 15},
        {"measure": "gp_practices", "breakdown": "iris_training", "category": "not_engaged",
         "value": 7},
        {"measure": "gp_practices", "breakdown": "iris_training", "category": "not_known",
         "value": 0},
    ],
    # April 2023 report §3.5.2: "26 ... DVPN and 22 ... DVPO in the 12 month period to March
    # 2023".
    ("police_da_pursue", "2022-23-Q4"): [
        {"measure": "dvpns", "value": 26},
        {"measure": "dvpos", "value": 22},
    ],
    # April 2023 report §4.4.11: "To date, 10 schools have requested training".
    ("restorative_justice", "2022-23-Q4"): [
        {"measure": "schools_requesting_training", "value": 10},
    ],
    # July 2021 pack, Integrated Offender Management report: the BRODAP's six themes, three
    # complete and three on target.
    ("offender_management", "2021-22-Q1"): [
        {"measure": "brodap_2018_22", "item": item, "status": status}
        for item, status in (
            ("staffing_colocation", "complete"), ("information_sharing", "complete"),
            ("cohort_selection", "complete"), ("resettlement_pathways", "on target"),
            ("kpis", "on target"), ("iom_operating_model", "on target"),
        )
    ],
}  # fmt: skip
AS_CSV = {"one_stop_shop"}


def submitted_on(quarter: FinancialQuarter) -> dt.date:
    end = quarter.period_end
    following = end + dt.timedelta(days=1)
    return following.replace(day=14)


def write_returns() -> list[Path]:
    catalogue = load_catalogue()
    written = []
    for key, quarter_key, figures, ytd in RETURNS:
        provider = catalogue.provider(key)
        quarter = FinancialQuarter.parse(quarter_key)
        given = {
            **{m.key: NA for m in provider.measures_for(quarter) if m.required},
            **figures,
        }
        workbook = filled_workbook(
            provider, quarter, submitted_on(quarter), given, ytd,
            figures=FIGURES.get((key, quarter_key)),
        )  # fmt: skip
        folder = RAW / provider.folder
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / file_name(provider, quarter)
        if key in AS_CSV:
            path = path.with_suffix(".csv")
            path.write_bytes(b"\xef\xbb\xbf" + return_sheet_as_csv(workbook).encode("utf-8"))
        else:
            path.write_bytes(filled_bytes(workbook, provider, quarter))
        written.append(path)
    return written


def months(first: dt.date, count: int) -> list[dt.date]:
    out = []
    for i in range(count):
        index = first.year * 12 + first.month - 1 + i
        out.append(dt.date(index // 12, index % 12 + 1, 1))
    return out


def even_split(total: int, parts: int = 12) -> list[int]:
    """`total` over `parts` months: the quotient each, the remainder one each to the first."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def write_feed(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def write_feeds() -> list[Path]:
    # July 2021 pack p.16: "81,619 (up 21% from 67,426)" ASB calls in the 12 months to May 2021
    # against the 12 months before (June 2019 to May 2020). The year before gives only its
    # total: its repeat calls ("57% Increase" to 468) are not printed, so they are left empty.
    previous_months = months(dt.date(2019, 6, 1), 12)
    previous = write_feed(
        RAW / "met" / "asb_calls" / "asb_calls_barnet_201906-202005_ILLUSTRATIVE_even_split.csv",
        ["month", "borough", "asb_calls", "repeat_asb_calls"],
        [
            [f"{m:%Y-%m}", "Barnet", calls, ""]
            for m, calls in zip(previous_months, even_split(67426), strict=True)
        ],
    )
    # July 2021 pack p.16: 81,619 ASB calls and 468 repeat calls in the 12 months to May 2021.
    asb_months = months(dt.date(2020, 6, 1), 12)
    asb = write_feed(
        RAW / "met" / "asb_calls" / "asb_calls_barnet_202006-202105_ILLUSTRATIVE_even_split.csv",
        ["month", "borough", "asb_calls", "repeat_asb_calls"],
        [
            [f"{m:%Y-%m}", "Barnet", calls, repeats]
            for m, calls, repeats in zip(
                asb_months, even_split(81619), even_split(468), strict=True
            )
        ],
    )
    # April 2023 report §3.5.4: 5,185 incidents in the 12 months to Feb 2022, 5,044 to Feb 2023.
    da_months = months(dt.date(2021, 3, 1), 24)
    counts = even_split(5185) + even_split(5044)
    da = write_feed(
        RAW
        / "met"
        / "da_incidents"
        / "da_incidents_barnet_202103-202302_ILLUSTRATIVE_even_split.csv",
        ["month", "borough", "da_incidents"],
        [[f"{m:%Y-%m}", "Barnet", n] for m, n in zip(da_months, counts, strict=True)],
    )
    return [previous, asb, da]


if __name__ == "__main__":
    for written in [*write_returns(), *write_feeds()]:
        print(f"wrote {written.relative_to(PROJECT_ROOT)}")
