"""Page one against the sections below it, read from the rendered HTML.

Page one is built from the sections' own rows; these tests read the page as the board does and
count, in the sections below, every row whose RAG cell is red, every month the exceptions table
marks unusually high or low, and every section whose header says it is out of date, and compare
each both ways with page one's items: nothing below is missing from page one, and nothing on
page one is missing below. The pack is rendered from the hand-built warehouse of
`test_pack_render.py`; `test_pack_e2e.py` runs the same comparison on the real refreshed pack.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from orchestration.lib.periods import Grain
from orchestration.publish.pack import PackOutput
from orchestration.sections.age import Age, due_month
from tests.test_pack_render import (
    BARNET_MAY,
    DOMESTIC_ABUSE,
    KNIFE_GUN,
    _build,
    _write_published_db,
)

RATINGS = ("red", "amber", "green")


@dataclass
class Reading:
    """What the page shows, below page one and on it."""

    section_ids: list[str] = field(default_factory=list)
    # (section, measure, rating) of every RAG cell in a table row below page one.
    rag_cells: list[tuple[str, str, str]] = field(default_factory=list)
    # (measure, month, flag) of every month the exceptions table marks high or low.
    exceptions: list[tuple[str, str, str]] = field(default_factory=list)
    # Sections whose header line is marked out of date, and the contents entries so marked.
    out_of_date: list[str] = field(default_factory=list)
    contents_out_of_date: list[str] = field(default_factory=list)
    # Page one: its items by list, (section, measure[, month, flag]); its theme table.
    red_items: list[tuple[str, str]] = field(default_factory=list)
    exception_items: list[tuple[str, str, str]] = field(default_factory=list)
    attention: list[tuple[str, str]] = field(default_factory=list)
    themes: dict[str, dict[str, int]] = field(default_factory=dict)
    theme_sections: dict[str, list[str]] = field(default_factory=dict)
    page_one_links: list[str] = field(default_factory=list)


class PackReader(HTMLParser):
    """Reads the few things the comparison needs, by element and class, as a person would."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = Reading()
        self.section = ""
        self.in_nav = False
        self.nav_href = ""
        self.measure = ""  # the enclosing row's (or row group's) data-measure
        self.in_rag_cell = False
        self.month = ""
        self.capture: str | None = None  # what the text being read is for
        self.text = ""
        self.list = ""
        self.theme = ""
        self.rating = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = set(a.get("class", "").split())
        if tag == "section":
            self.section = a.get("id", "")
            self.out.section_ids.append(self.section)
        elif tag == "nav":
            self.in_nav = True
        elif tag == "a" and self.in_nav:
            self.nav_href = a.get("href", "").lstrip("#")
        elif tag == "strong" and self.in_nav and "out-of-date-mark" in classes:
            self.out.contents_out_of_date.append(self.nav_href)
        elif tag == "p" and "section-period" in classes and "out-of-date" in classes:
            self.out.out_of_date.append(self.section)
        if self.section == "page_one":
            self._page_one(tag, a, classes)
            return
        if tag in ("tr", "tbody") and "data-measure" in a:
            self.measure = a["data-measure"]
        elif tag == "tr":
            self.measure = self.measure if self.section == "exceptions" else ""
        if tag == "td" and "col-rag" in classes:
            self.in_rag_cell = True
        elif tag == "span" and self.in_rag_cell and "rag" in classes:
            rating = next(c[4:] for c in classes if c.startswith("rag-"))
            self.out.rag_cells.append((self.section, self.measure, rating))
        elif tag == "td" and "col-month" in classes and self.section == "exceptions":
            self.capture, self.text = "month", ""
        elif tag == "td" and self.section == "exceptions" and "exc-word" in classes:
            flag = next(c[4:] for c in classes if c.startswith("exc-") and c != "exc-word")
            if flag in ("high", "low"):
                self.out.exceptions.append((self.measure, self.month, flag))

    def _page_one(self, tag: str, a: dict[str, str], classes: set[str]) -> None:
        if tag == "ul":
            self.list = next(
                (c for c in classes if c.startswith("page-one-") and c != "page-one-items"), ""
            )
        elif tag == "li" and self.list == "page-one-red":
            self.out.red_items.append((a["data-section"], a["data-measure"]))
        elif tag == "li" and self.list == "page-one-exceptions":
            self.out.exception_items.append((a["data-measure"], a["data-month"], a["data-flag"]))
        elif tag == "li" and self.list == "page-one-attention":
            self.out.attention.append((a["data-section"], a["data-kind"]))
        elif tag == "tr" and "data-theme" in a:
            self.theme = a["data-theme"]
            self.out.themes[self.theme] = {}
            self.out.theme_sections[self.theme] = []
        elif tag == "td" and self.theme and "data-rating" in a:
            self.capture, self.text, self.rating = "rating", "", a["data-rating"]
        if tag == "a":
            self.out.page_one_links.append(a.get("href", "").lstrip("#"))
            if self.theme:
                self.out.theme_sections[self.theme].append(a.get("href", "").lstrip("#"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self.in_nav = False
        elif tag == "td":
            self.in_rag_cell = False
            if self.capture == "month":
                self.month = " ".join(self.text.split())
            elif self.capture == "rating":
                self.out.themes[self.theme][self.rating] = int(self.text.strip())
            self.capture = None
        elif tag == "tr":
            self.theme = "" if self.section == "page_one" else self.theme
        elif tag == "ul":
            self.list = ""
        elif tag == "section":
            self.section = ""

    def handle_data(self, data: str) -> None:
        if self.capture:
            self.text += data


def read_pack(html: str) -> Reading:
    reader = PackReader()
    reader.feed(html)
    reader.close()
    return reader.out


def assert_page_one_matches_the_sections_below(html: str) -> Reading:
    """Every red row, unusual month and out-of-date section below is on page one, and every
    item of page one is below; the theme counts are the RAG cells of the theme's sections."""
    page = read_pack(html)
    assert page.section_ids[0] == "page_one", page.section_ids[:3]
    below_red = Counter((s, m) for s, m, rating in page.rag_cells if rating == "red")
    assert Counter(page.red_items) == below_red
    assert Counter(page.exception_items) == Counter(page.exceptions)
    on_page_one = sorted(s for s, kind in page.attention if kind == "out of date")
    assert on_page_one == sorted(page.out_of_date)
    assert sorted(page.contents_out_of_date) == sorted(page.out_of_date)
    # Each theme's counts are the RAG cells of the sections it links to, and every section
    # with a RAG cell below is under one theme.
    cells = Counter((s, rating) for s, _, rating in page.rag_cells)
    for theme, counts in page.themes.items():
        for rating in RATINGS:
            below = sum(cells[(s, rating)] for s in page.theme_sections[theme])
            assert counts[rating] == below, (theme, rating)
    themed = {s for sections in page.theme_sections.values() for s in sections}
    assert {s for s, _, _ in page.rag_cells} <= themed
    # Every item links to a section of the pack.
    assert set(page.page_one_links) <= set(page.section_ids)
    return page


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> PackOutput:
    db = tmp_path_factory.mktemp("published") / "marts.duckdb"
    _write_published_db(db)
    return _build(db, tmp_path_factory.mktemp("packs"))


@pytest.fixture(scope="module")
def page(pack: PackOutput) -> Reading:
    return assert_page_one_matches_the_sections_below(pack.html_path.read_text(encoding="utf-8"))


def test_page_one_is_the_first_section_and_holds_what_the_sections_below_show(
    page: Reading,
) -> None:
    # The hand-built warehouse (test_pack_render.py) rates violence with injury red in the
    # overview, lethal barrel discharges in knife and gun crime, domestic abuse violence with
    # injury, the MARAC's repeat referral rate and the ASB line: five red rows, none of them
    # the peer comparison's (its rows carry every borough's RAG, which it does not show).
    assert sorted(page.red_items) == [
        ("asb_calls", ""),
        ("domestic_abuse", "domestic_abuse_vwi"),
        ("knife_gun", "lethal_barrel_discharge"),
        ("overview", "violence_with_injury"),
        ("partner_marac", "repeat_rate"),
    ]
    # The overview's flags for March, April and May 2021, high or low, as the warehouse holds
    # them: burglary low in May; residential burglary high in April, low in May; violence with
    # injury high in March and April.
    months = ("Mar-21", "Apr-21", "May-21")
    assert sorted(page.exception_items) == sorted(
        (e.measure, month, flag)
        for e in BARNET_MAY
        for month, flag in zip(months, e.flags, strict=True)
        if flag in ("high", "low")
    )
    assert len(page.exception_items) == 5
    # The ratings by theme: the overview's five measures, then knife and gun crime and domestic
    # abuse's four rows.
    assert page.themes["Recorded crime"] == {
        **{rating: sum(e.rag == rating for e in BARNET_MAY) for rating in RATINGS},
        "unrated": 0,
    }
    dashboard = [row[5] for row in KNIFE_GUN] + [row[7] for row in DOMESTIC_ABUSE]
    assert page.themes["Knife crime, domestic abuse and hate crime"] == {
        "red": dashboard.count("red"),
        "amber": dashboard.count("amber"),
        "green": dashboard.count("green"),
        "unrated": 0,
    }
    assert page.page_one_links


def test_an_out_of_date_section_is_marked_in_its_header_the_contents_and_page_one(
    page: Reading,
) -> None:
    # The DA incidents feed of the hand-built warehouse ends in March 2021: for a May 2021
    # pack a monthly source is due to reach April, so it is out of date, two months older.
    assert page.out_of_date == ["da_incidents"]
    assert ("da_incidents", "out of date") in page.attention
    # The providers the warehouse holds no return for are listed as without figures.
    assert ("partner_solace", "withheld") in page.attention
    assert ("partner_marac", "withheld") not in page.attention


def test_a_section_older_than_the_pack_says_by_how_many_months_and_why(pack: PackOutput) -> None:
    html = pack.html_path.read_text(encoding="utf-8")
    start = html.index('<section id="da_incidents"')
    fragment = html[start : html.index("</section>", start)]
    assert "Figures to March 2021." in fragment
    assert '<span class="age-badge">2 months older than this pack</span>' in fragment
    assert "due to reach April 2021" in fragment
    # A section whose figures reach the pack's month carries its period and no badge.
    start = html.index('<section id="overview"')
    fragment = html[start : html.index("</section>", start)]
    assert "Figures to May 2021." in fragment
    assert "age-badge" not in fragment


@pytest.mark.parametrize(
    ("grain", "pack_month", "due"),
    [
        # Monthly: the month before the pack's.
        (Grain.MONTH, dt.date(2024, 1, 1), dt.date(2023, 12, 1)),
        (Grain.MONTH, dt.date(2023, 3, 1), dt.date(2023, 2, 1)),
        # Quarterly: the last calendar quarter ended by the pack's month.
        (Grain.QUARTER, dt.date(2023, 3, 1), dt.date(2023, 3, 1)),
        (Grain.QUARTER, dt.date(2024, 1, 1), dt.date(2023, 12, 1)),
        (Grain.QUARTER, dt.date(2023, 8, 1), dt.date(2023, 6, 1)),
    ],
)
def test_a_sources_cycle_says_which_month_it_should_reach(
    grain: Grain, pack_month: dt.date, due: dt.date
) -> None:
    assert due_month(grain, pack_month) == due


def test_the_january_2024_sample_pack_ages_as_a_board_member_counts_them() -> None:
    pack = dt.date(2024, 1, 1)
    # Public confidence to June 2022: 19 months older, due to reach December 2023.
    pas = Age(dt.date(2022, 6, 1), pack, Grain.QUARTER)
    assert (pas.badge, pas.is_out_of_date) == ("19 months older than this pack", True)
    # Domestic abuse incidents to February 2023, monthly: out of date.
    assert Age(dt.date(2023, 2, 1), pack, Grain.MONTH).is_out_of_date
    # Crime to December 2023 on a January pack is one month older and on its cycle.
    crime = Age(dt.date(2023, 12, 1), pack, Grain.MONTH)
    assert (crime.badge, crime.is_out_of_date) == ("1 month older than this pack", False)
    # A partner return for October to December 2023 is on its cycle in January 2024.
    assert not Age(dt.date(2023, 12, 1), pack, Grain.QUARTER).is_out_of_date


def test_the_reader_finds_a_red_row_that_page_one_leaves_out() -> None:
    """The comparison can fail: a red row below with no item on page one is caught."""
    html = (
        '<nav></nav><section id="page_one"><ul class="page-one-items page-one-red"></ul>'
        '</section><section id="overview"><table><tbody><tr data-measure="burglary">'
        '<td class="col-rag"><span class="rag rag-red">R</span></td></tr></tbody></table>'
        "</section>"
    )
    with pytest.raises(AssertionError):
        assert_page_one_matches_the_sections_below(html)
