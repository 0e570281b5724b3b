"""The return's Figures sheet (docs/source_contracts.md, "Partner returns"): snapshots, years,
12 months, breakdowns, comparators, withheld figures and action plans, as the sample returns
carry them and as the parser lands them (contract 1, the rows of `raw.partner_<key>`).

The expected figures are typed from the board's papers (the July 2021 pack to the Safer
Communities Partnership Board and the April 2023 Family Services report), never read from the
code; each test parses the sample files directly (no refresh).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from orchestration.cli import main
from orchestration.lib.periods import FinancialQuarter
from orchestration.sources.partner_returns.catalogue import (
    CatalogueError,
    load_catalogue,
    parse_catalogue,
)
from orchestration.sources.partner_returns.parser import COLUMNS, ReturnParser
from orchestration.sources.partner_returns.seeds import measures_seed_rows, targets_seed_rows
from orchestration.sources.partner_returns.validate import ReturnReport, validate_return
from tests.conftest import SAMPLE_RAW

CATALOGUE = load_catalogue()
PROVIDERS = SAMPLE_RAW / "providers"
NEW_PROVIDERS = (
    "youth_justice", "exploitation", "prevent", "da_services", "police_da_pursue",
    "restorative_justice", "offender_management",
)  # fmt: skip


def rows(provider: str, quarter: str) -> pd.DataFrame:
    path = PROVIDERS / provider / f"{provider}_{quarter}.xlsx"
    return ReturnParser(CATALOGUE.provider(provider), CATALOGUE).parse(path).rows


def one(frame: pd.DataFrame, **where: Any) -> pd.Series:
    """The one row whose columns have the values given (None: null)."""
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column].isna() if value is None else frame[column] == value
    found = frame[mask]
    assert len(found) == 1, f"{len(found)} rows for {where}"
    return found.iloc[0]


def day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def changed(tmp_path: Path, provider: str, quarter: str, cells: dict[str, Any]) -> Path:
    """A copy of a sample return, in a providers/<key>/ folder of its own, with `cells`
    (`Sheet!A1`) typed over."""
    source = PROVIDERS / provider / f"{provider}_{quarter}.xlsx"
    folder = tmp_path / "providers" / provider
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / source.name
    shutil.copy(source, path)
    workbook = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        sheet, cell = ref.split("!")
        workbook[sheet][cell] = value
    workbook.save(path)
    return path


def blocking(report: ReturnReport) -> list[str]:
    return [str(p) for p in report.blocking]


# --- Contract 1: the landed rows -----------------------------------------------------------


def test_the_parser_lands_the_columns_of_contract_1() -> None:
    assert list(COLUMNS) == [
        "provider", "financial_year", "fiscal_quarter", "period_start", "submitted_on",
        "measure", "basis", "cell", "value", "typed_value", "numerator", "denominator",
        "is_not_available", "note", "period_end", "period_kind", "breakdown", "category",
        "category_label", "is_not_known", "area", "area_label", "comparator_source", "plan",
        "plan_item", "item_theme", "item_owner", "status", "typed_share",
    ]  # fmt: skip
    frame = rows("youth_justice", "2021-22-Q1")
    assert list(frame.columns) == ["source_row", *COLUMNS]
    assert set(frame["period_kind"]) == {"snapshot", "calendar_year"}
    assert set(frame["basis"]) == {"period"}
    # The RETURN's quarter, whatever the figure's period.
    assert set(frame["financial_year"]) == {"2021/22"} and set(frame["fiscal_quarter"]) == {1}


def test_a_snapshot_and_its_breakdown_land_as_long_rows() -> None:
    """July 2021 pack §3.1: at June 2021, 90 young people receiving youth offending
    interventions, 74 open to the YOT and 16 to 0-19 Early Help triage."""
    frame = rows("youth_justice", "2021-22-Q1")
    total = one(frame, measure="young_people_open", breakdown=None)
    assert total["value"] == 90 and total["period_kind"] == "snapshot"
    assert total["period_start"] == total["period_end"] == day("2021-06-30")
    assert total["cell"] == "Figures!I3"
    yot = one(frame, measure="young_people_open", category="youth_offending_team")
    assert (yot["breakdown"], yot["value"], yot["category_label"]) == (
        "service",
        74,
        "Youth Offending Team",
    )
    assert not yot["is_not_known"]
    assert one(frame, measure="young_people_open", category="early_help_triage")["value"] == 16
    unknown = one(frame, measure="young_people_open", category="not_known")
    assert unknown["value"] == 0 and unknown["is_not_known"]


def test_a_comparator_lands_with_its_area_and_publisher() -> None:
    """July 2021 pack, the FTE table: Jan-Dec 2016, Barnet 260, London 410, England & Wales
    328; Jan-Dec 2019, 157, 267 and 211."""
    frame = rows("youth_justice", "2021-22-Q1")
    fte = frame[frame["measure"] == "first_time_entrants_rate"]
    got = {
        (row.period_end.year, row.area if isinstance(row.area, str) else None): row.value
        for row in fte.itertuples()
    }
    assert got == {
        (2016, None): 260, (2016, "london"): 410, (2016, "england_and_wales"): 328,
        (2019, None): 157, (2019, "london"): 267, (2019, "england_and_wales"): 211,
    }  # fmt: skip
    london = one(fte, area="london", period_end=day("2016-12-31"))
    assert (london["area_label"], london["comparator_source"]) == ("London", "Youth Justice Board")
    assert (london["period_start"], london["period_kind"]) == (day("2016-01-01"), "calendar_year")


def test_financial_years_and_rolling_12_months_say_their_period() -> None:
    """Prevent 2020/21 (July 2021 pack); DVPNs and DVPOs in the 12 months to March 2023
    (April 2023 report §3.5.2)."""
    prevent = one(rows("prevent", "2021-22-Q1"), measure="channel_referrals")
    assert prevent["value"] == 19 and prevent["period_kind"] == "financial_year"
    assert (prevent["period_start"], prevent["period_end"]) == (
        day("2020-04-01"),
        day("2021-03-31"),
    )
    police = rows("police_da_pursue", "2022-23-Q4")
    dvpns = one(police, measure="dvpns")
    assert dvpns["value"] == 26 and dvpns["period_kind"] == "rolling_12_months"
    assert (dvpns["period_start"], dvpns["period_end"]) == (day("2022-04-01"), day("2023-03-31"))
    assert one(police, measure="dvpos")["value"] == 22


def test_programme_phases_land_with_their_own_first_and_last_days() -> None:
    """July 2021 pack, Family Services update §2, Table 1: the families allocated to Barnet
    in each Supporting Families phase, 2012-2015 705, 2015-2020 2,592, 2020-2021 372 and
    2021-2022 370 (April to March)."""
    frame = rows("supporting_families", "2021-22-Q1")
    phases = frame[frame["measure"] == "families_allocated"]
    assert sorted(
        zip(
            phases["period_start"],
            phases["period_end"],
            phases["period_kind"],
            phases["value"],
            strict=True,
        )
    ) == [
        (day("2012-04-01"), day("2015-03-31"), "programme_phase", 705),
        (day("2015-04-01"), day("2020-03-31"), "programme_phase", 2592),
        (day("2020-04-01"), day("2021-03-31"), "programme_phase", 372),
        (day("2021-04-01"), day("2022-03-31"), "programme_phase", 370),
    ]


def test_a_withheld_figure_lands_as_withheld_never_as_zero() -> None:
    """April 2023 report §5.2.2: the Q4 2022/23 youth justice data "will not be presented"."""
    frame = rows("youth_justice", "2022-23-Q4")
    assert set(frame["measure"]) == {
        "first_time_entrants_rate", "reoffending_binary_rate", "reoffences_per_reoffender",
        "custody_rate",
    }  # fmt: skip
    assert set(frame["status"]) == {"withheld"}
    assert frame["value"].isna().all() and not frame["is_not_available"].any()
    assert set(frame["period_end"]) == {day("2022-12-31")}


def test_an_action_plan_lands_one_row_per_item_with_its_status() -> None:
    """July 2021 pack, the BRODAP 2018-2022: three themes complete, three on target."""
    frame = rows("offender_management", "2021-22-Q1")
    assert len(frame) == 6
    assert set(frame["plan"]) == set(frame["measure"]) == {"brodap_2018_22"}
    statuses = dict(zip(frame["plan_item"], frame["status"], strict=True))
    assert statuses == {
        "staffing_colocation": "complete", "information_sharing": "complete",
        "cohort_selection": "complete", "resettlement_pathways": "on_target",
        "kpis": "on_target", "iom_operating_model": "on_target",
    }  # fmt: skip
    first = one(frame, plan_item="staffing_colocation")
    assert first["item_theme"] == "Staffing and co-location"
    assert first["item_owner"] == "Reducing Reoffending Delivery Group"
    # As at the day the return was sent (July 2021).
    assert first["period_start"] == first["period_end"] == day("2021-07-14")
    assert frame["value"].isna().all()


def test_a_quarterly_measure_keeps_its_rows_and_gains_a_breakdown() -> None:
    """April 2023 report §3.5.9: 36 assessed, 22 adult and 14 child on parent perpetrators."""
    frame = rows("rise", "2022-23-Q4")
    assessed = one(frame, measure="assessed", basis="quarter")
    assert assessed["value"] == 36 and assessed["period_kind"] == "quarter"
    assert assessed["cell"] == "Return!C9"
    split = frame[frame["breakdown"] == "perpetrator_type"]
    assert dict(zip(split["category"], split["value"], strict=True)) == {
        "adult": 22, "child_on_parent": 14, "not_known": 0
    }  # fmt: skip
    assert set(split["basis"]) == {"period"}
    assert set(split["period_start"]) == {day("2023-01-01")}


# --- The samples hold the papers' printed figures ------------------------------------------


PAPERS: list[tuple[str, str, dict[str, Any], float]] = [
    # July 2021 pack.
    ("youth_justice", "2021-22-Q1", {"measure": "child_population_pct"}, 0.09),
    ("youth_justice", "2021-22-Q1",
     {"measure": "reoffending_binary_rate", "area": None, "period_end": day("2019-12-31")}, 32),
    ("youth_justice", "2021-22-Q1",
     {"measure": "reoffending_binary_rate", "area": "national"}, 37.8),
    ("youth_justice", "2021-22-Q1",
     {"measure": "reoffences_per_reoffender", "area": None, "period_end": day("2019-12-31")},
     1.06),
    ("youth_justice", "2021-22-Q1",
     {"measure": "reoffences_per_reoffender", "area": "national"}, 3.91),
    ("youth_justice", "2021-22-Q1",
     {"measure": "custody_rate", "period_end": day("2019-12-31")}, 0.21),
    ("youth_justice", "2021-22-Q1",
     {"measure": "custody_rate", "period_end": day("2020-12-31")}, 0.10),
    ("exploitation", "2021-22-Q1", {"measure": "varp_presented"}, 29),
    ("exploitation", "2021-22-Q1", {"measure": "varp_missing_episodes"}, 18),
    ("exploitation", "2021-22-Q1", {"measure": "varp_cse_concerns"}, 5),
    ("exploitation", "2021-22-Q1", {"measure": "varp_cce_concerns"}, 10),
    ("exploitation", "2021-22-Q1", {"measure": "varp_open_yot"}, 10),
    ("exploitation", "2021-22-Q1", {"measure": "varp_sirms"}, 2),
    ("exploitation", "2021-22-Q1", {"measure": "varp_school_attendance"}, 12),
    ("prevent", "2021-22-Q1", {"measure": "channel_panel_meetings"}, 13),
    ("prevent", "2021-22-Q1", {"measure": "referred_male_pct"}, 100),
    ("prevent", "2021-22-Q1", {"measure": "referred_adults_pct"}, 53),
    ("prevent", "2021-22-Q1", {"measure": "referred_young_people_pct"}, 47),
    ("prevent", "2021-22-Q1", {"measure": "adults_mental_health_concern_pct"}, 83),
    # April 2023 report.
    ("exploitation", "2022-23-Q2", {"measure": "sirms_held"}, 8),
    ("exploitation", "2022-23-Q3", {"measure": "sirms_held"}, 8),
    ("exploitation", "2022-23-Q4", {"measure": "sirms_held"}, 11),
    ("exploitation", "2022-23-Q4", {"measure": "sirm_young_people"}, 17),
    ("exploitation", "2022-23-Q4", {"measure": "sav_discussed", "breakdown": None}, 12),
    ("exploitation", "2022-23-Q4", {"measure": "sav_care_experienced"}, 4),
    ("exploitation", "2022-23-Q4", {"measure": "sav_referred_by_probation"}, 6),
    ("exploitation", "2022-23-Q4", {"measure": "sav_discussed", "category": "aged_18_25"}, 11),
    ("exploitation", "2022-23-Q4", {"measure": "sav_discussed", "category": "aged_26_plus"}, 1),
    ("da_services", "2022-23-Q4",
     {"measure": "iris_gp_referrals_12m", "period_end": day("2018-01-31")}, 4),
    ("da_services", "2022-23-Q4",
     {"measure": "iris_gp_referrals_12m", "period_end": day("2019-01-31")}, 53),
    ("da_services", "2022-23-Q4",
     {"measure": "iris_gp_referrals_year", "period_end": day("2019-12-31")}, 92),
    ("da_services", "2022-23-Q4",
     {"measure": "iris_gp_referrals_year", "period_end": day("2020-12-31")}, 79),
    ("da_services", "2022-23-Q4",
     {"measure": "iris_gp_referrals_year", "period_end": day("2021-12-31")}, 133),
    ("da_services", "2022-23-Q4",
     {"measure": "iris_gp_referrals_year", "period_end": day("2022-12-31")}, 113),
    ("da_services", "2022-23-Q4", {"measure": "iris_gp_referrals", "basis": "quarter"}, 38),
    ("da_services", "2022-23-Q4", {"measure": "gp_practices", "breakdown": None}, 50),
    ("da_services", "2022-23-Q4", {"measure": "gp_practices", "category": "fully_trained"}, 28),
    ("da_services", "2022-23-Q4",
     {"measure": "gp_practices", "category": "partially_trained"}, 15),
    ("da_services", "2022-23-Q4", {"measure": "gp_practices", "category": "not_engaged"}, 7),
    ("da_services", "2022-23-Q4", {"measure": "refuge_women", "basis": "quarter"}, 28),
    ("da_services", "2022-23-Q4", {"measure": "refuge_children", "basis": "quarter"}, 19),
    ("da_services", "2022-23-Q4",
     {"measure": "da_homelessness_approaches", "basis": "quarter"}, 147),
    ("da_services", "2022-23-Q4",
     {"measure": "da_temporary_accommodation", "basis": "quarter"}, 29),
    ("da_services", "2022-23-Q4", {"measure": "sanctuary_referrals", "basis": "quarter"}, 34),
    ("da_services", "2022-23-Q4", {"measure": "sanctuary_installations", "basis": "quarter"}, 20),
    ("da_services", "2022-23-Q4", {"measure": "coda_women", "basis": "quarter"}, 5),
    ("da_services", "2022-23-Q4", {"measure": "coda_children", "basis": "quarter"}, 7),
    ("da_services", "2022-23-Q4", {"measure": "da_training_sessions", "basis": "quarter"}, 4),
    ("da_services", "2022-23-Q4",
     {"measure": "da_training_attendees", "basis": "quarter"}, 37),
    ("da_services", "2022-23-Q4", {"measure": "da_training_attendees", "category": "level_1"}, 7),
    ("da_services", "2022-23-Q4", {"measure": "da_training_attendees", "category": "level_2"}, 9),
    ("da_services", "2022-23-Q4", {"measure": "da_training_attendees", "category": "marac"}, 11),
    ("da_services", "2022-23-Q4",
     {"measure": "da_training_attendees", "category": "coercive_control"}, 10),
    ("police_da_pursue", "2022-23-Q3", {"measure": "clares_law_requests", "basis": "quarter"}, 8),
    ("police_da_pursue", "2022-23-Q4",
     {"measure": "clares_law_requests", "basis": "quarter"}, 15),
    ("police_da_pursue", "2022-23-Q4",
     {"measure": "intimate_image_threats", "basis": "quarter"}, 23),
    ("police_da_pursue", "2022-23-Q4",
     {"measure": "body_worn_camera_pct", "basis": "quarter"}, 65),
    ("restorative_justice", "2022-23-Q4", {"measure": "rj_referrals", "basis": "quarter"}, 5),
    ("restorative_justice", "2022-23-Q4",
     {"measure": "victims_offered_rj_pct", "basis": "quarter"}, 100),
    ("restorative_justice", "2022-23-Q4", {"measure": "schools_requesting_training"}, 10),
    ("marac", "2019-20-Q4", {"measure": "referrals", "basis": "year_to_date"}, 363),
    ("marac", "2019-20-Q4", {"measure": "children_in_household", "basis": "year_to_date"}, 238),
    ("marac", "2019-20-Q4", {"measure": "families_with_children", "basis": "year_to_date"}, 154),
    ("marac", "2022-23-Q4", {"measure": "victims_mental_health_pct"}, 80),
    ("marac", "2022-23-Q4", {"measure": "female_victims_pct"}, 87.6),
    ("marac", "2022-23-Q4", {"measure": "male_perpetrators_pct"}, 87.3),
    ("marac", "2022-23-Q4", {"measure": "partner_perpetrator_pct"}, 36),
    ("marac", "2022-23-Q4", {"measure": "ex_partner_perpetrator_pct"}, 36),
    ("marac", "2022-23-Q4", {"measure": "male_children_pct"}, 5),
    ("solace", "2022-23-Q4", {"measure": "declined_support"}, 6),
    ("solace", "2022-23-Q4", {"measure": "lgbt_plus"}, 3),
    ("solace", "2022-23-Q4", {"measure": "male_victims"}, 4),
    ("solace", "2022-23-Q4", {"measure": "no_recourse_to_public_funds"}, 11),
    ("solace", "2022-23-Q4", {"measure": "mental_health_need"}, 66),
]  # fmt: skip


@pytest.mark.parametrize(
    ("provider", "quarter", "where", "printed"),
    PAPERS,
    ids=[f"{p}-{q}-{'-'.join(str(v) for v in w.values())}" for p, q, w, _ in PAPERS],
)
def test_the_samples_hold_the_figures_the_papers_print(
    provider: str, quarter: str, where: dict[str, Any], printed: float
) -> None:
    assert one(rows(provider, quarter), **where)["value"] == pytest.approx(printed)


def test_the_marac_2019_20_return_gives_the_year_only() -> None:
    """July 2021 pack p.24: the year-on-year comparison, "against 363 in 2019/20"."""
    frame = rows("marac", "2019-20-Q4")
    quarter = frame[frame["basis"] == "quarter"]
    assert quarter["value"].isna().all()
    counts = quarter[quarter["measure"] != "repeat_rate"]
    assert counts["is_not_available"].all()


# --- Refused, naming the cell and the rule -------------------------------------------------


def test_a_breakdown_that_does_not_sum_to_its_total_is_refused(tmp_path: Path) -> None:
    # 75 + 16 + 0 is 91, not the 90 in Figures!I3.
    path = changed(tmp_path, "youth_justice", "2021-22-Q1", {"Figures!I4": 75})
    assert blocking(validate_return(path)) == [
        "Figures!I4:I6 young_people_open by service: the categories add up to 91 (75 + 16 + 0), "
        "not the total young_people_open = 90 in Figures!I3 (rule the categories, with not "
        "known, sum to the total)"
    ]


def test_a_breakdown_of_a_quarterly_measure_is_summed_against_the_return_sheet(
    tmp_path: Path,
) -> None:
    path = changed(tmp_path, "rise", "2022-23-Q4", {"Figures!I4": 13})
    assert blocking(validate_return(path)) == [
        "Figures!I3:I5 assessed by perpetrator_type: the categories add up to 35 (22 + 13 + 0), "
        "not the total assessed = 36 in Return!C9 (rule the categories, with not known, sum to "
        "the total)"
    ]


def test_a_breakdown_with_a_category_left_out_is_refused(tmp_path: Path) -> None:
    path = changed(tmp_path, "da_services", "2022-23-Q4", {"Figures!I18": None})
    said = blocking(validate_return(path))
    assert said == [
        "Figures!I15:I18 gp_practices by iris_training (at 31 March 2023): not_known not given: "
        "every category (0 where none, not known where not known) is needed (rule the "
        "categories, with not known, sum to the total)"
    ]


def test_a_comparator_for_an_unknown_area_is_refused(tmp_path: Path) -> None:
    path = changed(tmp_path, "youth_justice", "2021-22-Q1", {"Figures!E9": "scotland"})
    assert blocking(validate_return(path)) == [
        "Figures!E9 a comparator for an unknown area 'scotland': first_time_entrants_rate is "
        "compared only with london, england_and_wales in the catalogue (rule a comparator only "
        "for the catalogue's areas)"
    ]


def test_a_comparator_row_added_below_the_template_is_refused(tmp_path: Path) -> None:
    path = changed(
        tmp_path, "youth_justice", "2022-23-Q4",
        {"Figures!B40": "custody_rate", "Figures!E40": "wales", "Figures!I40": 0.3},
    )  # fmt: skip
    said = blocking(validate_return(path))
    assert (
        "Figures!E40 a comparator for an unknown area 'wales': the catalogue declares each "
        "measure's comparator areas, and the template writes their rows (rule a comparator only "
        "for the catalogue's areas)"
    ) in said


def test_an_action_plan_status_outside_the_list_is_refused(tmp_path: Path) -> None:
    path = changed(tmp_path, "offender_management", "2021-22-Q1", {"Figures!J5": "done"})
    assert blocking(validate_return(path)) == [
        "Figures!J5 brodap_2018_22 (Cohort selection process (owner: Reducing Reoffending "
        "Delivery Group)): the status 'done' is not one of complete, on target, at risk, off "
        "target, not started (rule a status from the list)"
    ]


def test_an_action_plan_item_without_a_status_is_refused(tmp_path: Path) -> None:
    path = changed(tmp_path, "offender_management", "2021-22-Q1", {"Figures!J8": None})
    said = blocking(validate_return(path))
    assert len(said) == 1 and said[0].startswith("Figures!J8 brodap_2018_22")
    assert "the item's status is missing" in said[0]


def test_a_withheld_cell_typed_as_zero_is_refused(tmp_path: Path) -> None:
    # Figures!I20 is first-time entrants, 2022, whose status J20 says withheld.
    path = changed(tmp_path, "youth_justice", "2022-23-Q4", {"Figures!I20": 0})
    assert blocking(validate_return(path)) == [
        "Figures!I20 first_time_entrants_rate, 2022 (January to December) holds 0 but its "
        "status is withheld: a withheld figure has no value, 0 is a figure (rule withheld: a "
        "status with no figure, never 0)"
    ]


def test_withheld_typed_in_the_figure_cell_is_withheld(tmp_path: Path) -> None:
    path = changed(
        tmp_path, "youth_justice", "2022-23-Q4", {"Figures!J20": None, "Figures!I20": "Withheld"}
    )
    report = validate_return(path)
    assert report.blocking == []
    figure = next(f for f in report.figures if f.cell == "Figures!I20")
    assert (figure.status, figure.value) == ("withheld", None)


def test_withheld_is_refused_where_the_catalogue_does_not_allow_it(tmp_path: Path) -> None:
    path = changed(tmp_path, "youth_justice", "2021-22-Q1", {"Figures!J7": "withheld"})
    assert blocking(validate_return(path)) == [
        "Figures!J7 child_population_pct, at 30 June 2021: the status 'withheld' is not one of "
        "n/a for this row (rule a status from the list; withheld only where the catalogue says "
        "may_be_withheld)"
    ]


def test_other_text_in_the_figures_sheet_is_refused(tmp_path: Path) -> None:
    path = changed(tmp_path, "prevent", "2021-22-Q1", {"Figures!I4": "about thirteen"})
    said = blocking(validate_return(path))
    assert said == [
        "Figures!I4 channel_panel_meetings, 2020/21: expected a figure (count) or a status in "
        "column J, found text (not shown here)"
    ]


def test_a_typed_share_that_disagrees_is_reported_and_the_recomputed_one_kept(
    tmp_path: Path,
) -> None:
    # 74 / 90 is 82.2%: 82% agrees within rounding, 80% does not.
    path = changed(
        tmp_path, "youth_justice", "2021-22-Q1", {"Figures!K4": 0.82, "Figures!K5": 0.20}
    )
    report = validate_return(path)
    assert report.blocking == []
    assert [str(p) for p in report.warnings] == [
        "Figures!K5 young_people_open Open to: 0-19 Early Help (triage interventions): the share "
        "is typed as 20%, but 16 / 90 = 17.8%; the recomputed share is published (rule the "
        "categories, with not known, sum to the total)"
    ]
    yot = next(f for f in report.figures if f.cell == "Figures!I4")
    assert yot.share == pytest.approx(74 / 90 * 100) and yot.typed_share == pytest.approx(82)


# --- The catalogue ---------------------------------------------------------------------------


def minimal(measure: dict[str, Any]) -> dict[str, Any]:
    return {
        "delivery_day": 14,
        "providers": [{"key": "p", "title": "P", "section": "P", "measures": [measure]}],
    }


BASE = {"key": "m", "label": "M", "unit": "count", "direction": "neutral", "description": "D"}


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ({"breakdowns": [{"key": "gender", "label": "Gender",
                          "categories": [{"key": "male", "label": "Male"}]}]},
         "declare its not_known category"),
        ({"comparators": [{"area": "wales", "source": "MoJ"}]}, "comparator area 'wales'"),
        ({"period": "fortnight"}, "period 'fortnight'"),
        ({"period": "programme_phase"}, "spans are given for, and only for"),
        ({"period": "calendar_year", "spans": [["2012-04-01", "2015-03-31"]]},
         "spans 'programme_phase'|spans \\["),
        ({"unit": "percent", "breakdowns": [{"key": "g", "label": "G", "categories": [],
                                             "not_known": {"key": "u", "label": "U"}}]},
         "a breakdown splits a count"),
    ],
    ids=["no not known", "unknown area", "unknown period", "phases without spans",
         "spans on another period", "breakdown of a percent"],
)  # fmt: skip
def test_a_catalogue_that_cannot_be_a_return_is_refused(extra: dict[str, Any], says: str) -> None:
    with pytest.raises(CatalogueError, match=says):
        parse_catalogue(minimal({**BASE, **extra}))


def test_the_periods_a_return_asks_for_end_by_its_quarter() -> None:
    fte = CATALOGUE.provider("youth_justice").measure("first_time_entrants_rate")
    asked = fte.periods_for(FinancialQuarter.parse("2021-22-Q1"))
    assert [p.start.year for p in asked] == [2016, 2017, 2018, 2019, 2020]
    iris = CATALOGUE.provider("da_services").measure("iris_gp_referrals_12m")
    ends = [p.end for p in iris.periods_for(FinancialQuarter.parse("2022-23-Q4"))]
    assert ends == [dt.date(2018, 1, 31), dt.date(2019, 1, 31)]
    assert iris.periods_for(FinancialQuarter.parse("2017-18-Q3")) == ()


def test_the_seed_rows_carry_the_period_kind_and_targets_against_a_baseline() -> None:
    measures = {(r["provider"], r["measure"]): r for r in measures_seed_rows(CATALOGUE)}
    assert measures[("marac", "referrals")]["period_kind"] == "quarter"
    assert measures[("youth_justice", "young_people_open")]["period_kind"] == "snapshot"
    assert measures[("police_da_pursue", "dvpns")]["period_kind"] == "rolling_12_months"
    targets = list(targets_seed_rows(CATALOGUE))
    assert set(targets[0]) == {
        "provider", "measure", "per", "financial_year", "fiscal_quarter", "target",
        "target_high", "baseline", "target_note",
    }  # fmt: skip
    claims = sorted(
        (r["fiscal_quarter"], r["target"])
        for r in targets
        if r["measure"] == "claims" and r["per"] == "quarter"
    )
    # July 2021 pack, the Supporting Families table: 97 in Q1, 91 in Q2 to Q4.
    assert claims == [(1, 97), (2, 91), (3, 91), (4, 91)]
    # April 2023 report §4.3.15: +10 to 15 points on the 64% pan-London baseline.
    satisfaction = next(r for r in targets if r["measure"] == "victim_satisfaction")
    assert (satisfaction["target"], satisfaction["target_high"], satisfaction["baseline"]) == (
        74,
        79,
        64,
    )
    assert "64%" in satisfaction["target_note"]
    # April 2023 report §4.4.15: 25% of victims offered RJ, on a baseline under 10%.
    rj = next(r for r in targets if r["provider"] == "restorative_justice")
    assert (rj["target"], rj["target_high"], rj["baseline"]) == (25, None, 10)
    plain = next(r for r in targets if r["measure"] == "referrals" and r["provider"] == "solace")
    assert (plain["target_high"], plain["baseline"], plain["target_note"]) == (None, None, None)


# --- make template and make validate, for every new provider --------------------------------


@pytest.mark.parametrize("provider", NEW_PROVIDERS)
def test_make_template_and_make_validate_work_for_each_new_provider(
    provider: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quarter = "2022-23-Q4"
    assert main(["template", "--provider", provider, "--quarter", quarter,
                 "--out", str(tmp_path)]) == 0  # fmt: skip
    made = tmp_path / f"{provider}_{quarter}.xlsx"
    workbook = openpyxl.load_workbook(made)
    assert "Figures" in workbook.sheetnames
    figures = workbook["Figures"]
    assert figures.protection.sheet and figures["B3"].protection.locked
    assert not figures["J3"].protection.locked  # the status cell is to fill
    sample = next((PROVIDERS / provider).glob("*.xlsx"))
    capsys.readouterr()
    assert main(["validate", str(sample)]) == 0
    assert "No blocking problem" in capsys.readouterr().out
