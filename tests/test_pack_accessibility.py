"""The board pack is accessible (WCAG 2.2 AA) and speaks the board's words.

axe-core, pinned in `tests/browser/package-lock.json` and installed by `make test` (`make axe`),
is injected into the pack as headless Chromium shows it, on a desktop and a phone; any violation
of impact serious or critical fails, with its rule, impact and the elements it found. The packs
are rendered from the hand-built published copy of `tests/test_pack_render.py` (a current one
and one with a stale source, whose mark is red text), and the session's refreshed pack is
checked too.

The pack's text, what a reader sees and what a screen reader reads out (chart descriptions,
labels), holds no identifier of the pipeline's: no snake_case word and no published table's
name, outside the data sources appendix, where the files are named as they are.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PROJECT_ROOT, REPORTING_MONTH, PipelineRun
from tests.support.published import published_layout
from tests.test_pack_render import (
    CRIME,
    MAY,
    MEASURES,
    SOURCE_FILES,
    STALE_REASON,
    WARDS,
    _build,
    _overview_rows,
    _trend_rows,
    _variant,
    _write_published_db,
)

AXE = PROJECT_ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}

AXE_RUN = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({
      impact: n.impact,
      target: n.target.map(String).join(" "),
      summary: (n.failureSummary || "").replace(/\\s+/g, " ").slice(0, 200),
    })),
  }));
}"""


# --- The packs ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The hand-built pack (Barnet, May 2021), the same with Met recorded crime stale, and the
    published file they come from."""
    db = tmp_path_factory.mktemp("a11y_published") / "marts.duckdb"
    _write_published_db(db)
    stale_db = _variant(
        db,
        tmp_path_factory.mktemp("a11y_stale"),
        "update meta_publication set is_stale = true, reason = ? where source = ?",
        [STALE_REASON, CRIME],
    )
    return {
        "db": db,
        "pack": _build(db, tmp_path_factory.mktemp("a11y_packs") / "2021-05"),
        "stale_pack": _build(stale_db, tmp_path_factory.mktemp("a11y_stale_packs")),
    }


def session_pack(pipeline: PipelineRun) -> Path:
    folder = pipeline.warehouse_dir / "published" / "packs" / REPORTING_MONTH
    (html_path,) = folder.glob("*.html")
    return html_path


# --- axe-core in Chromium ----------------------------------------------------------------------


def axe_violations(html_path: Path, width: int, height: int) -> list[dict[str, Any]]:
    from tests.support.browser import chromium

    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: run `make axe` (npm ci in tests/browser/)")
    with chromium() as context:
        page = context.new_page()
        page.set_viewport_size({"width": width, "height": height})
        page.goto(html_path.as_uri())
        page.add_script_tag(path=str(AXE))
        violations: list[dict[str, Any]] = page.evaluate(AXE_RUN, WCAG_22_AA)
        page.close()
    return violations


def blocking(violations: list[dict[str, Any]]) -> list[str]:
    """One line per element of a serious or critical violation: rule, impact, selector."""
    return [
        f"{v['id']} ({node['impact'] or v['impact']}): {node['target']}: {v['help']}; "
        f"{node['summary']}"
        for v in violations
        for node in v["nodes"]
        if (node["impact"] or v["impact"]) in BLOCKING
    ]


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("which", ["pack", "stale_pack"])
def test_axe_finds_no_serious_or_critical_wcag_22_aa_violation(
    rendered: dict[str, Any], which: str, viewport: str
) -> None:
    found = blocking(axe_violations(rendered[which].html_path, *VIEWPORTS[viewport]))
    assert found == [], "\n".join(found)


# axe leaves undecided the text it cannot see a background behind (the charts' SVG text, the
# overview's symbols and its sticky column): every piece of text, in the charts too, measured
# here against the first opaque background behind it, by WCAG's formula (4.5:1; 3:1 for large
# text, 24 px or 18.66 px bold).
LOW_CONTRAST = """() => {
  const parse = (c) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c || "");
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const channel = (c) => {
    c /= 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  };
  const lum = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const ratio = (a, b) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const behind = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0.5) return c;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  const out = [];
  let checked = 0;
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].filter((n) => n.nodeType === 3)
      .map((n) => n.textContent).join("").trim();
    if (!own || el.closest(".visually-hidden, style, script, title, desc")) continue;
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    const svg = el.closest("svg");
    const fg = parse(svg ? style.fill : style.color);
    if (!fg) continue;
    const size = parseFloat(style.fontSize) * (svg ? el.getScreenCTM().a : 1);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const value = ratio(fg, behind(el));
    checked += 1;
    if (value < (large ? 3 : 4.5)) {
      out.push(`${el.tagName.toLowerCase()}.${String(el.className.baseVal ?? el.className)}`
        + ` "${own.slice(0, 40)}": ${value.toFixed(2)}:1`);
    }
  }
  return [checked, out];
}"""


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("which", ["pack", "stale_pack"])
def test_every_text_the_page_shows_has_enough_contrast(
    rendered: dict[str, Any], which: str, viewport: str
) -> None:
    from tests.support.browser import chromium

    with chromium() as context:
        page = context.new_page()
        page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[viewport], strict=True)))
        page.goto(rendered[which].html_path.as_uri())
        checked, low = page.evaluate(LOW_CONTRAST)
        # The measure itself: the pack's muted grey passes (5.45:1), the charts' old grey
        # (2.5:1) fails as body text and as large text.
        page.set_content(
            '<p style="color:#5f6b76">a</p><p style="color:#9aa5b1">b</p>'
            '<p style="color:#9aa5b1;font-size:24px">c</p>'
        )
        _, probe = page.evaluate(LOW_CONTRAST)
        page.close()
    assert checked > 500
    assert low == [], "\n".join(low)
    assert probe == ['p. "b": 2.50:1', 'p. "c": 2.50:1']


@pytest.mark.browser
def test_axe_really_runs_and_reports_what_it_is_there_to_catch(tmp_path: Path) -> None:
    """A page with the faults the pack was fixed for: each is found, so a clean pass means
    something."""
    page = tmp_path / "faulty.html"
    page.write_text(
        "<!doctype html><html><head><title>x</title></head><body><main>"
        "<h1>Pack</h1><p style='color:#aaa;background:#fff'>Muted figure 12</p>"
        "<svg role='img' width='10' height='10'><rect width='10' height='10'/></svg>"
        "<table><tr><th></th><td>1</td></tr></table></main></body></html>",
        encoding="utf-8",
    )
    rules = {v["id"] for v in axe_violations(page, 1280, 900)}
    assert {"html-has-lang", "color-contrast", "svg-img-alt"} <= rules, rules


@pytest.mark.browser
@pytest.mark.e2e
@pytest.mark.xdist_group("session")
def test_the_refreshed_pack_has_no_serious_or_critical_wcag_22_aa_violation(
    pipeline: PipelineRun,
) -> None:
    found = blocking(axe_violations(session_pack(pipeline), *VIEWPORTS["desktop"]))
    assert found == [], "\n".join(found)


# --- The page's structure, read from its HTML --------------------------------------------------


@dataclass
class Structure(HTMLParser):
    """What the checks below read: the root's lang, headings, tables and charts, and the text a
    reader is given outside the data sources appendix."""

    lang: str | None = None
    headings: list[int] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    _stack: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    _skip: int = 0
    _in_sources: int = 0

    def __post_init__(self) -> None:
        HTMLParser.__init__(self)

    VOID = frozenset({"meta", "link", "br", "img", "hr", "input", "col", "source", "wbr"})

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "table":
            self.tables.append({"caption": False, "label": a.get("aria-label"), "th": []})
        if tag == "caption" and self.tables:
            self.tables[-1]["caption"] = True
        if tag == "th" and self.tables:
            self.tables[-1]["th"].append(a.get("scope"))
        if tag == "svg" and not any(t == "svg" for t, _ in self._stack):
            self.charts.append({"role": a.get("role"), "label": a.get("aria-label"), "attrs": a})
        if tag in ("style", "script"):
            self._skip += 1
        if tag == "section" and a.get("id") == "sources":
            self._in_sources += 1
        elif self._in_sources and tag == "section":
            self._in_sources += 1
        if not self._skip and not self._in_sources:
            for name in ("aria-label", "title", "alt"):
                if a.get(name):
                    self.words.append(str(a[name]))
        if tag not in self.VOID:
            self._stack.append((tag, a))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        while self._stack:
            open_tag, _ = self._stack.pop()
            if open_tag in ("style", "script"):
                self._skip -= 1
            if open_tag == "section" and self._in_sources:
                self._in_sources -= 1
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._skip and not self._in_sources:
            self.words.append(data)

    @property
    def text(self) -> str:
        return " ".join(html_lib.unescape(" ".join(self.words)).split())


def structure(html_path: Path) -> Structure:
    parser = Structure()
    parser.feed(html_path.read_text(encoding="utf-8"))
    parser.close()
    return parser


@pytest.fixture(scope="module")
def page(rendered: dict[str, Any]) -> Structure:
    return structure(rendered["pack"].html_path)


def test_the_page_is_in_british_english(page: Structure) -> None:
    assert page.lang == "en-GB"


def test_headings_start_at_one_and_never_skip_a_level(page: Structure) -> None:
    assert page.headings[0] == 1
    assert page.headings.count(1) == 1
    skips = [
        (before, after)
        for before, after in zip(page.headings, page.headings[1:], strict=False)
        if after > before + 1
    ]
    assert skips == []


def test_every_table_has_a_name_and_every_header_a_scope(page: Structure) -> None:
    assert len(page.tables) > 10
    for index, table in enumerate(page.tables):
        assert table["caption"] or table["label"], f"table {index} has no caption or name"
        assert table["th"], f"table {index} has no header cells"
        assert set(table["th"]) <= {"col", "row", "colgroup", "rowgroup"}, (index, table["th"])


def chart_texts(html: str) -> dict[str, tuple[str, str]]:
    """Each chart's id -> (its accessible name, its description), as its attributes point."""
    texts = {}
    for attrs in re.findall(r'<svg class="chart"([^>]*)>', html):
        named = re.search(r'aria-labelledby="([^"]+)"', attrs)
        described = re.search(r'aria-describedby="([^"]+)"', attrs)
        assert named and described, attrs
        name = re.search(rf'<title id="{named[1]}">([^<]*)</title>', html)
        description = re.search(rf'<desc id="{described[1]}">([^<]*)</desc>', html)
        assert name and description, attrs
        texts[named[1].removesuffix("-title")] = (
            html_lib.unescape(name[1]),
            html_lib.unescape(description[1]),
        )
    return texts


def test_every_chart_is_an_image_named_and_described_with_its_figures(
    page: Structure, rendered: dict[str, Any]
) -> None:
    html = rendered["pack"].html_path.read_text(encoding="utf-8")
    texts = chart_texts(html)
    # The partner measures' sparklines are images too, named by their quarters' figures.
    charts = [c for c in page.charts if "sparkline" not in c["attrs"].get("class", "")]
    assert len(charts) == len(texts) == 2 * len(MEASURES) + len(WARDS)
    assert all(chart["role"] == "img" for chart in page.charts)
    for name, description in texts.values():
        assert name and re.search(r"\d", description), (name, description)


def test_a_trend_charts_description_gives_each_months_figure_and_the_year_before(
    rendered: dict[str, Any],
) -> None:
    """Against the fixture's rows: Barnet's burglary, June 2019 to May 2021."""
    html = rendered["pack"].html_path.read_text(encoding="utf-8")
    _, description = chart_texts(html)["trend-burglary"]
    first = dt.date(2019, 6, 1)
    rows = [
        r
        for r in _trend_rows()
        if r["borough_name"] == "Barnet" and r["measure"] == "burglary" and r["month"] >= first
    ]
    assert len(rows) == 24

    def before(volume: int | None) -> str:
        return "no figure" if volume is None else f"{volume:,}"

    expected = "; ".join(
        f"{r['month']:%b-%y} {r['volume']:,} ({before(r['volume_year_before'])})" for r in rows
    )
    assert expected in description


def test_a_rates_charts_description_gives_every_boroughs_rate_in_order(
    rendered: dict[str, Any],
) -> None:
    html = rendered["pack"].html_path.read_text(encoding="utf-8")
    _, description = chart_texts(html)["rates-robbery"]
    rows = sorted(
        (r for r in _overview_rows() if r["measure"] == "robbery" and r["reporting_month"] == MAY),
        key=lambda r: r["rate_per_1000"],
    )
    assert len(rows) == 32
    entries = [
        f"{i} {r['borough_name']} {r['rate_per_1000']:.2f}"
        + (" (this borough)" if r["borough_name"] == "Barnet" else "")
        for i, r in enumerate(rows, start=1)
    ]
    assert "; ".join(entries) in description


def test_every_rating_shows_its_letter_not_only_its_colour(rendered: dict[str, Any]) -> None:
    html = rendered["pack"].html_path.read_text(encoding="utf-8")
    discs = re.findall(
        r'<span class="rag rag-(\w+)"[^>]*>(?:<span aria-hidden="true">)?([^<]*)<', html
    )
    assert len(discs) > 10
    assert all(letter.strip() == colour[0].upper() for colour, letter in discs), discs


# --- The board's words -------------------------------------------------------------------------

FILE_NAME = re.compile(r"[\w.-]+\.(?:csv|xlsx|xls|ods|parquet|json|duckdb)\b", re.IGNORECASE)
SNAKE_CASE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")


def identifiers(text: str) -> list[str]:
    """snake_case words and published tables' names in a text, file names left aside."""
    text = FILE_NAME.sub(" ", text)
    tables = set(published_layout())
    found = set(SNAKE_CASE.findall(text))
    found |= {t for t in tables if re.search(rf"\b{re.escape(t)}\b", text)}
    return sorted(found)


def test_the_identifier_check_finds_what_it_is_for() -> None:
    assert identifiers("the dbt variable knife_gun_measures in rpt_crime_overview") == [
        "knife_gun_measures",
        "rpt_crime_overview",
    ]
    assert identifiers("from the return marac_2022-23-Q4.xlsx, and MPS_Borough_Level.csv") == []
    assert identifiers("Knife crime: victims aged 1-24, 12 months to May-21") == []


def test_the_packs_text_outside_the_sources_holds_no_identifier(page: Structure) -> None:
    # The appendix is left out (its files' hashes are not read), nothing else.
    assert SOURCE_FILES[0]["sha256"][:12] not in page.text
    assert "Burglary" in page.text
    assert identifiers(page.text) == []


def test_a_section_without_figures_says_why_without_naming_a_table(
    rendered: dict[str, Any], tmp_path: Path
) -> None:
    """Hate crime's source has never published (no table); knife and gun crime's table is
    published empty."""
    db = _variant(
        rendered["db"],
        tmp_path,
        "drop table rpt_hate_crime; delete from rpt_knife_gun_crime",
        [],
    )
    path = _build(db, tmp_path / "pack").html_path
    out = structure(path)
    html = path.read_text(encoding="utf-8")
    for key in ("hate_crime", "knife_gun"):
        start = html.index(f'<section id="{key}"')
        section = html[start : html.index("</section>", start)]
        assert "nothing is published for this section yet" in section, key
    assert identifiers(out.text) == []


@pytest.mark.e2e
@pytest.mark.xdist_group("session")
def test_the_refreshed_packs_text_outside_the_sources_holds_no_identifier(
    pipeline: PipelineRun,
) -> None:
    text = structure(session_pack(pipeline)).text
    assert "Burglary" in text
    assert identifiers(text) == []


def _templates() -> Iterator[Path]:
    yield from (PROJECT_ROOT / "orchestration").rglob("*.j2")


def test_no_template_prints_an_identifier_to_the_reader() -> None:
    """Words written in the templates themselves (Jinja expressions and tags dropped)."""
    found = {}
    for path in _templates():
        source = path.read_text(encoding="utf-8")
        source = re.sub(r"{#.*?#}|{{.*?}}|{%.*?%}", " ", source, flags=re.DOTALL)
        source = re.sub(r"<style.*?</style>", " ", source, flags=re.DOTALL)
        words = " ".join(re.findall(r">([^<]+)<", source))
        labels = " ".join(re.findall(r'(?:aria-label|title|alt)="([^"]*)"', source))
        hits = identifiers(html_lib.unescape(words + " " + labels))
        if hits and path.name != "sources.html.j2":
            found[str(path.relative_to(PROJECT_ROOT))] = hits
    assert found == {}
