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
RETURNS: list[tuple[str, str, dict, dict]] = [
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
]  # fmt: skip
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
        workbook = filled_workbook(provider, quarter, submitted_on(quarter), figures, ytd)
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
