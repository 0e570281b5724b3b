"""Tests of the board pack renderer on a small published DuckDB written by the fixture.

The fixture's figures are hand-chosen so the expected text is known: Barnet, May 2021, with an
R12 change of -14.5 % that must print as "-15%", +0.5 % as "1%", -0.5 % as "-1%", a NULL change
as "n/a", and one of each exception flag.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.publish.pack import PackOutput, build_pack
from orchestration.publish.pack.charts import month_ticks
from orchestration.publish.pack.formatting import (
    EXCEPTION_SYMBOLS,
    add_months,
    borough_slug,
    crime_factors,
    exception_symbol,
    exception_words,
    format_change_pct,
    format_count,
    format_rank,
    format_rate,
    month_label,
    round_half_away_from_zero,
    ytd_span,
)

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
CODES = {name: f"E09{i + 2:06d}" for i, name in enumerate(BOROUGHS)}

MEASURES = [
    # measure, label, denominator, direction, sort_order
    ("burglary", "Burglary", "population", "decrease_is_positive", 1),
    ("burglary_residential", "Residential burglary", "households", "decrease_is_positive", 2),
    ("burglary_business", "Burglary - business and community", "population",
     "decrease_is_positive", 3),
    ("robbery", "Robbery", "population", "decrease_is_positive", 4),
    ("violence_with_injury", "Violence with injury", "population", "decrease_is_positive", 5),
]  # fmt: skip


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

SOURCES = [
    ("MPS recorded crime, borough level", "MPS Borough Level Crime (most recent 24 months).csv",
     "a" * 64, MAY, dt.date(2019, 6, 1), MAY, 98765, dt.datetime(2021, 6, 20, 7, 5),
     "Open Government Licence v3.0"),
    ("ONS mid-year population estimates", "ons_mye_2020.csv", "b" * 64, dt.date(2021, 6, 1),
     dt.date(2020, 6, 1), dt.date(2020, 6, 1), 33, dt.datetime(2021, 6, 25, 8, 0),
     "Open Government Licence v3.0"),
]  # fmt: skip


def _rate(rank: int, sort_order: int) -> float:
    """Rates that rise with rank, so the bar chart order and the ranks agree."""
    return round(1.5 * sort_order + 0.37 * rank, 4)


def _other_rank(borough_index: int, barnet_rank: int) -> int:
    """Spreads the 31 other boroughs over the ranks Barnet does not hold."""
    free = [r for r in range(1, 33) if r != barnet_rank]
    return free[(borough_index * 7) % 31]  # 7 and 31 are coprime: a permutation


def _write_published_db(path: Path) -> None:
    # Named like the real file (marts.duckdb): its catalog name clashes with the schema name,
    # so the fixture attaches it under another alias, as the renderer must.
    con = duckdb.connect(":memory:")
    con.execute(f"attach '{path}' as published")
    con.execute("use published")
    con.execute("create schema marts")
    con.execute(
        """
        create table marts.dim_kpi_measure (
            measure varchar, measure_label varchar, denominator varchar, direction varchar,
            sort_order integer)
        """
    )
    con.executemany("insert into marts.dim_kpi_measure values (?, ?, ?, ?, ?)", MEASURES)
    con.execute(
        """
        create table marts.kpi_crime_overview (
            borough_code varchar, borough_name varchar, measure varchar, reporting_month date,
            ytd_volume bigint, ytd_volume_prev bigint, ytd_change_pct double,
            r12_volume bigint, r12_volume_prev bigint, r12_change_pct double,
            rate_per_1000 double, london_rank integer, london_rank_of integer, rag varchar)
        """
    )
    overview = []
    for measure, _label, _den, _dir, sort_order in MEASURES:
        barnet = next(e for e in BARNET_MAY if e.measure == measure)
        others = [b for b in BOROUGHS if b != "Barnet"]
        for month in (APRIL, MAY):
            for name in BOROUGHS:
                if name == "Barnet" and month == MAY:
                    e = barnet
                    row = (e.ytd, e.ytd_prev, e.ytd_pct, e.r12, e.r12_prev, e.r12_pct,
                           e.rank, e.rag)  # fmt: skip
                elif name == "Barnet":
                    # April: distinctive figures that must not leak into the May pack.
                    row = (7001 + sort_order, 7101, 0.0, 9001 + sort_order, 9101, 0.0, 31, "amber")
                else:
                    i = others.index(name)
                    rank = _other_rank(i, barnet.rank)
                    row = (300 + i, 320 + i, -6.25, 900 + i, 950 + i, -5.26, rank, "green")
                ytd, ytd_prev, ytd_pct, r12, r12_prev, r12_pct, rank, rag = row
                overview.append(
                    (CODES[name], name, measure, month, ytd, ytd_prev, ytd_pct, r12, r12_prev,
                     r12_pct, _rate(rank, sort_order), rank, 32, rag)
                )  # fmt: skip
    con.executemany(
        "insert into marts.kpi_crime_overview values (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", overview
    )
    con.execute(
        """
        create table marts.kpi_crime_exceptions (
            borough_code varchar, borough_name varchar, measure varchar, reporting_month date,
            month date, volume bigint, expected_mean double, expected_sd double, flag varchar)
        """
    )
    exceptions = []
    for e in BARNET_MAY:
        for k, flag in zip((-2, -1, 0), e.flags, strict=True):
            mean, sd = (None, None) if flag == "insufficient" else (200.0 + k, 12.5)
            volume = {"high": 260, "low": 150, "normal": 201, "insufficient": 40}[flag]
            exceptions.append((CODES["Barnet"], "Barnet", e.measure, MAY, add_months(MAY, k),
                               volume, mean, sd, flag))  # fmt: skip
        for k in (-2, -1, 0):  # April's pack: all high, so a leak would show as ▲
            exceptions.append((CODES["Barnet"], "Barnet", e.measure, APRIL,
                               add_months(APRIL, k), 999, 100.0, 5.0, "high"))  # fmt: skip
        for k in (-2, -1, 0):  # another borough, all low
            exceptions.append((CODES["Camden"], "Camden", e.measure, MAY, add_months(MAY, k),
                               1, 100.0, 5.0, "low"))  # fmt: skip
    con.executemany("insert into marts.kpi_crime_exceptions values (?,?,?,?,?,?,?,?,?)", exceptions)
    con.execute(
        """
        create table marts.fct_crime_measure_monthly (
            borough_code varchar, borough_name varchar, measure varchar, month date,
            volume bigint)
        """
    )
    monthly = []
    all_measures = [m[0] for m in MEASURES] + ["theft_from_the_person"]
    for b, name in enumerate(BOROUGHS):
        for m, measure in enumerate(all_measures):
            for k in range(-47, 1):
                month = add_months(MAY, k)
                volume = 100 + 10 * m + b + (k % 12) * 3 + (20 if k > -12 else 0)
                monthly.append((CODES[name], name, measure, month, volume))
    con.executemany("insert into marts.fct_crime_measure_monthly values (?,?,?,?,?)", monthly)
    con.execute(
        "create table marts.kpi_glossary (term varchar, definition varchar, sort_order integer)"
    )
    con.executemany("insert into marts.kpi_glossary values (?, ?, ?)", GLOSSARY)
    con.execute(
        """
        create table marts.meta_source_releases (
            source_name varchar, source_file varchar, sha256 varchar, release_month date,
            first_month date, last_month date, row_count bigint, loaded_at timestamp,
            licence varchar)
        """
    )
    con.executemany("insert into marts.meta_source_releases values (?,?,?,?,?,?,?,?,?)", SOURCES)
    con.close()


@pytest.fixture(scope="module")
def published_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("published") / "marts.duckdb"
    _write_published_db(path)
    return path


@pytest.fixture(scope="module")
def pack(published_db: Path, tmp_path_factory: pytest.TempPathFactory) -> PackOutput:
    out_dir = tmp_path_factory.mktemp("packs") / "2021-05"
    return build_pack(published_db, out_dir, "Barnet", MAY, generated_at=GENERATED_AT)


@pytest.fixture(scope="module")
def html(pack: PackOutput) -> str:
    return pack.html_path.read_text(encoding="utf-8")


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
        if tag == "svg":
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


def test_month_labels_follow_the_july_2021_pack() -> None:
    assert month_label(dt.date(2021, 3, 1)) == "Mar-21"
    assert ytd_span(MAY) == "Jan21 - May21"
    assert ytd_span(dt.date(2022, 1, 1)) == "Jan22"
    assert add_months(dt.date(2021, 1, 1), -2) == dt.date(2020, 11, 1)


def test_borough_names_become_file_name_slugs() -> None:
    assert borough_slug("Barnet") == "barnet"
    assert borough_slug("Kingston upon Thames") == "kingston-upon-thames"
    assert borough_slug("Hammersmith and Fulham") == "hammersmith-and-fulham"


# --- The built pack ---------------------------------------------------------------------------


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
    con = duckdb.connect(":memory:")
    con.execute(f"attach '{published_db}' as published (read_only)")
    rows = con.execute(
        """
        select measure, ytd_volume, ytd_change_pct, r12_volume, r12_change_pct, london_rank,
               london_rank_of
        from published.marts.kpi_crime_overview
        where borough_name = 'Barnet' and reporting_month = date '2021-05-01'
        """
    ).fetchall()
    con.close()
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
    assert parsed.svg_count == 2 * len(MEASURES)


def test_rates_chart_shows_all_32_boroughs_and_highlights_the_borough(html: str) -> None:
    rates = html[html.index('id="rates"') :]
    burglary_chart = rates[: rates.index("</svg>")]
    for name in BOROUGHS:
        assert f">{name}</text>" in burglary_chart.replace("&amp;", "&"), name
    expected = f"Barnet {format_rate(_rate(20, 1))} per 1,000 population, rank 20/32"
    assert expected in " ".join(rates.split())


def test_trend_charts_compare_24_months_with_the_year_before(html: str) -> None:
    trend = html[html.index('id="trend"') : html.index('id="rates"')]
    assert "Jun-19 to May-21" in trend
    assert trend.count("<svg") == len(MEASURES)


def test_trend_charts_label_the_first_and_the_last_month(html: str) -> None:
    trend = html[html.index('id="trend"') : html.index('id="rates"')]
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
    exceptions = html[html.index('id="exceptions"') : html.index('id="trend"')]
    groups = re.findall(r'<tbody data-measure="([^"]+)">(.*?)</tbody>', exceptions, re.DOTALL)
    assert [measure for measure, _ in groups] == [m[0] for m in MEASURES]
    for (measure, body), e in zip(groups, BARNET_MAY, strict=True):
        assert body.count("<tr>") == 3, measure
        assert re.findall(r'class="col-month">([^<]+)<', body) == ["Mar-21", "Apr-21", "May-21"]
        flags = re.findall(r'class="col-result exc-word exc-([a-z]+)"', body)
        assert tuple(flags) == e.flags, measure


def test_glossary_comes_from_the_glossary_mart(parsed: ParsedPack) -> None:
    text = parsed.plain_text
    for term, definition, _ in GLOSSARY:
        assert term in text
        assert definition in text


def test_footer_lists_the_sources_release_months_and_attribution(parsed: ParsedPack) -> None:
    text = parsed.plain_text
    assert "MPS recorded crime, borough level, release May 2021" in text
    assert "ONS mid-year population estimates, release June 2021" in text
    assert (
        "Contains public sector information licensed under the Open Government Licence v3.0."
        in text
    )
    assert "Generated 1 July 2021, 09:30 UTC" in text


def test_same_inputs_and_generated_at_give_identical_files(
    published_db: Path, pack: PackOutput, tmp_path: Path
) -> None:
    again = build_pack(published_db, tmp_path / "again", "Barnet", MAY, generated_at=GENERATED_AT)
    assert again.html_path.read_bytes() == pack.html_path.read_bytes()
    assert again.xlsx_path.read_bytes() == pack.xlsx_path.read_bytes()


def test_a_later_build_differs_only_in_the_generation_time(
    published_db: Path, pack: PackOutput, tmp_path: Path
) -> None:
    later = build_pack(
        published_db, tmp_path, "Barnet", MAY, generated_at=dt.datetime(2021, 7, 2, 10, 0)
    )

    def without_time(text: str) -> str:
        return re.sub(r'<time datetime="[^"]*">[^<]*</time>', "<time/>", text)

    first = pack.html_path.read_text(encoding="utf-8")
    second = later.html_path.read_text(encoding="utf-8")
    assert first != second
    assert without_time(first) == without_time(second)


def test_generation_time_defaults_to_now_in_utc(published_db: Path, tmp_path: Path) -> None:
    before = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    out = build_pack(published_db, tmp_path, "Barnet", MAY)
    stamp = re.search(r'<time datetime="([^"]+)">', out.html_path.read_text(encoding="utf-8"))
    assert stamp is not None
    assert dt.datetime.fromisoformat(stamp.group(1)) >= before


def test_an_unknown_borough_or_month_is_a_clear_error(published_db: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"'Narnia'.*2021-05"):
        build_pack(published_db, tmp_path, "Narnia", MAY, generated_at=GENERATED_AT)
    with pytest.raises(ValueError, match=r"'Barnet'.*2019-01"):
        build_pack(published_db, tmp_path, "Barnet", dt.date(2019, 1, 1))
    with pytest.raises(ValueError, match="1st"):
        build_pack(published_db, tmp_path, "Barnet", dt.date(2021, 5, 31))
    assert not list(tmp_path.iterdir()), "nothing is written when the overview is empty"


def test_an_earlier_month_renders_its_own_figures(published_db: Path, tmp_path: Path) -> None:
    out = build_pack(published_db, tmp_path, "Barnet", APRIL, generated_at=GENERATED_AT)
    assert out.html_path.name == "board_pack_barnet_2021-04.html"
    parser = ParsedPack()
    parser.feed(out.html_path.read_text(encoding="utf-8"))
    assert parser.overview_rows["burglary"][3] == "7,002"
    assert parser.overview_rows["burglary"][7] == "31/32"
    assert [c[0] for c in parser.overview_rows["burglary"][8:11]] == ["▲", "▲", "▲"]


# --- The workbook -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook(pack: PackOutput) -> Iterator[openpyxl.Workbook]:
    wb = openpyxl.load_workbook(pack.xlsx_path)
    yield wb
    wb.close()


def test_workbook_has_one_sheet_per_section(workbook: openpyxl.Workbook) -> None:
    assert workbook.sheetnames == [
        "Overview", "Exceptions", "Monthly trend", "Rates", "Glossary", "Sources",
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
    rows = list(ws.iter_rows(min_row=2))
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


def test_workbook_detail_sheets_hold_numbers_and_dates(workbook: openpyxl.Workbook) -> None:
    trend = workbook["Monthly trend"]
    assert trend.max_row == 1 + 24 * len(MEASURES)
    first = trend[2]
    assert first[1].is_date and first[1].number_format == "mmm-yy"
    assert first[2].data_type == "n" and first[3].data_type == "n"
    rates = workbook["Rates"]
    assert rates.max_row == 1 + 32 * len(MEASURES)
    assert rates["E1"].value == "Rate per 1,000 (12 months to May 2021)"
    assert all(c.data_type == "n" and c.number_format == "0.00" for c in rates["E"][1:])
    glossary = workbook["Glossary"]
    assert [r[0].value for r in glossary.iter_rows(min_row=2)] == [g[0] for g in GLOSSARY]
    sources = workbook["Sources"]
    assert any(
        c.value == "Contains public sector information licensed under the Open Government "
        "Licence v3.0."
        for c in sources["A"]
    )


def test_workbook_is_stamped_with_the_generation_time(
    workbook: openpyxl.Workbook, pack: PackOutput
) -> None:
    assert workbook.properties.created == dt.datetime(2021, 7, 1, 9, 30)
    assert workbook.properties.modified == dt.datetime(2021, 7, 1, 9, 30)
    with zipfile.ZipFile(pack.xlsx_path) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2021, 7, 1, 9, 30, 0)}


# --- In a real browser ------------------------------------------------------------------------


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
        assert page.locator("svg.chart").count() == 2 * len(MEASURES)
        assert page.locator("svg.chart").first.bounding_box()["height"] > 100
        page.screenshot(path=str(ARTIFACTS / "board_pack_desktop.png"), full_page=True)

        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        assert overview.is_visible()
        # The page itself must not scroll sideways; only the table's own box may.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
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
        assert page.evaluate("document.documentElement.scrollWidth") <= width

        section = page.locator("section#exceptions")
        region = section.locator(".table-scroll")
        assert region.evaluate("el => el.scrollWidth <= el.clientWidth"), "it must not scroll"
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
