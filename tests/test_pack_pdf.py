"""The board pack as a PDF board paper, laid out by WeasyPrint and read back with pypdf.

The pack is built by `build_pack` from the hand-built published file of `test_pack_render.py`
(Barnet, May 2021). What a reader of the paper sees is checked from the PDF itself: its page
size, the running header and "Page n of N" on every page (n and N counted here from the PDF's
pages), and the contents' page numbers against the page each section's heading is printed on.
A small document with the pack's own stylesheets checks that a long table repeats its header on
every page and never splits a row, and that a chart is never cut across two pages.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdf
import pytest

from orchestration.publish.pack import PackOutput, build_pack, pack_sections
from orchestration.publish.pack.build import TEMPLATES_DIR
from orchestration.publish.pack.pdf import ExternalReference, pdf_bytes
from tests.test_pack_render import BARNET, GENERATED_AT, MAY, _write_published_db

# One worker builds the published file and the pack once for the whole module (tests/conftest.py).
pytestmark = pytest.mark.xdist_group("pack_pdf")

# A4 is 210 x 297 mm: 595.28 x 841.89 points of 1/72 inch.
A4_POINTS = (210 / 25.4 * 72, 297 / 25.4 * 72)
HEADER_LEFT = "Barnet \u2014 Performance Dashboard"
HEADER_RIGHT = "Crime figures to May 2021"
BODY_SECTIONS = [s for s in pack_sections() if s.region == "body"]
FOOTER_SECTIONS = [s for s in pack_sections() if s.region == "footer"]


@pytest.fixture(scope="module")
def published_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("published") / "marts.duckdb"
    _write_published_db(path)
    return path


@pytest.fixture(scope="module")
def pack(published_db: Path, tmp_path_factory: pytest.TempPathFactory) -> PackOutput:
    return build_pack(
        published_db, tmp_path_factory.mktemp("packs"), BARNET, MAY, generated_at=GENERATED_AT
    )


@pytest.fixture(scope="module")
def reader(pack: PackOutput) -> pypdf.PdfReader:
    assert pack.pdf_path is not None
    return pypdf.PdfReader(pack.pdf_path)


@pytest.fixture(scope="module")
def page_lines(reader: pypdf.PdfReader) -> list[list[str]]:
    """Each page's text, one stripped line per printed line."""
    return [[line.strip() for line in p.extract_text().splitlines()] for p in reader.pages]


def test_the_pdf_sits_beside_the_html_and_the_workbook_with_their_name(pack: PackOutput) -> None:
    assert pack.pdf_path == pack.html_path.with_suffix(".pdf")
    assert sorted(p.name for p in pack.html_path.parent.iterdir()) == [
        "board_pack_barnet_2021-05.html",
        "board_pack_barnet_2021-05.pdf",
        "board_pack_barnet_2021-05.xlsx",
    ], "no temporary files are left behind"
    assert pack.pdf_path.read_bytes().startswith(b"%PDF-")


def test_every_page_is_a4_portrait(reader: pypdf.PdfReader) -> None:
    assert len(reader.pages) >= 5, "the sample pack runs to several pages"
    for number, page in enumerate(reader.pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (width, height) == pytest.approx(A4_POINTS, abs=0.5), number
        assert (round(width), round(height)) == (595, 842)


def test_every_page_says_page_n_of_n_and_carries_the_running_header(
    page_lines: list[list[str]],
) -> None:
    total = len(page_lines)
    for number, lines in enumerate(page_lines, start=1):
        text = "\n".join(lines)
        stated = re.findall(r"Page (\d+) of (\d+)", text)
        assert stated == [(str(number), str(total))], (number, stated)
        assert HEADER_LEFT in text, number
        assert HEADER_RIGHT in text, number


def contents_entries(first_page: str) -> dict[str, int]:
    """Section title -> the page number the contents list gives it (after its dot leader)."""
    flat = " ".join(first_page.split())
    entries = {}
    for section in [*BODY_SECTIONS, *FOOTER_SECTIONS]:
        found = re.search(re.escape(section.title) + r" ?\.{3,} ?(\d+)\b", flat)
        assert found, f"{section.title!r} has no page number in the contents"
        entries[section.title] = int(found.group(1))
    return entries


def test_the_contents_give_the_page_each_sections_heading_is_printed_on(
    reader: pypdf.PdfReader, page_lines: list[list[str]]
) -> None:
    entries = contents_entries("\n".join(page_lines[0]))
    assert len(entries) == len(BODY_SECTIONS) + len(FOOTER_SECTIONS)
    # Where each heading is, from the PDF's own link targets: the id of each section's h2.
    targets = {
        name: reader.get_destination_page_number(dest) + 1
        for name, dest in reader.named_destinations.items()
    }
    for section in [*BODY_SECTIONS, *FOOTER_SECTIONS]:
        page = entries[section.title]
        assert targets[f"{section.key}-title"] == page, section.title
        # And the heading's words are a line of that page, and of no page between the overview
        # and it (page one lists them in the contents and in what the board must discuss).
        assert section.title in page_lines[page - 1], (section.title, page)
        after_overview = entries[BODY_SECTIONS[0].title] + 1
        earlier = [n for n in range(after_overview, page) if section.title in page_lines[n - 1]]
        assert earlier == [], (section.title, earlier)
    pages = [entries[s.title] for s in BODY_SECTIONS]
    assert pages == sorted(pages), "the sections follow one another in pack order"
    assert targets["page_one-title"] == 1, "page one holds what the board must discuss"
    assert pages[0] in (1, 2), "the overview follows it"
    assert pages[-1] > 2, "the detail runs over the following pages"


def test_the_pdf_carries_the_packs_title_and_generation_time(reader: pypdf.PdfReader) -> None:
    meta = reader.metadata
    assert meta is not None
    assert meta.title == " \u2014 ".join(
        ["Safer Communities Partnership Board", "Performance Dashboard", "Barnet", "May 2021"]
    )
    assert meta.creation_date == GENERATED_AT
    assert meta.modification_date == GENERATED_AT


def test_same_inputs_and_generated_at_give_an_identical_pdf(
    published_db: Path, pack: PackOutput, tmp_path: Path
) -> None:
    again = build_pack(published_db, tmp_path, BARNET, MAY, generated_at=GENERATED_AT)
    assert again.pdf_path is not None and pack.pdf_path is not None
    assert again.pdf_path.read_bytes() == pack.pdf_path.read_bytes()


def test_a_build_without_the_pdf_writes_only_the_html_and_the_workbook(
    published_db: Path, tmp_path: Path
) -> None:
    out = build_pack(published_db, tmp_path, BARNET, MAY, generated_at=GENERATED_AT, pdf=False)
    assert out.pdf_path is None
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        out.html_path.name,
        out.xlsx_path.name,
    ]


# --- Breaking across pages, with the pack's own stylesheets ----------------------------------

ROWS = 90
CHARTS = 9


def _document(body: str) -> str:
    """A page with the pack's stylesheets inlined, as `pack.html.j2` inlines them."""
    css = "\n".join((TEMPLATES_DIR / name).read_text() for name in ("pack.css", "print.css"))
    return f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><style>{css}</style>\
</head><body><div class="page"><main>{body}</main></div></body></html>'


def _pages(pdf: bytes) -> list[str]:
    """Each page's text, whitespace collapsed."""
    return [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_a_long_table_repeats_its_header_on_each_page_and_never_splits_a_row() -> None:
    # Each row is three lines tall (a cell with two line breaks), so a page break could fall
    # inside one.
    rows = "".join(
        f"<tr><th>Row {i:03d}</th><td>first {i:03d}<br>second {i:03d}<br>third {i:03d}</td></tr>"
        for i in range(1, ROWS + 1)
    )
    table = (
        '<section class="section"><h2>Long table</h2><div class="table-scroll"><table>'
        "<thead><tr><th>Heading one</th><th>Heading two</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div></section>"
    )
    pages = _pages(pdf_bytes(_document(table), GENERATED_AT))
    assert len(pages) >= 2, "the table runs over more than one page"
    for number, text in enumerate(pages, start=1):
        assert text.count("Heading one Heading two") == 1, number
    for i in range(1, ROWS + 1):
        holding = [
            n
            for n, text in enumerate(pages, start=1)
            if any(f"{part} {i:03d}" in text for part in ("Row", "first", "second", "third"))
        ]
        assert len(holding) == 1, (i, holding)
        text = pages[holding[0] - 1]
        for part in ("Row", "first", "second", "third"):
            assert f"{part} {i:03d}" in text, (i, part)


@pytest.mark.parametrize("grid", [True, False], ids=["in-the-chart-grid", "on-its-own"])
def test_a_chart_is_never_cut_across_two_pages(grid: bool) -> None:
    # Charts as the pack draws them: an inline SVG in a card under its caption and figures,
    # the SVG's last text at its foot; in the pack's grid (two to a row on A4) and, as a
    # section with one chart might show it, one after another outside a grid.
    svg = (
        '<svg class="chart" viewBox="0 0 340 260" xmlns="http://www.w3.org/2000/svg">'
        '<rect width="340" height="260" fill="#eef3fa"/>'
        '<text x="10" y="20" font-size="12">top of chart {n}</text>'
        '<text x="10" y="250" font-size="12">foot of chart {n}</text></svg>'
    )
    cards = "".join(
        f'<figure class="chart-card"><figcaption><strong>Chart {n}</strong>'
        f'<span class="caption-figures">figures of chart {n}<br>and a second line</span>'
        f"</figcaption>{svg.format(n=n)}</figure>"
        for n in range(1, CHARTS + 1)
    )
    if grid:
        cards = f'<div class="chart-grid">{cards}</div>'
    body = f'<section class="section"><h2>Charts</h2>{cards}</section>'
    pages = _pages(pdf_bytes(_document(body), GENERATED_AT))
    assert len(pages) >= 2, "the charts run over more than one page"
    for n in range(1, CHARTS + 1):
        parts = (f"Chart {n}", f"figures of chart {n}", f"top of chart {n}", f"foot of chart {n}")
        holding = [p for p, text in enumerate(pages, start=1) if any(x in text for x in parts)]
        assert len(holding) == 1, (n, holding)
        assert all(x in pages[holding[0] - 1] for x in parts), n


def test_a_reference_to_anything_outside_the_pack_stops_the_pdf() -> None:
    # Refused before any connection is made: no URL scheme is allowed.
    html = _document('<p>Logo</p><img src="http://127.0.0.1:9/logo.png" alt="logo">')
    with pytest.raises(ExternalReference, match=r"127\.0\.0\.1:9/logo\.png"):
        pdf_bytes(html, GENERATED_AT)
