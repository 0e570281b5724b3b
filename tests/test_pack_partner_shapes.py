"""The partnership's figures beyond the quarter, rendered from hand-built published tables.

The published copy is `test_pack_render`'s (32 boroughs, the MARAC's quarters), with the tables
every provider shares once the partner returns carry more than one count a quarter
(`kpi_partner_measures`' new columns, `kpi_partner_breakdowns`, `kpi_partner_comparators`,
`kpi_action_plan_items`, `kpi_action_plan_status`), holding the figures the board papers print:
youth justice at 30 June 2021 (90: 74 open to the Youth Offending Team, 16 to Early Help
triage), first-time entrants 260 (2016) and 157 (2019), binary reoffending 32% against 37.8%
nationally, the BRODAP's six themes as at July 2021, the VARP's June 2021 snapshot, Prevent's
2020/21, IRIS's GP referrals and practices trained, the police's DVPNs and DVPOs in the 12
months to March 2023, Restorative Justice's target of 25% on a baseline under 10%, the Victim
Care Hub's satisfaction target of 10 to 15 points on a 64% baseline, and the youth justice Q4
2022/23 figures withheld. Expected words are worked out here from those figures, not read
from the renderer.

The new providers are declared here as the catalogue will declare them (a key, a title, a
section heading); their sections are built by the same function as every provider's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import duckdb
import openpyxl
import pytest

from orchestration.landing.discovery import Registry
from orchestration.publish.pack import build_pack, pack_sections
from orchestration.publish.pack.build import PackOutput
from orchestration.sources import REGISTRY
from orchestration.sources.partner_returns.catalogue import Measure, Provider
from orchestration.sources.partner_returns.pack import partner_section, sheet_name
from orchestration.sources.partner_returns.pack_shapes import (
    difference_words,
    figure_text,
    period_label,
    target_words,
)
from tests.test_pack_accessibility import (
    VIEWPORTS,
    axe_violations,
    blocking,
    identifiers,
    structure,
)
from tests.test_pack_render import (
    BARNET,
    GENERATED_AT,
    MAY,
    _write_published_db,
    data_rows,
    plain,
    section_html,
)

# The new providers, as the catalogue declares them: key, title, section heading.
NEW_PROVIDERS = (
    ("youth_justice", "Youth justice", "Family Services: youth justice"),
    ("exploitation", "Exploitation and serious violence", "Exploitation and serious violence"),
    ("prevent", "Prevent", "Prevent and the Channel panel"),
    ("da_services", "Domestic abuse services", "Domestic abuse services"),
    ("police_da_pursue", "Police: domestic abuse", "Police: pursuing domestic abuse perpetrators"),
    ("restorative_justice", "Restorative Justice", "Restorative Justice"),
)
FIRST_NEW_ORDER = 600

YJ_WITHHELD_REASON = (
    "the Q4 2022/23 data set is being reviewed by the Youth Justice Board and the Met for "
    "anomalies; it will be reported with Q1 2023/24"
)
SUBMITTED = dt.date(2023, 4, 14)
Q4 = (dt.date(2023, 1, 1), dt.date(2023, 3, 31))
JUNE_2021 = (dt.date(2021, 6, 30), dt.date(2021, 6, 30))


def _year(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _twelve_months_to(year: int, month: int) -> tuple[dt.date, dt.date]:
    end = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return dt.date(year - 1 + (month == 12), month % 12 + 1, 1), end


# provider, measure, label, unit, period kind, (start, end), value, sort order, extra columns
FIGURES: list[tuple[str, str, str, str, str, tuple[dt.date, dt.date], float | None, int,
                    dict[str, Any]]] = [
    ("youth_justice", "in_interventions", "Young people receiving youth justice interventions",
     "count", "snapshot", JUNE_2021, 90, 1, {}),
    ("youth_justice", "child_population_share", "Share of the child population (10-17)",
     "percent", "snapshot", JUNE_2021, 0.09, 2, {}),
    ("youth_justice", "first_time_entrants", "First-time entrants", "count", "calendar_year",
     _year(2016), 260, 3, {}),
    ("youth_justice", "first_time_entrants", "First-time entrants", "count", "calendar_year",
     _year(2019), 157, 3, {}),
    ("youth_justice", "binary_reoffending", "Binary reoffending rate", "percent",
     "calendar_year", _year(2019), 32, 4, {}),
    ("youth_justice", "reoffences_per_reoffender", "Reoffences per reoffender", "count",
     "calendar_year", _year(2019), 1.06, 5, {}),
    ("youth_justice", "custody_rate", "Custody rate per 1,000 aged 10-17", "count",
     "calendar_year", _year(2019), 0.21, 6, {}),
    ("youth_justice", "custody_rate", "Custody rate per 1,000 aged 10-17", "count",
     "calendar_year", _year(2020), 0.10, 6, {}),
    # The April 2023 paper's youth justice KPIs: Q4 2022/23 withheld until it is re-issued.
    ("youth_justice", "fte_quarter", "First-time entrants in the quarter", "count", "quarter",
     Q4, None, 7, {"status": "withheld", "note": YJ_WITHHELD_REASON}),
    ("exploitation", "varp_presented", "Young people presented to the VARP", "count",
     "snapshot", JUNE_2021, 29, 1, {}),
    ("exploitation", "varp_missing", "With regular missing episodes", "count", "snapshot",
     JUNE_2021, 18, 2, {}),
    ("exploitation", "varp_cse", "With child sexual exploitation concerns", "count", "snapshot",
     JUNE_2021, 5, 3, {}),
    ("exploitation", "varp_cce", "With child criminal exploitation concerns", "count",
     "snapshot", JUNE_2021, 10, 4, {}),
    ("exploitation", "sav_discussed", "Adults discussed at the Serious Adult Violence panel",
     "count", "quarter", Q4, 12, 5, {"status": None}),
    ("prevent", "channel_referrals", "Referrals that met the Channel threshold", "count",
     "financial_year", (dt.date(2020, 4, 1), dt.date(2021, 3, 31)), 19, 1, {}),
    ("prevent", "channel_meetings", "Channel panel meetings", "count", "financial_year",
     (dt.date(2020, 4, 1), dt.date(2021, 3, 31)), 13, 2, {}),
    # IRIS: referrals to Solace from GPs, by the paper's years (Feb 17 - Jan 18, ...).
    ("da_services", "iris_referrals", "Referrals to Solace from GPs (IRIS)", "count",
     "rolling_12_months", _twelve_months_to(2018, 1), 4, 1, {}),
    ("da_services", "iris_referrals", "Referrals to Solace from GPs (IRIS)", "count",
     "rolling_12_months", _twelve_months_to(2019, 1), 53, 1, {}),
    ("da_services", "iris_referrals", "Referrals to Solace from GPs (IRIS)", "count",
     "calendar_year", _year(2019), 92, 1, {}),
    ("da_services", "iris_referrals", "Referrals to Solace from GPs (IRIS)", "count",
     "calendar_year", _year(2020), 79, 1, {}),
    ("da_services", "iris_referrals", "Referrals to Solace from GPs (IRIS)", "count",
     "calendar_year", _year(2021), 133, 1, {}),
    ("da_services", "iris_referrals", "Referrals to Solace from GPs (IRIS)", "count",
     "calendar_year", _year(2022), 113, 1, {}),
    ("police_da_pursue", "dvpns", "Domestic Violence Protection Notices", "count",
     "rolling_12_months", _twelve_months_to(2023, 3), 26, 1, {}),
    ("police_da_pursue", "dvpos", "Domestic Violence Protection Orders", "count",
     "rolling_12_months", _twelve_months_to(2023, 3), 22, 2, {}),
    # The MARAC's 2019/20, for the year-on-year comparison (363 referrals, 238 children, 154
    # families), below its 2022/23 quarters.
    ("marac", "referrals", "Number of MARAC referrals", "count", "financial_year",
     (dt.date(2019, 4, 1), dt.date(2020, 3, 31)), 363, 1, {}),
    ("marac", "children_in_household", "Number of children in the household", "count",
     "financial_year", (dt.date(2019, 4, 1), dt.date(2020, 3, 31)), 238, 2, {}),
    ("marac", "families", "Number of families", "count", "financial_year",
     (dt.date(2019, 4, 1), dt.date(2020, 3, 31)), 154, 3, {}),
    # A target set against a baseline: 25% of victims offered RJ, from under 10%.
    ("restorative_justice", "victims_offered", "Victims offered Restorative Justice", "percent",
     "quarter", Q4, None, 1, {"target_quarter": 25, "baseline": 10,
                              "target_note": "baseline under 10%"}),
    # The Victim Care Hub's satisfaction: +10 to 15 points on the 64% pan-London baseline.
    ("victim_care_hub", "satisfaction", "Victim satisfaction (North West BCU)", "percent",
     "quarter", Q4, 65, 9, {"target_quarter": 74, "target_high": 79, "baseline": 64,
                            "target_note": "an increase of 10-15 points on 64% pan London "
                                           "2020-21"}),
]  # fmt: skip

# provider, measure, breakdown, (category, label, value, not known), total, period kind, period
BREAKDOWNS = [
    ("youth_justice", "in_interventions", "service",
     [("yot", "Open to the Youth Offending Team", 74, False),
      ("early_help", "Early Help triage", 16, False)], 90, "snapshot", JUNE_2021),
    ("exploitation", "sav_discussed", "age_band",
     [("age_26_plus", "26 and over", 1, False), ("age_18_25", "18-25", 11, False)], 12,
     "quarter", Q4),
    ("prevent", "channel_referrals", "age_group",
     [("adults", "Adults", 10, False), ("young_people", "Young people", 9, False)], 19,
     "financial_year", (dt.date(2020, 4, 1), dt.date(2021, 3, 31))),
    ("da_services", "gp_practices", "training",
     [("not_engaged", "Not engaged", 7, False), ("fully", "Fully trained", 28, False),
      ("partially", "Partially trained", 15, False)], 50, "snapshot",
     (dt.date(2023, 3, 31), dt.date(2023, 3, 31))),
    # The MARAC's Q4 2022/23 victims: 87.6% female (127 of 145; 18 / 145 = 12.4% male).
    ("marac", "referrals", "gender",
     [("male", "Male", 18, False), ("female", "Female", 127, False)], 145, "quarter", Q4),
    # An earlier snapshot of the same profile: the section shows the latest only.
    ("da_services", "gp_practices", "training",
     [("fully", "Fully trained", 20, False), ("partially", "Partially trained", 10, False),
      ("not_engaged", "Not engaged", 20, False)], 50, "snapshot",
     (dt.date(2022, 3, 31), dt.date(2022, 3, 31))),
]  # fmt: skip

# provider, measure, label, unit, area, area label, publisher, period kind, period, value,
# borough's value
COMPARATORS = [
    ("youth_justice", "binary_reoffending", "Binary reoffending rate", "percent", "national",
     "National", "Youth Justice Board", "calendar_year", _year(2019), 37.8, 32.0),
    ("youth_justice", "reoffences_per_reoffender", "Reoffences per reoffender", "count",
     "national", "National", "Youth Justice Board", "calendar_year", _year(2019), 3.91, 1.06),
]  # fmt: skip

BRODAP_AS_AT = dt.date(2021, 7, 31)
# The BRODAP 2018-22's six themes, as at July 2021.
BRODAP = [
    ("staffing", "Staffing and co-location", "complete"),
    ("information_sharing", "Partnership information sharing", "complete"),
    ("cohort_selection", "Cohort selection process", "complete"),
    ("resettlement", "Re-establishment of resettlement referral pathways", "on_target"),
    ("kpis", "Development of KPIs", "on_target"),
    ("operating_model", "Adoption of the updated IOM operating model", "on_target"),
]
STATUSES = ("complete", "on_target", "at_risk", "off_target", "not_started")


def _quarterly_row(provider: str, measure: str, label: str, unit: str, **values: Any) -> dict:
    """A provider's row of the quarterly table every provider shares (`rpt_partner_measures`),
    Q4 2022/23."""
    return {
        "provider": provider, "measure": measure, "label": label, "unit": unit,
        "direction": "increase_is_positive", "sort_order": 1, "financial_year": "2022/23",
        "latest_quarter": 4, "latest_quarter_label": "2022/23 Q4", "period_start": Q4[0],
        "period_end": Q4[1], "q4_submitted_on": SUBMITTED, "submitted_on": SUBMITTED,
        "ytd_basis": "sum of quarters", "quarter_target_indicator": "neutral",
        "year_target_indicator": "neutral", "year_on_year_indicator": "neutral",
        "recent_values": [None] * 7 + [values.get("q4_value")],
        "source_file": f"{provider}_2022-23-Q4.xlsx", **values,
    }  # fmt: skip


QUARTERLY = {
    "youth_justice": [_quarterly_row("youth_justice", "fte_quarter",
                                     "First-time entrants in the quarter", "count")],
    "da_services": [_quarterly_row("da_services", "iris_referrals",
                                   "Referrals to Solace from GPs (IRIS)", "count",
                                   q4_value=38, value=38, ytd_value=38)],
    "exploitation": [_quarterly_row("exploitation", "sav_discussed",
                                    "Adults discussed at the Serious Adult Violence panel",
                                    "count", q4_value=12, value=12)],
    "victim_care_hub": [_quarterly_row("victim_care_hub", "satisfaction",
                                       "Victim satisfaction (North West BCU)", "percent",
                                       q4_value=65, value=65, target_quarter=74,
                                       pct_of_quarter_target=87.84, rag="red",
                                       quarter_target_indicator="negative")],
}  # fmt: skip


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        names = ", ".join(row)
        con.execute(
            f"insert into {table} ({names}) values ({', '.join('?' * len(row))})",
            list(row.values()),
        )


def _add_shapes(path: Path) -> None:
    """Contract 2's rows, with the papers' figures, in the published layout's own tables."""
    # The published layout already holds them (empty, under their contracts).
    with duckdb.connect(str(path)) as con:
        for rows in QUARTERLY.values():
            _insert(con, "rpt_partner_measures", rows)
        _insert(
            con,
            "kpi_partner_measures",
            [
                {"provider": provider, "measure": measure, "label": label, "unit": unit,
                 "direction": "neutral", "period_kind": kind, "period_start": start,
                 "period_end": end, "financial_year": "2022/23", "quarter": 4, "value": value,
                 "sort_order": order, "submitted_on": SUBMITTED, **extra}
                for provider, measure, label, unit, kind, (start, end), value, order, extra
                in FIGURES
            ],
        )  # fmt: skip
        _insert(
            con,
            "kpi_partner_breakdowns",
            [
                {"provider": provider, "measure": measure, "breakdown": breakdown,
                 "category": category, "category_label": label, "is_not_known": not_known,
                 "period_start": start, "period_end": end, "period_kind": kind,
                 "financial_year": "2022/23", "quarter": 4, "value": value, "total": total,
                 "share_pct": 100 * value / total}
                for provider, measure, breakdown, categories, total, kind, (start, end)
                in BREAKDOWNS
                for category, label, value, not_known in categories
            ],
        )  # fmt: skip
        _insert(
            con,
            "kpi_partner_comparators",
            [
                {"provider": p, "measure": m, "label": label, "unit": unit, "area": area,
                 "area_label": area_label, "comparator_source": source, "period_kind": kind,
                 "period_start": start, "period_end": end, "value": value,
                 "borough_value": borough, "difference": borough - value}
                for p, m, label, unit, area, area_label, source, kind, (start, end), value,
                borough in COMPARATORS
            ],
        )  # fmt: skip
        _insert(
            con,
            "kpi_action_plan_items",
            [
                {"provider": "youth_justice", "plan": "brodap", "item": item, "theme": theme,
                 "owner": "Reducing Reoffending Delivery Group", "status": status,
                 "as_at": BRODAP_AS_AT}
                for item, theme, status in BRODAP
            ],
        )  # fmt: skip
        _insert(
            con,
            "kpi_action_plan_status",
            [
                {"provider": "youth_justice", "plan": "brodap", "as_at": BRODAP_AS_AT,
                 "status": status, "items": sum(s == status for _, _, s in BRODAP)}
                for status in STATUSES
            ],
        )  # fmt: skip
        for provider, title, _ in NEW_PROVIDERS:
            con.execute(
                "insert into meta_publication (source, title, status, is_stale, reason, release) "
                "values (?, ?, 'published', false, '', '2022/23 Q4')",
                [f"partner_{provider}", f"{title} quarterly return"],
            )
        # One provider has sent nothing yet.
        con.execute(
            "insert into meta_publication (source, title, status, is_stale, reason) values "
            "('partner_one_stop_shop', 'One Stop Shop quarterly return', 'not set up', false, "
            "'no return has landed')"
        )


# A measure only a profile names takes its label from the catalogue.
GP_PRACTICES = Measure(
    key="gp_practices",
    label="GP practices",
    unit="count",
    direction="neutral",
    description="GP practices in the borough, by how far their staff are trained for IRIS.",
)


@dataclass(frozen=True)
class _Plan:
    key: str
    label: str


@dataclass(frozen=True)
class _ProviderWithPlans(Provider):
    """A provider as the catalogue declares one with an action plan (its key and label)."""

    plans: tuple[_Plan, ...] = ()


# The BRODAP's words, from the catalogue: its rows name it by its key only.
BRODAP_LABEL = "Barnet Reducing Offending Delivery Action Plan 2018-22"


def _sections() -> tuple[Any, ...]:
    return tuple(
        partner_section(
            _ProviderWithPlans(
                key=key,
                title=title,
                section=heading,
                measures=(GP_PRACTICES,) if key == "da_services" else (),
                plans=(_Plan("brodap", BRODAP_LABEL),) if key == "youth_justice" else (),
            ),
            order,
        )
        for order, (key, title, heading) in zip(
            range(FIRST_NEW_ORDER, FIRST_NEW_ORDER + 100, 10), NEW_PROVIDERS, strict=False
        )
    )


def _registry() -> Registry:
    """The project's units, with the new providers' sections as the catalogue will add them."""
    real = {section.key: section.order for section in pack_sections()}
    extra = tuple(replace(s, order=real.get(s.key, s.order)) for s in _sections())
    keys = {section.key for section in extra}
    # The catalogue declares these providers too: the hand-built ones stand in for them.
    modules = [
        SimpleNamespace(SECTIONS=[s for s in getattr(m, "SECTIONS", ()) if s.key not in keys])
        for m in REGISTRY.section_modules()
    ]
    return cast(
        Registry,
        SimpleNamespace(
            sources=REGISTRY.sources,
            combined_units=REGISTRY.combined_units,
            section_modules=lambda: [*modules, SimpleNamespace(SECTIONS=extra)],
        ),
    )


@pytest.fixture(scope="module")
def shapes_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shapes") / "marts.duckdb"
    _write_published_db(path)
    _add_shapes(path)
    return path


@pytest.fixture(scope="module")
def pack(shapes_db: Path, tmp_path_factory: pytest.TempPathFactory) -> PackOutput:
    return build_pack(
        shapes_db,
        tmp_path_factory.mktemp("shapes_pack"),
        BARNET,
        MAY,
        generated_at=GENERATED_AT,
        registry=_registry(),
        pdf=False,
    )


@pytest.fixture(scope="module")
def html(pack: PackOutput) -> str:
    return pack.html_path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def workbook(pack: PackOutput) -> Iterator[openpyxl.Workbook]:
    wb = openpyxl.load_workbook(pack.xlsx_path)
    yield wb
    wb.close()


def table_rows(fragment: str, css_class: str) -> list[str]:
    """The text of each body row of the section's table with this class."""
    start = fragment.index(f'class="detail {css_class}"')
    body = fragment[fragment.index("<tbody>", start) : fragment.index("</tbody>", start)]
    return [plain(row) for row in body.split("</tr>") if plain(row)]


# --- The words, on their own ------------------------------------------------------------------


def test_a_figure_prints_as_the_paper_prints_it() -> None:
    assert [figure_text(v, u) for v, u in [(90, "count"), (2592, "count"), (1.06, "count"),
                                           (0.09, "percent"), (37.8, "percent"), (32, "percent"),
                                           (0.1, "count")]] == [
        "90", "2,592", "1.06", "0.09%", "37.8%", "32%", "0.1"]  # fmt: skip
    assert figure_text(0.1, "count", 2) == "0.10"
    assert figure_text(32, "percent", 1) == "32.0%"


def test_each_kind_of_period_is_said_as_the_papers_say_it() -> None:
    assert period_label("snapshot", *JUNE_2021) == "at 30 June 2021"
    assert period_label("calendar_year", *_year(2019)) == "2019"
    assert period_label("financial_year", dt.date(2019, 4, 1), dt.date(2020, 3, 31)) == "2019/20"
    assert period_label("rolling_12_months", *_twelve_months_to(2023, 3)) == (
        "12 months to March 2023"
    )
    assert period_label("rolling_12_months", *_twelve_months_to(2018, 1)) == (
        "12 months to January 2018"
    )
    assert period_label("quarter", *Q4) == "Q4 2022/23 (January to March 2023)"


def test_a_target_on_a_baseline_reads_in_words() -> None:
    assert target_words(74, 79, 64, "percent") == "74-79% (baseline 64%)"
    assert target_words(25, None, 10, "percent") == "25% (baseline 10%)"
    assert target_words(30, None, None, "count") == "30"
    assert target_words(None, None, 64, "percent") == ""


def test_a_difference_says_which_way_and_by_how_much() -> None:
    # 32% - 37.8% = -5.8 points; 1.06 - 3.91 = -2.85.
    assert difference_words(32 - 37.8, "percent", "National") == "5.8 points lower than National"
    assert difference_words(1.06 - 3.91, "count", "National") == "2.85 lower than National"
    assert difference_words(1.0, "percent", "London") == "1 point higher than London"
    assert difference_words(0.0, "count", "London") == "the same as London"


# --- The sections -----------------------------------------------------------------------------


def test_youth_justice_figures_carry_their_periods(html: str) -> None:
    fragment = section_html(html, "partner_youth_justice")
    assert "<h2" in fragment and "Family Services: youth justice" in plain(fragment)
    rows = table_rows(fragment, "shape-figures")
    assert rows[:7] == [
        "Young people receiving youth justice interventions at 30 June 2021 90 –",
        "Share of the child population (10-17) at 30 June 2021 0.09% –",
        "First-time entrants 2016 260 –",
        "First-time entrants 2019 157 –",
        "Binary reoffending rate 2019 32% –",
        "Reoffences per reoffender 2019 1.06 –",
        "Custody rate per 1,000 aged 10-17 2019 0.21 –",
    ]
    # Printed alike, as the paper prints them: 0.21 (2019), then 0.10 (2020).
    assert rows[7] == "Custody rate per 1,000 aged 10-17 2020 0.10 –"


def test_a_withheld_figure_says_so_and_why_never_zero_or_blank(html: str) -> None:
    fragment = section_html(html, "partner_youth_justice")
    withheld = [r for r in table_rows(fragment, "shape-figures") if "quarter" in r]
    # The figure's cell says "withheld" in words; its note says why.
    assert withheld == [
        "First-time entrants in the quarter Q4 2022/23 (January to March 2023) withheld – "
        f"Withheld: {YJ_WITHHELD_REASON}"
    ]
    # The quarterly table's Q4 cell says "withheld", and its note the reason.
    quarterly = table_rows(fragment, "partner")
    assert quarterly[0].startswith("First-time entrants in the quarter* withheld")
    assert f"Q4 withheld: {YJ_WITHHELD_REASON}" in plain(fragment)
    for row in (*quarterly, *table_rows(fragment, "shape-figures")):
        if "in the quarter" in row:
            assert " 0 " not in f" {row} "


def test_a_profile_is_a_bar_per_category_with_its_figure_and_share(html: str) -> None:
    fragment = section_html(html, "partner_youth_justice")
    assert (
        "Young people receiving youth justice interventions by service, at 30 June 2021 (of 90)"
        in plain(fragment)
    )
    # 74 / 90 = 82.2%, 16 / 90 = 17.8%.
    assert table_rows(fragment, "shape-profile") == [
        "Open to the Youth Offending Team 74 82.2%",
        "Early Help triage 16 17.8%",
    ]
    bars = fragment.count('<svg class="share-bar" aria-hidden="true"')
    assert bars == 2
    # The bar's width is its share of 120 px: 82.2% -> 98.67.
    assert 'width="98.67"' in fragment


def test_a_profile_lists_its_largest_first_and_sums_to_its_total(html: str) -> None:
    # The SAV panel's 12 in Q4 2022/23: 11 aged 18-25 (91.7%), one aged 26 (8.3%).
    rows = table_rows(section_html(html, "partner_exploitation"), "shape-profile")
    assert rows == ["18-25 11 91.7%", "26 and over 1 8.3%"]
    # IRIS: 28 of 50 practices fully trained (56%), 15 partially (30%), 7 not engaged (14%);
    # only the latest snapshot (31 March 2023), not the year before's.
    fragment = section_html(html, "partner_da_services")
    assert "GP practices by training, at 31 March 2023 (of 50)" in plain(fragment)
    assert table_rows(fragment, "shape-profile") == [
        "Fully trained 28 56.0%",
        "Partially trained 15 30.0%",
        "Not engaged 7 14.0%",
    ]


def test_the_not_known_category_comes_last_whatever_its_size(
    shapes_db: Path, tmp_path: Path
) -> None:
    """A made-up split (not a paper's): 85 of 145 not known, 40 aged 25-34, 20 aged 18-24."""
    path = tmp_path / "marts.duckdb"
    path.write_bytes(shapes_db.read_bytes())
    with duckdb.connect(str(path)) as con:
        for category, label, value, not_known in [
            ("not_known", "Not known", 85, True),
            ("age_25_34", "25-34", 40, False),
            ("age_18_24", "18-24", 20, False),
        ]:
            con.execute(
                "insert into kpi_partner_breakdowns (provider, measure, breakdown, category, "
                "category_label, is_not_known, period_start, period_end, period_kind, value, "
                "total, share_pct) values ('prevent', 'age', 'age_band', ?, ?, ?, ?, ?, "
                "'quarter', ?, 145, ?)",
                [category, label, not_known, *Q4, value, 100 * value / 145],
            )
    out = build_pack(path, tmp_path / "pack", BARNET, MAY, GENERATED_AT, _registry(), pdf=False)
    fragment = section_html(out.html_path.read_text(encoding="utf-8"), "partner_prevent")
    start = fragment.index("Age by age band")
    rows = table_rows(fragment[start:], "shape-profile")
    # 40 / 145 = 27.6%, 20 / 145 = 13.8%, 85 / 145 = 58.6%.
    assert rows == ["25-34 40 27.6%", "18-24 20 13.8%", "Not known 85 58.6%"]


def test_comparators_stand_beside_the_boroughs_figure_with_who_publishes_them(
    html: str,
) -> None:
    rows = table_rows(section_html(html, "partner_youth_justice"), "shape-comparators")
    assert rows == [
        "Binary reoffending rate 2019 32% National 37.8% 5.8 points lower than National "
        "Youth Justice Board",
        "Reoffences per reoffender 2019 1.06 National 3.91 2.85 lower than National "
        "Youth Justice Board",
    ]


def test_an_action_plan_counts_every_status_including_none(html: str) -> None:
    fragment = section_html(html, "partner_youth_justice")
    text = plain(fragment)
    assert f"{BRODAP_LABEL}, as at 31 July 2021" in text
    assert (
        "6 items as at 31 July 2021: 3 complete, 3 on target, 0 at risk, 0 off target, "
        "0 not started." in text
    )
    assert table_rows(fragment, "shape-plan-counts") == ["3 3 0 0 0"]
    items = table_rows(fragment, "shape-plan-items")
    assert len(items) == 6
    # By status in the papers' order, then by theme (the tables give no order of their own).
    assert items[0] == "Cohort selection process Reducing Reoffending Delivery Group Complete"
    assert sum(row.endswith("Complete") for row in items) == 3
    assert sum(row.endswith("On target") for row in items) == 3


def test_a_target_on_a_baseline_reads_in_words_in_the_quarterly_table(html: str) -> None:
    fragment = section_html(html, "partner_victim_care_hub")
    row = table_rows(fragment, "partner")[0]
    assert row.startswith("Victim satisfaction (North West BCU) 65.0% n/a 74-79% (baseline 64%)")
    # The rating's words name the same target: 65% missed the range's lower end, 74%.
    assert "Missed the quarter's target: 65.0% against 74-79% (baseline 64%)" in row
    # Restorative Justice: 25% of victims offered, from a baseline under 10%; no figure yet.
    rj = table_rows(section_html(html, "partner_restorative_justice"), "shape-figures")
    assert rj == [
        "Victims offered Restorative Justice Q4 2022/23 (January to March 2023) n/a "
        "25% (baseline 10%) baseline under 10%"
    ]


def test_a_provider_not_set_up_is_one_line(html: str) -> None:
    text = plain(section_html(html, "partner_one_stop_shop"))
    assert text.endswith("No figures for Barnet: no data yet (no return has landed).")
    assert "<table" not in section_html(html, "partner_one_stop_shop")


def test_other_periods_and_twelve_months_are_labelled(html: str) -> None:
    prevent = table_rows(section_html(html, "partner_prevent"), "shape-figures")
    assert prevent == [
        "Referrals that met the Channel threshold 2020/21 19 –",
        "Channel panel meetings 2020/21 13 –",
    ]
    police = table_rows(section_html(html, "partner_police_da_pursue"), "shape-figures")
    assert police == [
        "Domestic Violence Protection Notices 12 months to March 2023 26 –",
        "Domestic Violence Protection Orders 12 months to March 2023 22 –",
    ]
    iris = table_rows(section_html(html, "partner_da_services"), "shape-figures")
    assert [r.split(" (IRIS) ")[1] for r in iris] == [
        "12 months to January 2018 4 –",
        "12 months to January 2019 53 –",
        "2019 92 –",
        "2020 79 –",
        "2021 133 –",
        "2022 113 –",
    ]
    # Jan-Mar 2023's 38 is the quarterly table's Q4, not repeated below it.
    assert table_rows(section_html(html, "partner_da_services"), "partner")[0].startswith(
        "Referrals to Solace from GPs (IRIS) 38 38"
    )


def test_a_quarterly_figure_is_in_the_quarterly_table_only(html: str) -> None:
    # The SAV panel's Q4 2022/23 count is the quarterly table's, not repeated below it.
    fragment = section_html(html, "partner_exploitation")
    assert table_rows(fragment, "partner")[0].startswith(
        "Adults discussed at the Serious Adult Violence panel 12 n/a"
    )
    assert not [r for r in table_rows(fragment, "shape-figures") if "Serious Adult" in r]


def test_an_existing_providers_section_gains_its_profile_and_earlier_year(html: str) -> None:
    fragment = section_html(html, "partner_marac")
    # Its quarters as before, then 2019/20 and the Q4 profile below them.
    assert "Number of MARAC referrals 87 123 122 145 477" in plain(fragment)
    assert table_rows(fragment, "shape-figures") == [
        "Number of MARAC referrals 2019/20 363 –",
        "Number of children in the household 2019/20 238 –",
        "Number of families 2019/20 154 –",
    ]
    assert "Number of MARAC referrals by gender, Q4 2022/23 (January to March 2023) (of 145)" in (
        plain(fragment)
    )
    assert table_rows(fragment, "shape-profile") == ["Female 127 87.6%", "Male 18 12.4%"]
    # The section's period is still its quarter's, not 2019/20's.
    assert "Figures for January to March 2023." in plain(fragment)


def test_page_one_counts_only_the_quarterly_ratings(pack: PackOutput, html: str) -> None:
    """The shape rows carry no rating: page one's partnership red rows are the quarterly
    table's (the MARAC's repeat rate, the Victim Care Hub's satisfaction)."""
    page_one = section_html(html, "page_one") if '<section id="page_one"' in html else html
    text = plain(page_one)
    assert "Victim satisfaction (North West BCU)" in text
    assert "Young people receiving youth justice interventions" not in text


# --- The workbook -----------------------------------------------------------------------------


def test_each_shape_is_in_the_providers_sheet_as_numbers(workbook: openpyxl.Workbook) -> None:
    # Excel refuses a colon in a sheet's name.
    ws = workbook["Family Services youth justice"]
    header = [c.value for c in ws[1]]
    rows = [{h: c.value for h, c in zip(header, row, strict=True)} for row in data_rows(ws)]
    kinds = [r["Figure kind"] for r in rows]
    assert kinds.count("Figure") == 9
    assert kinds.count("Profile") == 2
    assert kinds.count("Comparator") == 2
    assert kinds.count("Action plan items by status") == 5
    assert kinds.count("Action plan item") == 6
    snapshot = next(r for r in rows if r["Figure kind"] == "Figure" and r["Figure"] == 90)
    assert snapshot["Period"] == "at 30 June 2021"
    withheld = next(r for r in rows if r["Status"] == "Withheld")
    assert withheld["Figure"] is None
    assert withheld["Figure in words"] == "withheld"
    assert withheld["Note"] == f"Withheld: {YJ_WITHHELD_REASON}"
    yot = next(r for r in rows if r["Category, item or status"] == "Open to the Youth Offending "
               "Team")  # fmt: skip
    assert (yot["Figure"], yot["Of"]) == (74, 90)
    assert yot["Share"] == pytest.approx(74 / 90)
    reoffending = next(r for r in rows if r["Figure kind"] == "Comparator"
                       and r["Measure"] == "Binary reoffending rate")  # fmt: skip
    assert (reoffending["Figure"], reoffending["Borough's figure"]) == (37.8, 32)
    assert reoffending["Difference"] == pytest.approx(-5.8)
    assert reoffending["Published by"] == "Youth Justice Board"
    counts = {r["Category, item or status"]: r["Figure"] for r in rows
              if r["Figure kind"] == "Action plan items by status"}  # fmt: skip
    assert counts == {"Complete": 3, "On target": 3, "At risk": 0, "Off target": 0,
                      "Not started": 0}  # fmt: skip


def test_the_share_is_a_percentage_in_the_workbook(workbook: openpyxl.Workbook) -> None:
    ws = workbook[sheet_name("Exploitation and serious violence")]
    header = [c.value for c in ws[1]]
    column = header.index("Share")
    shares = [row[column] for row in data_rows(ws) if row[column].value is not None]
    assert [round(c.value, 4) for c in shares] == [round(11 / 12, 4), round(1 / 12, 4)]
    assert {c.number_format for c in shares} == {"0.0%"}


# --- Accessibility ----------------------------------------------------------------------------


def test_the_new_blocks_keep_the_packs_structure(pack: PackOutput) -> None:
    """Headings never skip a level (each block an h3 under its section's h2), every table has
    a name and every header a scope, and no key or table name reaches the reader."""
    page = structure(pack.html_path)
    skips = [
        (before, after)
        for before, after in zip(page.headings, page.headings[1:], strict=False)
        if after > before + 1
    ]
    assert skips == []
    assert page.headings.count(3) >= 10
    for index, table in enumerate(page.tables):
        assert table["caption"] or table["label"], f"table {index} has no caption or name"
        assert set(table["th"]) <= {"col", "row", "colgroup", "rowgroup"}, (index, table["th"])
    assert identifiers(page.text) == []


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_axe_finds_no_serious_or_critical_violation_in_the_new_blocks(
    pack: PackOutput, viewport: str
) -> None:
    found = blocking(axe_violations(pack.html_path, *VIEWPORTS[viewport]))
    assert found == [], "\n".join(found)


def test_a_section_reads_only_its_providers_rows_of_a_table_every_provider_shares(
    shapes_db: Path, tmp_path: Path
) -> None:
    """The quarterly table published once for every provider (a `provider` column), read
    with the section's own condition, beside the shapes."""
    path = tmp_path / "marts.duckdb"
    path.write_bytes(shapes_db.read_bytes())
    with duckdb.connect(str(path)) as con:
        con.execute("create table rpt_partner_all as select * from rpt_partner_measures")
        tables = {
            name for (name,) in con.execute("select table_name from duckdb_tables()").fetchall()
        }
        section = replace(
            _sections()[0], table="rpt_partner_all", where=("provider = 'youth_justice'",)
        )
        sql = section.query_for(tables)
        rows = con.execute(sql, {"month": MAY} if "$month" in sql else {}).fetchall()
        columns = [d[0] for d in con.description]
    found = [dict(zip(columns, row, strict=True)) for row in rows]
    assert {row["provider"] for row in found} == {"youth_justice"}
    # The one quarterly row (Q4 withheld), then the figures, profile, comparators and plan.
    shapes = [row["shape"] for row in found]
    assert shapes.count("quarterly") == 1
    assert shapes[0] == "quarterly"
    assert shapes.count("figure") == 9
    assert shapes.count("breakdown") == 2
    assert shapes.count("comparator") == 2
    assert shapes.count("plan_item") == 6
    assert shapes.count("plan_status") == 5
