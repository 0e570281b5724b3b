"""End to end: the board pack the session's run wrote for Barnet, May 2021, read back.

`test_pack_render.py` tests the renderer on a hand-built published file; these tests take the
pack the `published/board_pack` asset wrote in the session's `refresh` run from the real sample
files and check it against the published marts it was rendered from (tables read by their plain
names, as analysts read them): every figure on page one, the glossary, the sources and footer,
that nothing is fetched from outside the file, the workbook's numbers, and how it looks in
Chromium. Expected text is worked out here from the marts (rounding with `decimal`) and from the
raw files (their SHA-256 with `hashlib`), not with the renderer's own formatting helpers.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pypdf
import pytest

from orchestration.lib.boroughs import Borough
from orchestration.lib.duck import published
from orchestration.publish.pack import build_pack
from tests.conftest import REPORTING_MONTH, SAMPLE_RAW, PipelineRun
from tests.support.reference import MEASURES
from tests.test_pack_render import OVERFLOWING, PUBLISHED_TABLES, data_rows, sheet_notes

# Barnet's 2022 wards in the ONS list the project carries as a seed, read with the csv module.
with (Path(__file__).parents[1] / "dbt_project" / "seeds" / "wards_2022.csv").open() as _seed:
    BARNET_WARDS = sum(row["borough_code"] == "E09000003" for row in csv.DictReader(_seed))

# On the worker that runs the session's refresh (tests/conftest.py), with every test that reads it.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("session")]

BOROUGH = "Barnet"
BARNET = Borough("E09000003", BOROUGH)
MONTH = dt.date(2021, 5, 1)
CRIME = "met_recorded_crime"
# The recorded crime files in raw/ and the release each is, read off its name (the last month
# it covers): 24-month files from August 2021 and January 2024, a historical one to January 2022.
CRIME_FILES = {
    "MPS_Borough_Level_Crime_most_recent_24_months_201909-202108.csv": "2021-08",
    "MPS_Borough_Level_Crime_Historical_201004-202201.csv": "2022-01",
    "MPS_Borough_Level_Crime_most_recent_24_months_202202-202401.csv": "2024-01",
}
# The sections that show Met recorded crime, and their workbook sheets.
CRIME_SECTIONS = ["overview", "exceptions", "trend", "rates"]
CRIME_SHEETS = ["Overview", "Exceptions", "Monthly trend", "Rates"]
PACK_STEM = f"board_pack_barnet_{REPORTING_MONTH}"
# M-2, M-1, M as the July 2021 pack heads its exception columns.
EXCEPTION_MONTHS = [
    (dt.date(2021, 3, 1), "Mar-21"),
    (dt.date(2021, 4, 1), "Apr-21"),
    (dt.date(2021, 5, 1), "May-21"),
]
SYMBOLS = {"normal": "\u25cf", "high": "\u25b2", "low": "\u25bc"}  # ● ▲ ▼
OGL = "Contains public sector information licensed under the Open Government Licence v3.0."
GENERATED_AT = dt.datetime(2021, 7, 23, 9, 0, tzinfo=dt.UTC)

# HTML elements that never have an end tag, so the tree builder must not wait for one.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


# --- Expected text, worked out independently ---------------------------------------------------


def whole_percent_change(current: int, previous: int) -> str:
    """(current - previous) / previous as a whole percent, halves away from zero ("-15%").

    Worked from the two counts in exact decimal arithmetic, so an exact half such as
    -14.5 % cannot arrive as -14.4999... the way a double might.
    """
    if previous == 0:
        return "n/a"
    with localcontext() as ctx:
        ctx.prec = 50
        exact = (Decimal(current) - Decimal(previous)) * 100 / Decimal(previous)
        # ROUND_HALF_UP is away from zero for either sign in decimal.
        whole = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return f"{whole}%"


def thousands(value: int) -> str:
    return f"{value:,}"


# --- The published marts -----------------------------------------------------------------------


@dataclass(frozen=True)
class Marts:
    """What the pack was rendered from, read straight from the published DuckDB file."""

    overview: dict[str, dict[str, Any]]
    flags: dict[str, dict[dt.date, str]]
    labels: dict[str, str]
    glossary: list[tuple[str, str]]
    files: list[dict[str, Any]]
    publication: dict[str, dict[str, Any]]


def _records(con: Any, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def marts(pipeline: PipelineRun) -> Marts:
    with published(pipeline.published_db) as con:
        overview = _records(
            con,
            "select * from kpi_crime_overview where borough_name = ? and reporting_month = ?",
            [BOROUGH, MONTH],
        )
        exceptions = _records(
            con,
            "select measure, month, flag from kpi_crime_exceptions "
            "where borough_name = ? and reporting_month = ?",
            [BOROUGH, MONTH],
        )
        labels = _records(con, "select measure, measure_label from dim_kpi_measure")
        glossary = con.execute(
            "select term, definition from kpi_glossary order by sort_order, term"
        ).fetchall()
        files = _records(con, "select * from meta_source_files where source = ?", [CRIME])
        publication = _records(con, "select * from meta_publication")
    flags: dict[str, dict[dt.date, str]] = {}
    for row in exceptions:
        flags.setdefault(row["measure"], {})[row["month"]] = row["flag"]
    return Marts(
        overview={row["measure"]: row for row in overview},
        flags=flags,
        labels={row["measure"]: row["measure_label"] for row in labels},
        glossary=[(term, definition) for term, definition in glossary],
        files=files,
        publication={row["source"]: row for row in publication},
    )


# --- The pack on disk --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pack_dir(pipeline: PipelineRun) -> Path:
    return pipeline.warehouse_dir / "published" / "packs" / REPORTING_MONTH


@pytest.fixture(scope="module")
def html_path(pack_dir: Path) -> Path:
    return pack_dir / f"{PACK_STEM}.html"


@pytest.fixture(scope="module")
def xlsx_path(pack_dir: Path) -> Path:
    return pack_dir / f"{PACK_STEM}.xlsx"


@pytest.fixture(scope="module")
def html(html_path: Path) -> str:
    return html_path.read_text(encoding="utf-8")


# --- A small DOM, enough to find the pack's parts by id and class -----------------------------


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def iter(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag: str, cls: str | None = None, **attrs: str) -> list[Element]:
        return [
            el
            for el in self.iter()
            if el.tag == tag
            and (cls is None or cls in el.classes)
            and all(el.attrs.get(k) == v for k, v in attrs.items())
        ]

    def find(self, tag: str, cls: str | None = None, **attrs: str) -> Element:
        found = self.find_all(tag, cls, **attrs)
        assert len(found) == 1, f"expected one <{tag} class={cls} {attrs}>, found {len(found)}"
        return found[0]

    def text(self, skip: Callable[[Element], bool] = lambda el: False) -> str:
        """The element's text with whitespace collapsed, leaving out subtrees `skip` picks."""
        parts: list[str] = []

        def walk(el: Element) -> None:
            for child in el.children:
                if isinstance(child, str):
                    parts.append(child)
                elif not skip(child):
                    walk(child)

        walk(self)
        return " ".join("".join(parts).split())


def visually_hidden(el: Element) -> bool:
    return "visually-hidden" in el.classes


def screen_reader_text(el: Element) -> str:
    return " ".join(span.text() for span in el.iter() if visually_hidden(span))


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]
        self.attributes: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.attributes.extend((tag, name, value or "") for name, value in attrs)
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


@dataclass(frozen=True)
class Page:
    root: Element
    attributes: list[tuple[str, str, str]]


@pytest.fixture(scope="module")
def page(html: str) -> Page:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    return Page(builder.root, builder.attributes)


@pytest.fixture(scope="module")
def overview_table(page: Page) -> Element:
    return page.root.find("section", id="overview").find("table", "overview")


def overview_rows(table: Element) -> dict[str, list[Element]]:
    body = table.find("tbody")
    return {
        tr.attrs["data-measure"]: [c for c in tr.children if isinstance(c, Element)]
        for tr in body.find_all("tr")
    }


# --- 1. The files ------------------------------------------------------------------------------


def test_the_pack_directory_holds_exactly_the_html_the_pdf_and_the_workbook(pack_dir: Path) -> None:
    entries = sorted(p.name for p in pack_dir.iterdir())
    assert entries == [f"{PACK_STEM}.html", f"{PACK_STEM}.pdf", f"{PACK_STEM}.xlsx"]
    for name in entries:
        assert (pack_dir / name).is_file()
        assert (pack_dir / name).stat().st_size > 0, name
    # Nothing half-written anywhere under packs/ (the writer's temp files are .<name>.*.tmp).
    leftovers = [
        p for p in pack_dir.parent.rglob("*") if p.name.startswith(".") or p.name.endswith(".tmp")
    ]
    assert leftovers == []


# --- 2. Page one against the marts -------------------------------------------------------------


def test_page_one_names_the_borough_and_the_month(page: Page, overview_table: Element) -> None:
    masthead = page.root.find("header", "masthead")
    assert masthead.find("p", "borough").text() == BOROUGH
    assert masthead.find("p", "period").text() == "Crime figures to May 2021"
    title = page.root.find("head").find("title").text()
    assert BOROUGH in title and "May 2021" in title
    groups = overview_table.find("tr", "groups").text()
    assert "Recent 12 months (to May 2021)" in groups


def test_overview_columns_are_headed_as_in_the_july_2021_pack(overview_table: Element) -> None:
    thead = overview_table.find("thead")
    second_row = [r for r in thead.find_all("tr") if "groups" not in r.classes]
    assert len(second_row) == 1
    headers = [th.text() for th in second_row[0].find_all("th")]
    assert headers == [
        "Volume (Jan21 - May21)",
        "Change vs. previous yr.",
        "Volume",
        "Change vs. previous yr.",
        "London rank (per population)*",
        *[label for _, label in EXCEPTION_MONTHS],
    ]


def test_overview_has_one_row_per_measure_in_the_marts(
    overview_table: Element, marts: Marts
) -> None:
    rows = overview_rows(overview_table)
    assert set(marts.overview) == set(MEASURES)
    assert sorted(rows) == sorted(MEASURES)


@pytest.mark.parametrize("measure", MEASURES)
def test_every_overview_figure_equals_the_published_mart(
    overview_table: Element, marts: Marts, measure: str
) -> None:
    mart = marts.overview[measure]
    cells = overview_rows(overview_table)[measure]
    assert len(cells) == 11, [c.text() for c in cells]
    label, rag, _factors, *figures = cells
    shown = [cell.text(skip=visually_hidden) for cell in figures]

    assert label.text() == marts.labels[measure]
    assert mart["london_rank_of"] == 32
    expected_symbols = [SYMBOLS[marts.flags[measure][month]] for month, _ in EXCEPTION_MONTHS]
    assert shown == [
        thousands(mart["ytd_volume"]),
        whole_percent_change(mart["ytd_volume"], mart["ytd_volume_prev"]),
        thousands(mart["r12_volume"]),
        whole_percent_change(mart["r12_volume"], mart["r12_volume_prev"]),
        f"{mart['london_rank']}/{mart['london_rank_of']}",
        *expected_symbols,
    ]
    # The printed change is the mart's change; it is re-derived above from the exact counts.
    for period in ("ytd", "r12"):
        previous = mart[f"{period}_volume_prev"]
        if previous == 0:
            assert mart[f"{period}_change_pct"] is None
            continue
        exact = (mart[f"{period}_volume"] - previous) * 100 / previous
        assert mart[f"{period}_change_pct"] == pytest.approx(exact, abs=1e-9)

    rag_word = mart["rag"].capitalize()
    assert rag.find("span", "rag").classes >= {"rag", f"rag-{mart['rag']}"}
    assert screen_reader_text(rag) == rag_word
    assert rag.text(skip=visually_hidden) == rag_word[0]

    exception_cells = figures[5:]
    assert [c.attrs["data-label"] for c in exception_cells] == [m for _, m in EXCEPTION_MONTHS]
    assert [c.classes for c in exception_cells] == [
        {"exc", f"exc-{marts.flags[measure][month]}"} for month, _ in EXCEPTION_MONTHS
    ]


# --- 3. Glossary and footer --------------------------------------------------------------------


def test_glossary_shows_every_term_and_definition_of_the_glossary_mart(
    page: Page, marts: Marts
) -> None:
    glossary = page.root.find("section", id="glossary").find("dl", "glossary")
    shown = list(
        zip(
            [dt_.text() for dt_ in glossary.find_all("dt")],
            [dd.text() for dd in glossary.find_all("dd")],
            strict=True,
        )
    )
    assert len(marts.glossary) >= 5
    assert shown == [(term, " ".join(definition.split())) for term, definition in marts.glossary]


def test_the_sources_list_every_recorded_crime_release_with_its_files_sha256(
    page: Page, marts: Marts
) -> None:
    folder = SAMPLE_RAW / "met" / "recorded_crime"
    assert sorted(p.name for p in folder.glob("*.csv")) == sorted(CRIME_FILES)
    digests = {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in CRIME_FILES
    }
    title = marts.publication[CRIME]["title"]
    sources = page.root.find("section", id="sources").find("ul", "sources")
    items = [li.text() for li in sources.find_all("li")]
    for name, release in CRIME_FILES.items():
        shown = [item for item in items if f"File {name}," in item]
        assert len(shown) == 1, (name, items)
        assert shown[0].startswith(f"{title}, release {release} ("), shown[0]
        assert f"SHA-256 {digests[name][:12]}…" in shown[0], shown[0]
    # The newer release first.
    crime_items = [item for item in items if item.startswith(f"{title}, ")]
    releases = [re.search(r", release (\S+) \(", item).group(1) for item in crime_items]
    assert releases == ["2024-01", "2022-01", "2021-08"]
    # The published table holds each file's whole hash.
    assert {f["file"]: (f["release"], f["sha256"]) for f in marts.files} == {
        name: (release, digests[name]) for name, release in CRIME_FILES.items()
    }


def test_footer_carries_the_ogl_attribution_once(page: Page) -> None:
    footer = page.root.find("footer", "pack-footer").text()
    assert OGL in footer
    # In the footer, and only once in the page.
    assert page.root.text().count(OGL) == 1


def test_each_crime_section_and_sheet_names_the_release_it_shows(
    page: Page, marts: Marts, xlsx_path: Path
) -> None:
    crime = marts.publication[CRIME]
    assert (crime["release"], crime["is_stale"]) == ("2024-01", False)
    expected = f"Source: {crime['title']}, release 2024-01."
    for key in CRIME_SECTIONS:
        notes = page.root.find("section", id=key).find_all("p", "provenance")
        assert [n.text() for n in notes] == [expected], key
        assert "stale" not in notes[0].classes, key
    workbook = openpyxl.load_workbook(xlsx_path)
    try:
        for name in CRIME_SHEETS:
            assert sheet_notes(workbook[name]) == [expected], name
    finally:
        workbook.close()


def test_a_pack_of_the_latest_releases_has_no_as_of_line(page: Page, marts: Marts) -> None:
    assert all(row["as_of"] is None for row in marts.publication.values())
    assert page.root.find_all("p", "as-of") == []


def test_the_render_tests_hand_built_file_has_the_real_published_layout(
    pipeline: PipelineRun,
) -> None:
    with published(pipeline.published_db) as con:
        for table, columns in PUBLISHED_TABLES.items():
            real = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'main' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            assert tuple(real) == columns, table


# --- 4. Self-contained -------------------------------------------------------------------------


def test_no_src_or_href_points_outside_the_file(page: Page) -> None:
    links = [
        (tag, name, value)
        for tag, name, value in page.attributes
        if name in ("src", "href", "srcset") or name.endswith(":href")
    ]
    assert links, "the contents links at least should have been found"
    outside = [link for link in links if not link[2].startswith(("data:", "#"))]
    assert outside == []


def test_no_style_loads_a_url_from_the_web(html: str) -> None:
    urls = re.findall(r"url\(\s*(.*?)\s*\)", html, flags=re.IGNORECASE | re.DOTALL)
    assert urls, "the inline charts reference their clip paths with url(#...)"
    assert [u for u in urls if re.search(r"https?://", u, flags=re.IGNORECASE)] == []
    assert "@import" not in html


# --- 5. The workbook ---------------------------------------------------------------------------


def test_workbook_overview_holds_the_marts_figures_as_numbers(
    xlsx_path: Path, marts: Marts
) -> None:
    workbook = openpyxl.load_workbook(xlsx_path)
    try:
        ws = workbook["Overview"]
        assert ws.freeze_panes == "A2"
        header = [cell.value for cell in ws[1]]
        column = {name: index for index, name in enumerate(header)}
        numbers = {
            "Volume (Jan21 - May21)": ("ytd_volume", 1),
            "Volume a year before": ("ytd_volume_prev", 1),
            "YTD change vs. previous yr.": ("ytd_change_pct", 100),
            "Recent 12 months (to May 2021)": ("r12_volume", 1),
            "Previous 12 months": ("r12_volume_prev", 1),
            "R12 change vs. previous yr.": ("r12_change_pct", 100),
            "Rate per 1,000": ("rate_per_1000", 1),
            "London rank": ("london_rank", 1),
            "Ranked of": ("london_rank_of", 1),
        }
        assert set(numbers) <= set(column), header
        by_label = {label: measure for measure, label in marts.labels.items()}
        rows = data_rows(ws)
        assert sorted(by_label[row[column["Measure"]].value] for row in rows) == sorted(MEASURES)
        for row in rows:
            mart = marts.overview[by_label[row[column["Measure"]].value]]
            for name, (field_name, divisor) in numbers.items():
                cell = row[column[name]]
                assert cell.data_type == "n", (name, cell.value)
                assert cell.value == pytest.approx(mart[field_name] / divisor, rel=1e-12), name
            # The letter, on the RAG colour, so it reads in black and white.
            assert row[column["RAG"]].value == mart["rag"][0].upper()
        assert len(rows) == len(MEASURES)
        # Below the table, after a blank row: where the figures come from, and nothing else.
        assert [note[:8] for note in sheet_notes(ws)] == ["Source: "]
        assert ws.max_row == 1 + len(MEASURES) + 2
    finally:
        workbook.close()


# --- 6. In a real browser ----------------------------------------------------------------------


@pytest.mark.browser
def test_the_real_pack_renders_offline_in_chromium_on_a_desktop_and_a_phone(
    html_path: Path, artifacts_dir: Path
) -> None:
    from tests.support.browser import chromium

    requests: list[str] = []
    with chromium() as context:
        tab = context.new_page()
        tab.on("request", lambda request: requests.append(request.url))
        tab.set_viewport_size({"width": 1280, "height": 900})
        tab.goto(html_path.as_uri())
        overview = tab.locator("section#overview table.overview")
        assert overview.is_visible()
        assert overview.locator("tbody tr").count() == len(MEASURES)
        # Every chart drew something: two per measure and one per Barnet ward (the 2022
        # wards, counted in the ONS list), each with a real height.
        charts = tab.locator("svg.chart")
        assert charts.count() == 2 * len(MEASURES) + BARNET_WARDS
        for index in range(charts.count()):
            box = charts.nth(index).bounding_box()
            assert box is not None and box["height"] > 100, index
        tab.screenshot(path=str(artifacts_dir / "board_pack_2021-05.png"), full_page=True)

        tab.set_viewport_size({"width": 390, "height": 844})
        tab.reload()
        assert overview.is_visible()
        # That the page itself does not scroll sideways is a test of its own, below.
        tab.screenshot(path=str(artifacts_dir / "board_pack_2021-05_phone.png"), full_page=True)
        tab.close()
    assert requests, "the page load itself should have been recorded"
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []


@pytest.mark.browser
def test_the_real_pack_never_scrolls_sideways_on_a_phone(html_path: Path) -> None:
    """Only a table's own box may scroll sideways; the Met's file names (underscores, no
    spaces) in the sources section must wrap."""
    from tests.support.browser import chromium

    width = 390
    with chromium() as context:
        tab = context.new_page()
        tab.set_viewport_size({"width": width, "height": 844})
        tab.goto(html_path.as_uri())
        overflowing = tab.evaluate(OVERFLOWING, width)
        scroll_width = tab.evaluate("document.documentElement.scrollWidth")
        tab.close()
    assert scroll_width <= width, overflowing
    assert overflowing == []


# --- 7. Reproducible ---------------------------------------------------------------------------


def test_two_builds_from_the_same_marts_and_time_are_byte_identical(
    pipeline: PipelineRun, html: str, tmp_path: Path
) -> None:
    first = build_pack(
        pipeline.published_db, tmp_path / "a", BARNET, MONTH, generated_at=GENERATED_AT
    )
    second = build_pack(
        pipeline.published_db, tmp_path / "b", BARNET, MONTH, generated_at=GENERATED_AT
    )
    assert first.html_path.read_bytes() == second.html_path.read_bytes()
    assert first.xlsx_path.read_bytes() == second.xlsx_path.read_bytes()
    assert first.pdf_path and first.pdf_path.read_bytes() == second.pdf_path.read_bytes()

    # And the asset's pack is that same page, bar the time it was generated.
    def undated(text: str) -> str:
        return re.sub(r'<time datetime="[^"]*">[^<]*</time>', "<time/>", text)

    assert undated(first.html_path.read_text(encoding="utf-8")) == undated(html)


# --- 8. Hate crime Table 1 as the paper lays it out, on the sample's latest month -------------


def test_the_latest_packs_hate_crime_table_1_has_the_month_and_the_full_years_the_data_covers(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    """January 2024 (the sample's latest pack): the month, no January-to-the-month-before (it is
    January), and each full calendar year the dashboard file covers, up to the paper's four,
    with Race and Religion's 2023 summed here from the raw file's rows."""
    month = dt.date(2024, 1, 1)
    dashboard = SAMPLE_RAW / "met" / "crime_dashboard"
    (other_crime,) = dashboard.glob("MPS_MonthlyCrimeDashboard_OtherCrimeData_*.csv")
    with other_crime.open(encoding="utf-8-sig", newline="") as handle:
        barnet = [
            row
            for row in csv.DictReader(handle)
            if row["Area code"] == BARNET.code
            and row["Crime Subtype"] == "Racist and Religious Crime"
            and row["Measure"] == "Offences"
        ]
    months = {dt.date.fromisoformat(row["Month_Year"]) for row in barnet}
    full_years = sorted(
        (y for y in {m.year for m in months} if y < month.year
         and all(dt.date(y, m, 1) in months for m in range(1, 13))),
        reverse=True,
    )[:4]  # fmt: skip
    race_2023 = sum(int(row["Count"]) for row in barnet if row["Month_Year"].startswith("2023-"))

    out = build_pack(pipeline.published_db, tmp_path, BARNET, month, generated_at=GENERATED_AT)
    page = out.html_path.read_text(encoding="utf-8")
    start = page.index('<section id="hate_crime"')
    fragment = page[start : page.index("</section>", start)]
    table = fragment[fragment.index("<table") : fragment.index("</table>")]
    rows = [
        [" ".join(re.sub(r"<[^>]+>", "", cell).split()) for cell in re.findall(
            r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.DOTALL)
    ]  # fmt: skip
    assert full_years == [2023, 2022]  # the file starts in August 2021
    assert rows[0] == ["Category", "2024 Jan", *[f"{y} Full Year" for y in full_years]]
    race = next(row for row in rows if row[0] == "Race and Religion")
    assert race[rows[0].index("2023 Full Year")] == f"{race_2023:,}"
    # Why the paper's other columns are missing, from where the file starts.
    text = " ".join(re.sub(r"<[^>]+>", " ", fragment).split())
    assert f"the dashboard data starts in {min(months):%B %Y}" in text
    assert "there is no January to the month before" in text


def test_the_board_paper_pdf_beside_the_html_carries_the_running_header(html_path: Path) -> None:
    reader = pypdf.PdfReader(html_path.with_suffix(".pdf"))
    pages = len(reader.pages)
    assert pages > 1
    for number in (1, pages):
        text = reader.pages[number - 1].extract_text()
        assert f"{BOROUGH} \u2014 Performance Dashboard" in text, number
        assert "Crime figures to May 2021" in text, number
        assert f"Page {number} of {pages}" in text, number


# --- 8. Page one against the sections below, and each section's age ---------------------------


def test_page_one_of_the_real_packs_matches_the_sections_below_and_the_manifest_judges_age(
    pipeline: PipelineRun, html: str, tmp_path: Path
) -> None:
    """Read as the board reads it: every red row and unusual month below is on page one and
    every item of page one is below, in the refreshed May 2021 pack and in the sample's default
    quarterly pack, March 2023. In March 2023 the ASB feed (the sample's runs to May 2021, a
    monthly source due to reach February 2023) and Supporting Families (its one return is
    2021/22 Q1, April to June 2021, due to reach March 2023) are out of date."""
    import json

    from tests.test_pack_page_one import assert_page_one_matches_the_sections_below

    may = assert_page_one_matches_the_sections_below(html)
    assert may.red_items or may.exception_items, "the real pack has something to discuss"

    march = build_pack(pipeline.published_db, tmp_path, BARNET, dt.date(2023, 3, 1))
    page = assert_page_one_matches_the_sections_below(march.html_path.read_text("utf-8"))
    assert {"asb_calls", "partner_supporting_families"} <= set(page.out_of_date)
    assert {"asb_calls", "partner_supporting_families"} <= set(march.out_of_date_sections)
    # Recorded crime reaches the pack's month: never out of date.
    assert not {"overview", "exceptions", "trend"} & set(page.out_of_date)

    # The manifest and meta_publication judge each source against the refresh's month (May
    # 2021), beside `stale`, which keeps its meaning: recorded crime runs to January 2024.
    manifest = json.loads(pipeline.manifest.read_text(encoding="utf-8"))
    assert manifest["pack_month"] == "2021-05-01"
    crime = manifest["sources"]["met_recorded_crime"]
    assert (crime["last_month"], crime["stale"], crime["is_out_of_date"]) == (
        "2024-01-01",
        False,
        False,
    )
    rows = {
        row["source"]: row
        for row in pipeline.records(
            "select source, is_stale, is_out_of_date, out_of_date_reason, last_month, pack_month "
            "from meta_publication"
        )
    }
    assert rows["met_recorded_crime"]["last_month"] == dt.date(2024, 1, 1)
    assert rows["met_asb_calls"]["last_month"] == dt.date(2021, 5, 1)
    assert rows["met_asb_calls"]["pack_month"] == dt.date(2021, 5, 1)
    for source, row in rows.items():
        assert row["is_out_of_date"] == bool(row["out_of_date_reason"]), source
        assert row["is_out_of_date"] == manifest["sources"][source]["is_out_of_date"], source


# --- Reconciliation with the papers ------------------------------------------------------------

# The file holding May 2021 from the latest release (2022-01), and the sample ASB calls extract.
RECONCILE_CRIME_FILE = "MPS_Borough_Level_Crime_Historical_201004-202201.csv"
RECONCILE_ASB_FILE = "asb_calls_barnet_202006-202105_ILLUSTRATIVE_even_split.csv"
RECONCILE_ASB_PREVIOUS = "asb_calls_barnet_201906-202005_ILLUSTRATIVE_even_split.csv"


def _barnet_burglary(raw: Path) -> dict[str, int]:
    """Barnet's burglary (every minor category of the major 'Burglary') by YYYYMM."""
    volumes: dict[str, int] = {}
    path = raw / "met" / "recorded_crime" / RECONCILE_CRIME_FILE
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        months = next(reader)[3:]
        for row in reader:
            if row[0] == "Burglary" and row[2] == BOROUGH:
                for month, value in zip(months, row[3:], strict=True):
                    volumes[month] = volumes.get(month, 0) + int(value)
    return volumes


def _one_place(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def test_the_reconciliation_sets_the_july_2021_papers_figures_beside_the_recomputed_ones(
    page: Page, pipeline: PipelineRun, tmp_path: Path
) -> None:
    section = page.root.find("section", id="reconciliation")
    rows = {
        (tr.attrs["data-measure"], tr.attrs["data-area"]): tr
        for tr in section.find_all("tr")
        if "data-measure" in tr.attrs
    }

    def cells(measure: str) -> tuple[str, str, str, str]:
        tr = rows[(measure, BOROUGH)]
        return (
            tr.find("td", "printed").text(),
            tr.find("td", "computed").text(),
            tr.find("td", "difference").text(),
            tr.find("td", "reason").text(),
        )

    # Barnet's burglary from the raw file: R12 June 2020 - May 2021, YTD January - May 2021
    # against January - May 2020. The July 2021 pack printed 2696 and -10%.
    burglary = _barnet_burglary(pipeline.raw_dir)
    r12 = sum(burglary[f"{y}{m:02d}"] for y, m in [(2020, m) for m in range(6, 13)]
              + [(2021, m) for m in range(1, 6)])  # fmt: skip
    ytd = sum(burglary[f"2021{m:02d}"] for m in range(1, 6))
    ytd_prev = sum(burglary[f"2020{m:02d}"] for m in range(1, 6))
    printed, computed, difference, reason = cells("crime.burglary.r12_volume")
    assert printed == "2696"
    assert computed == f"{r12:,}"
    assert difference == (f"{r12 - 2696:+,}" if r12 != 2696 else "none")
    assert reason.startswith("Note ")
    with localcontext() as ctx:
        ctx.prec = 50
        change = (Decimal(ytd) - ytd_prev) * 100 / ytd_prev
        printed, computed, difference, _ = cells("crime.burglary.ytd_change_pct")
        assert printed == "-10%"
        assert computed == f"{_one_place(change)}%"
        assert difference == f"{_one_place(change + 10):+} points"

    # ASB calls: the sample extract's 12 months to May 2021 sum to the 81,619 printed, and the
    # 12 months before (a file of their own) to the 67,426 the paper compares them with.
    with (pipeline.raw_dir / "met" / "asb_calls" / RECONCILE_ASB_FILE).open(newline="") as f:
        calls = sum(int(row["asb_calls"]) for row in csv.DictReader(f))
    assert calls == 81619
    with (pipeline.raw_dir / "met" / "asb_calls" / RECONCILE_ASB_PREVIOUS).open(newline="") as f:
        previous = sum(int(row["asb_calls"]) for row in csv.DictReader(f))
    assert previous == 67426
    assert cells("asb.r12_asb_calls")[:3] == ("81,619", "81,619", "none")
    assert cells("asb.r12_asb_calls_prev")[:3] == ("67,426", "67,426", "none")
    # The sample dashboard starts in August 2021: the SD rate the paper printed has no figure
    # beside it, and its note says the paper used another definition.
    printed, computed, _, reason = cells("dashboard.domestic_abuse_vwi.r12_outcome_rate_pct")
    assert (printed, computed) == ("11%", "n/a")
    number = reason.split()[1].rstrip(";")
    notes = {li.attrs["value"]: li.text() for li in section.find_all("li")}
    assert "sanction detection (SD) rate" in notes[number]
    assert "positive outcome rate" in notes[number]
    # Each reason is said once, however many figures it explains.
    text = section.text()
    assert text.count("were provisional") == 1
    assert text.count("sanction detection (SD) rate") == 1
    assert "April 2023" not in text  # the other paper's figures belong to its own month

    # A month no paper covers says so in one sentence.
    other = build_pack(pipeline.published_db, tmp_path, BARNET, dt.date(2021, 4, 1))
    builder = TreeBuilder()
    builder.feed(other.html_path.read_text(encoding="utf-8"))
    april = builder.root.find("section", id="reconciliation").find("p", "no-figures").text()
    assert april.startswith("No earlier board paper covers April 2021:")


def test_a_section_from_an_illustrative_sample_says_so_and_a_real_one_does_not(html: str) -> None:
    """The ASB calls sample is made up (its file name says ILLUSTRATIVE); the crime files are
    the Met's own."""
    made_up = sorted(
        p.name for p in (SAMPLE_RAW / "met" / "asb_calls").glob("*.csv")
        if "illustrative" in p.name.lower()
    )  # fmt: skip
    assert made_up
    start = html.index('<section id="asb_calls"')
    asb = " ".join(re.sub(r"<[^>]+>", " ", html[start : html.index("</section>", start)]).split())
    assert f"Illustrative figures , made up for the sample ({', '.join(made_up)})" in asb
    start = html.index('<section id="overview"')
    overview = html[start : html.index("</section>", start)]
    assert "Illustrative figures" not in overview
