"""End to end: "What changed since the last pack" in Barnet's September 2021 pack, built from
the session's published marts (the refresh for 2021-05 publishes every month's rows, so the
2021-09 pack costs one build_pack call, not a second refresh).

The sample's MPS releases overlap: the 24 months to 2021-08 and the historical file to 2022-01
both hold 2019-09 to 2021-08. The September pack's previous month is August 2021; the release
in force for the August pack was the 24-month file (release 2021-08) and the figure now comes
from the historical file (release 2022-01). The expected figures are worked out here with the
csv module from the two raw files (Barnet's 202108 column in each) and the dbt seeds that
declare how the Met's categories map to the board's measures (crime_category_map,
kpi_measures), and the threshold from dbt_project.yml's vars, not from the model.
"""

from __future__ import annotations

import csv
import datetime as dt
import html as html_lib
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import yaml

from orchestration.lib.boroughs import Borough
from orchestration.publish.pack import build_pack
from tests.conftest import PROJECT_ROOT, SAMPLE_RAW, PipelineRun
from tests.support.reference import seed_rows

# On the worker that runs the session's refresh (tests/conftest.py), whose marts this reads.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("session")]

BARNET = Borough("E09000003", "Barnet")
SEPTEMBER = dt.date(2021, 9, 1)
CRIME_DIR = SAMPLE_RAW / "met" / "recorded_crime"
PUBLISHED_THEN = CRIME_DIR / "MPS_Borough_Level_Crime_most_recent_24_months_201909-202108.csv"
NOW = CRIME_DIR / "MPS_Borough_Level_Crime_Historical_201004-202201.csv"
LAYOUT = "mps_2019"


def barnet_august_by_measure(path: Path) -> dict[str, int]:
    """Barnet's 202108 counts in one raw file, summed into the board's measures."""
    categories = {
        (row["source_major_text"].lower(), row["source_minor_text"].lower()): row
        for row in seed_rows("crime_category_map")
        if row["source_layout"] == LAYOUT
    }
    measures = [row for row in seed_rows("kpi_measures") if row["category_scheme"] == LAYOUT]
    totals = {row["measure"]: 0 for row in measures}
    with path.open(newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if row["LookUp_BoroughName"].strip() != "Barnet":
                continue
            key = (row["MajorText"].strip().lower(), row["MinorText"].strip().lower())
            assert key in categories, f"{path.name}: no mapping for {key}"
            category = categories[key]
            for measure in measures:
                level_key = category[f"{measure['category_level']}_category_key"]
                if level_key == measure["category_key"]:
                    totals[measure["measure"]] += int(row["202108"])
    return totals


def moved(published: int, now: int, min_pct: float, min_offences: int) -> bool:
    change = abs(now - published)
    return change >= min_offences and (published == 0 or change * 100 >= min_pct * published)


def plain(fragment: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


@pytest.fixture(scope="module")
def page(pipeline: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = build_pack(
        pipeline.published_db,
        tmp_path_factory.mktemp("pack_2021-09"),
        BARNET,
        SEPTEMBER,
        pdf=False,
    )
    return out.html_path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def section(page: str) -> str:
    start = page.index('<section id="revisions"')
    return page[start : page.index("</section>", start)]


def test_page_one_lists_the_same_revised_figures_as_the_section(page: str, section: str) -> None:
    start = page.index('<section id="page_one"')
    summary = page[start : page.index("</section>", start)]
    listed = re.findall(r'<tr data-measure="([^"]+)">', section)
    on_page_one = re.findall(r'<li data-section="revisions" data-measure="([^"]+)">', summary)
    assert listed and on_page_one == listed
    assert f"Changed since the last pack ({len(listed)})" in plain(summary)


def test_the_september_pack_lists_the_august_figures_the_later_release_revised(
    section: str,
) -> None:
    variables = yaml.safe_load((PROJECT_ROOT / "dbt_project" / "dbt_project.yml").read_text())
    min_pct = variables["vars"]["revision_min_change_pct"]
    min_offences = variables["vars"]["revision_min_change_offences"]
    then = barnet_august_by_measure(PUBLISHED_THEN)
    now = barnet_august_by_measure(NOW)
    labels = {row["measure"]: row["measure_label"] for row in seed_rows("kpi_measures")}
    order = {row["measure"]: int(row["sort_order"]) for row in seed_rows("kpi_measures")}
    expected = sorted(
        (m for m in then if moved(then[m], now[m], min_pct, min_offences)), key=order.__getitem__
    )
    # The two releases disagree on August 2021, and the rule lists some of it.
    assert any(then[m] != now[m] for m in then)
    assert expected, "the sample's revisions no longer reach the threshold"

    assert f"by {min_pct:g}% or more and by at least {min_offences} offences" in plain(section)
    assert "release 2021-08" in plain(section) and "release 2022-01" in plain(section)
    rows = re.findall(r'<tr data-measure="([^"]+)">(.*?)</tr>', section, re.DOTALL)
    assert [measure for measure, _ in rows] == expected
    for measure, cells in rows:
        texts = [plain(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", cells, re.DOTALL)]
        change = now[measure] - then[measure]
        assert texts[:4] == [labels[measure], f"{then[measure]:,}", f"{now[measure]:,}",
                             f"{change:+,d}"], measure  # fmt: skip
        percent = (Decimal(100 * change) / then[measure]).quantize(Decimal(1), ROUND_HALF_UP)
        assert texts[4] == (f"{percent:+}%" if percent else "0%"), measure
        assert texts[5] == "2022-01", measure
