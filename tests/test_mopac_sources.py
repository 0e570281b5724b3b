"""The MOPAC sources at their landing gate: the real PAS exports, the USS and IOM returns.

`sync_source` runs on a real DuckDB file with the project's real PAS exports and samples copied
into a landing folder in tmp_path, and variants made here with the csv module. What is expected
comes from the files themselves (their bytes, read with `codecs` and `csv`), from the board's
papers (`raw/SOURCES.md`) and from the contracts in `docs/source_contracts.md`, never from the
parsers.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.landing.contract import ContractError
from orchestration.landing.gate import SuiteOutcome
from orchestration.landing.load import SyncReport, sync_source
from orchestration.landing.source import Source
from orchestration.lib.periods import financial_label, parse_period
from orchestration.sources.mopac_iom import SOURCE as IOM
from orchestration.sources.mopac_pas import SOURCE as PAS
from orchestration.sources.mopac_pas.parser import PasParser
from orchestration.sources.mopac_uss import SOURCE as USS

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PAS_FOLDER = PROJECT_ROOT / "raw" / "mopac" / "pas"
USS_SAMPLE = PROJECT_ROOT / "raw" / "mopac" / "uss" / "uss_victim_satisfaction_2022-23_Q4.csv"
IOM_FOLDER = PROJECT_ROOT / "raw" / "mopac" / "iom"
IOM_SAMPLE = IOM_FOLDER / "iom_london_comparison_2022-23_Q4.csv"
LAMBETH_COPY = (
    PROJECT_ROOT
    / "tests"
    / "fixtures"
    / "mopac"
    / "public-perception-data_MPS_Dec-14_to_Sep-22_LambethCopy.csv"
)
FAIR = "all_borough_police_fair_june_2022.csv"
TODAY = date(2026, 11, 27)
LOADED_AT = datetime(2026, 11, 27, 6, 0, 0, tzinfo=UTC)


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def land(tmp_path: Path, source: Source, files: dict[str, bytes]) -> Path:
    raw_dir = tmp_path / "raw"
    folder = source.landing_folder(raw_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return raw_dir


def sync(con: duckdb.DuckDBPyConnection, source: Source, raw_dir: Path) -> SyncReport:
    return sync_source(con, source, raw_dir, today=TODAY, loaded_at=LOADED_AT)


def outcome(report: SyncReport, suite: str) -> SuiteOutcome:
    return next(o for o in report.outcomes if o.suite.name == suite)


def read_export(path: Path) -> tuple[str, list[list[str]]]:
    """A PAS export's delimiter and records, told apart here by the byte order mark and the
    header line: UTF-16 exports are tab-separated, the others comma-separated."""
    data = path.read_bytes()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16")
    else:
        text = data.decode("utf-8-sig")
    delimiter = "\t" if "\t" in text.split("\n", 1)[0] else ","
    return delimiter, list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def write_export(records: list[list[str]], delimiter: str, encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(records)
    return buffer.getvalue().encode(encoding)


# --- The real PAS exports -----------------------------------------------------------------------


def test_every_real_pas_export_loads_in_its_layout(tmp_path: Path, con) -> None:
    files = {path.name: path.read_bytes() for path in sorted(PAS_FOLDER.glob("*.csv"))}
    report = sync(con, PAS, land(tmp_path, PAS, files))
    assert report.refused == [] and len(report.loaded) == 9
    layouts = dict(
        con.execute("select distinct source_file, source_layout from raw.mopac_pas").fetchall()
    )
    expected = {}
    for name in files:
        delimiter, records = read_export(PAS_FOLDER / name)
        header = [field.lower() for field in records[0]]
        expected[name] = (
            "borough_export"
            if header[:3] == ["date", "measure", ""]
            else "london_series"
            if header == ["date", "measure", "proportion"]
            else "borough_trend"
        )
    assert layouts == expected
    assert sorted(set(expected.values())) == ["borough_export", "borough_trend", "london_series"]
    # Every suite passes on the real files, the rank check included: every export's Rank row
    # is empty, so it has nothing to judge until MOPAC prints ranks.
    assert all(o.passed for o in report.outcomes), [o.result.summary() for o in report.outcomes]
    assert outcome(report, "rank_consistent").result.rows == 0
    for name in files:
        _, records = read_export(PAS_FOLDER / name)
        if expected[name] == "borough_export":
            assert all(not value for value in records[2][3:]), name


def test_a_tab_separated_utf16_export_and_its_comma_separated_utf8_copy_give_the_same_figures(
    tmp_path: Path,
) -> None:
    delimiter, records = read_export(PAS_FOLDER / FAIR)
    assert delimiter == "\t" and (PAS_FOLDER / FAIR).read_bytes()[:2] == codecs.BOM_UTF16_LE
    copy = tmp_path / "fair_utf8.csv"
    copy.write_bytes(write_export(records, ",", "utf-8"))
    parser = PasParser()
    original, converted = parser.parse(PAS_FOLDER / FAIR), parser.parse(copy)
    columns = ["area_name", "measure_label", "period_start", "percent"]
    assert original.rows[columns].equals(converted.rows[columns])
    assert original.release == converted.release
    # Barnet's fair-treatment figure, read here from the export's own columns.
    barnet = records[1][records[0].index("Barnet")]
    row = original.rows[original.rows["area_name"] == "Barnet"].iloc[0]
    assert f"{row['percent']:g}%" == barnet == "71%"


@pytest.mark.parametrize(
    ("date_text", "quarter_start", "released_on"),
    [("Jun-22", date(2022, 4, 1), date(2022, 7, 1)),
     ("June 2022", date(2022, 4, 1), date(2022, 7, 1)),
     ("December 2014", date(2014, 10, 1), date(2015, 1, 1)),
     ("Mar-15", date(2015, 1, 1), date(2015, 4, 1))],
)  # fmt: skip
def test_a_pas_date_names_the_survey_quarter_it_ends_and_the_release_follows_it(
    tmp_path: Path, date_text: str, quarter_start: date, released_on: date
) -> None:
    path = tmp_path / "series.csv"
    path.write_text(f"date,measure,proportion\n{date_text},Police do a good job,50\n")
    parsed = PasParser().parse(path)
    assert parsed.rows["period_start"].iloc[0].date() == quarter_start
    assert parsed.release.released_on == released_on


def test_a_pas_date_that_is_not_a_quarters_last_month_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "series.csv"
    path.write_text("date,measure,proportion\nJul-22,Police do a good job,50\n")
    with pytest.raises(ContractError) as refused:
        PasParser().parse(path)
    assert refused.value.where == "row 2, column 'date'"
    assert "ends in March, June, September or December" in refused.value.rule


# --- Ranks: within 1..the boroughs, and the ones the proportions earn --------------------------


def ranked_export(records: list[list[str]], rank_of: Callable[..., int | None]) -> bytes:
    """The export with its Rank row filled in by `rank_of(area, percent, percents)`."""
    header, proportions = records[0], records[1]
    percents = {
        area: int(value.rstrip("%"))
        for area, value in zip(header[3:], proportions[3:], strict=True)
        if area != "MPS"
    }
    ranks = [rank_of(area, percents.get(area), percents) for area in header[3:]]
    rank_row = [*records[2][:3], *("" if r is None else str(r) for r in ranks)]
    return write_export([header, proportions, rank_row], "\t", "utf-16")


def earned(area: str, percent: int | None, percents: dict[str, int]) -> int | None:
    """1 + the boroughs with a higher percentage: the highest ranks 1, ties share."""
    if percent is None:
        return None
    return 1 + sum(1 for other in percents.values() if other > percent)


def test_ranks_that_follow_the_proportions_load(tmp_path: Path, con) -> None:
    _, records = read_export(PAS_FOLDER / FAIR)
    report = sync(con, PAS, land(tmp_path, PAS, {FAIR: ranked_export(records, earned)}))
    assert report.refused == []
    ranks = dict(
        con.execute(
            "select area_name, published_rank from raw.mopac_pas where published_rank is not null"
        ).fetchall()
    )
    # Hillingdon has the highest fair-treatment figure (78%), Lambeth the lowest (38%); Barnet,
    # Hounslow and Richmond share 71%, below Kingston (72%), Sutton (74%) and Hillingdon.
    assert (ranks["Hillingdon"], ranks["Lambeth"]) == (1, 32)
    assert ranks["Barnet"] == ranks["Hounslow"] == ranks["Richmond upon Thames"] == 4
    assert len(ranks) == 32 and "MPS" not in ranks


@pytest.mark.parametrize(
    ("fault", "area", "shows"),
    [
        ("a rank its proportion does not earn", "Barnet", "published_rank 5"),
        ("a rank beyond the number of boroughs", "Lambeth", "published_rank 33"),
        ("a rank for London", "MPS", "published_rank 1"),
    ],
)
def test_a_rank_that_breaks_the_rule_is_refused_naming_the_area(
    tmp_path: Path, con, fault: str, area: str, shows: str
) -> None:
    wrong = {"Barnet": 5, "Lambeth": 33, "MPS": 1}

    def rank_of(name: str, percent: int | None, percents: dict[str, int]) -> int | None:
        return wrong[name] if name == area else earned(name, percent, percents)

    _, records = read_export(PAS_FOLDER / FAIR)
    report = sync(con, PAS, land(tmp_path, PAS, {FAIR: ranked_export(records, rank_of)}))
    [verdict] = report.refused
    assert verdict.check == "rank_consistent" and verdict.where == "row 2", fault
    assert f"area_name '{area}'" in verdict.rule and shows in verdict.rule, verdict.message


# --- Area names through the reference -------------------------------------------------------


@pytest.mark.parametrize("name", ["City of Westminster", "Westminster", "E09000033", "westminster"])
def test_westminster_is_known_by_its_export_name_its_name_and_its_ons_code(
    tmp_path: Path, con, name: str
) -> None:
    _, records = read_export(PAS_FOLDER / FAIR)
    records[0][records[0].index("City of Westminster")] = name
    report = sync(con, PAS, land(tmp_path, PAS, {FAIR: write_export(records, "\t", "utf-16")}))
    assert report.refused == [] and [v.name for v in report.loaded] == [FAIR]


@pytest.mark.parametrize("name", ["MPS", "London", "Metropolitan Police Service", "E23000001"])
def test_london_is_known_as_mps_london_or_its_ons_code(tmp_path: Path, con, name: str) -> None:
    text = IOM_SAMPLE.read_text(encoding="utf-8").replace(
        "2022/23 Q4,London,", f"2022/23 Q4,{name},"
    )
    report = sync(con, IOM, land(tmp_path, IOM, {IOM_SAMPLE.name: text.encode()}))
    assert report.refused == [], report.verdicts


def test_a_borough_in_a_uss_return_is_refused_as_the_survey_reports_by_bcu(
    tmp_path: Path, con
) -> None:
    text = USS_SAMPLE.read_text(encoding="utf-8").replace("North West BCU", "Barnet")
    report = sync(con, USS, land(tmp_path, USS, {USS_SAMPLE.name: text.encode()}))
    [verdict] = report.refused
    assert (verdict.check, verdict.where) == ("known_areas", "row 4")
    assert "every area is a BCU or London" in verdict.rule
    assert "area_name 'Barnet', area_type 'borough'" in verdict.rule


def test_a_baseline_year_for_a_bcu_is_refused_as_baselines_are_londons(tmp_path: Path, con) -> None:
    text = USS_SAMPLE.read_text(encoding="utf-8") + "2020/21,North West,overall_satisfaction,70\n"
    report = sync(con, USS, land(tmp_path, USS, {USS_SAMPLE.name: text.encode()}))
    [verdict] = report.refused
    assert (verdict.check, verdict.where) == ("baselines_are_london", "row 6")


# --- The Lambeth copy: it loads alone, and its repeated quarter is flagged ----------------------


def test_the_lambeth_copy_landed_alone_loads_and_its_repeated_quarter_is_flagged(
    tmp_path: Path, con
) -> None:
    """The copy's Sep-22 rows repeat Dec-14's five figures (raw/SOURCES.md); the check warns
    and refuses nothing."""
    report = sync(con, PAS, land(tmp_path, PAS, {LAMBETH_COPY.name: LAMBETH_COPY.read_bytes()}))
    assert [v.name for v in report.loaded] == [LAMBETH_COPY.name] and report.refused == []
    assert report.loaded[0].release.label == "Sep-22"
    repeated = outcome(report, "repeated_quarter")
    assert not repeated.passed and not repeated.blocks
    where, what = repeated.explain()
    # The Sep-22 rows start on line 217 of the copy, read here with the csv module.
    _, records = read_export(LAMBETH_COPY)
    first = next(line for line, r in enumerate(records, start=1) if r[0] == "Sep-22")
    assert where == f"row {first}" == "row 217"
    assert "quarter 'Sep-22'" in what and "equals_quarter 'Dec-14'" in what
    sep = {r[1]: r[2] for r in records if r[0] == "Sep-22"}
    dec = {r[1]: r[2] for r in records if r[0] == "Dec-14"}
    assert sep == {measure: dec[measure] for measure in sep}


def test_the_2025_release_has_no_repeated_quarter(tmp_path: Path, con) -> None:
    series = PAS_FOLDER / "public-perception-data_MPS_Dec-14_to_Sep-25.csv"
    report = sync(con, PAS, land(tmp_path, PAS, {series.name: series.read_bytes()}))
    assert outcome(report, "repeated_quarter").passed


# --- IOM: the counts nest, the breakdowns sum to the cohort ------------------------------------


def harrow_as_printed() -> bytes:
    """The April 2023 report's table as printed: Harrow's charged during cohort is 73."""
    records = list(csv.reader(io.StringIO(IOM_SAMPLE.read_text(encoding="utf-8"))))
    harrow = next(r for r in records if r[1] == "Harrow")
    harrow[records[0].index("offenders_charged_during_cohort")] = "73"
    harrow[records[0].index("note")] = ""
    return write_export(records, ",", "utf-8")


def test_harrows_printed_73_is_refused_naming_the_file_the_row_and_the_rule(
    tmp_path: Path, con
) -> None:
    report = sync(con, IOM, land(tmp_path, IOM, {"iom_as_printed.csv": harrow_as_printed()}))
    [verdict] = report.refused
    assert (verdict.check, verdict.where) == ("charged_within_cohort", "row 5")
    assert verdict.message.startswith("iom_as_printed.csv: row 5: ")
    assert (
        "offenders_charged_during_cohort <= offenders_charged <= offenders_in_cohort"
        in verdict.rule
    )
    assert "'Harrow'" in verdict.rule and "offenders_charged_during_cohort 73" in verdict.rule
    assert "offenders_charged 17" in verdict.rule
    assert con.execute("select count(*) from raw.mopac_iom").fetchone() == (0,)


def test_the_correct_return_beside_the_printed_one_loads_every_area(tmp_path: Path, con) -> None:
    """All or nothing per file: the printed table is refused whole, and the correct return
    landed beside it loads all four areas, Harrow included (its figure left empty)."""
    raw_dir = land(
        tmp_path,
        IOM,
        {"iom_as_printed.csv": harrow_as_printed(), IOM_SAMPLE.name: IOM_SAMPLE.read_bytes()},
    )
    report = sync(con, IOM, raw_dir)
    assert [v.name for v in report.refused] == ["iom_as_printed.csv"]
    assert [v.name for v in report.loaded] == [IOM_SAMPLE.name]
    rows = con.execute(
        "select area_name, offenders_charged_during_cohort from raw.mopac_iom order by source_row"
    ).fetchall()
    assert rows == [("London", 593), ("Barnet", 27), ("Brent", 35), ("Harrow", None)]


def test_the_july_2021_risk_matrix_is_refused_as_it_does_not_sum_to_the_cohort(
    tmp_path: Path, con
) -> None:
    """Red 35 + Amber 16 + Green 9 + Blue 19 = 79, against a cohort of 97 (2021 Q2)."""
    sample = IOM_FOLDER / "iom_barnet_2020Q1-2021Q2.csv"
    records = list(csv.reader(io.StringIO(sample.read_text(encoding="utf-8"))))
    q2 = records[-1]
    for column, value in zip(
        ("risk_red", "risk_amber", "risk_green", "risk_blue"), ("35", "16", "9", "19"), strict=True
    ):
        q2[records[0].index(column)] = value
    report = sync(con, IOM, land(tmp_path, IOM, {sample.name: write_export(records, ",", "utf-8")}))
    [verdict] = report.refused
    assert (verdict.check, verdict.where) == ("breakdowns_sum_to_cohort", "row 7")
    assert "breakdown 'risk matrix'" in verdict.rule
    assert "offenders_in_cohort 97" in verdict.rule and "breakdown_total 79" in verdict.rule


def test_an_empty_iom_count_needs_a_note(tmp_path: Path) -> None:
    text = IOM_SAMPLE.read_text(encoding="utf-8")
    records = list(csv.reader(io.StringIO(text)))
    records[-1][records[0].index("note")] = ""
    path = tmp_path / "no_note.csv"
    path.write_bytes(write_export(records, ",", "utf-8"))
    with pytest.raises(ContractError) as refused:
        IOM.parser.parse(path)
    assert refused.value.where == "row 5, column 'offenders_charged_during_cohort'"
    assert "needs a note" in refused.value.rule


# --- IOM: the cohort's profile and the cost of crime ------------------------------------------

# The April 2023 report, §5.1.18, typed from the paper: Barnet's cohort of 105 in Q4 2022/23.
APRIL_2023_PROFILE = {
    "ethnicity_asian": 16, "ethnicity_black": 33, "ethnicity_other": 3, "ethnicity_white": 53,
    "gender_male": 101, "gender_female": 4,
    "age_17_and_a_half": 3, "age_18_24": 27, "age_25_34": 30, "age_35_44": 32, "age_45_plus": 13,
}  # fmt: skip
# The July 2021 pack's "IOM Cost of Crime Savings" table, typed from the paper.
JULY_2021_COST_OF_CRIME = {
    "cost_offenders": 279,
    "cost_before_gbp": 6809153, "offences_before": 2158,
    "cost_during_gbp": 10662180, "offences_during": 3071,
    "cost_after_gbp": 1829150, "offences_after": 561,
}  # fmt: skip
JULY_2021_SAMPLE = IOM_FOLDER / "iom_barnet_2020Q1-2021Q2.csv"
# The IOM return's columns before the profile and the cost of crime were added.
IOM_COLUMNS_BEFORE = (
    "quarter", "area", "offenders_in_cohort", "offenders_charged",
    "offenders_charged_during_cohort", "charged_offences", "risk_red", "risk_amber",
    "risk_green", "risk_blue", "statutory", "non_statutory", "reported_rate_pct", "note",
)  # fmt: skip


def iom_records(path: Path = IOM_SAMPLE) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_barnets_profile_in_the_sample_return_is_the_april_2023_reports(tmp_path: Path) -> None:
    frame = IOM.parser.parse(IOM_SAMPLE).rows
    barnet = frame[frame["area_name"] == "Barnet"].iloc[0]
    assert {name: int(barnet[name]) for name in APRIL_2023_PROFILE} == APRIL_2023_PROFILE
    assert int(barnet["offenders_in_cohort"]) == 105
    # The other areas' profiles are not in the paper, so they are empty, not 0.
    others = frame[frame["area_name"] != "Barnet"]
    assert others[list(APRIL_2023_PROFILE)].isna().all().all()


def test_the_cost_of_crime_in_the_sample_return_is_the_july_2021_packs_table() -> None:
    frame = IOM.parser.parse(JULY_2021_SAMPLE).rows
    carried = frame[frame["cost_offenders"].notna()]
    assert list(carried["quarter_text"]) == ["2021 Q2"]
    row = carried.iloc[0]
    assert {name: int(row[name]) for name in JULY_2021_COST_OF_CRIME} == JULY_2021_COST_OF_CRIME


def test_a_return_without_the_optional_groups_still_reads(tmp_path: Path) -> None:
    """A return in the layout before the profile and the cost of crime were added."""
    records = iom_records()
    keep = [i for i, name in enumerate(records[0]) if name in IOM_COLUMNS_BEFORE]
    path = tmp_path / "iom_old_layout.csv"
    path.write_bytes(write_export([[r[i] for i in keep] for r in records], ",", "utf-8"))
    frame = IOM.parser.parse(path).rows
    assert list(frame["area_name"]) == ["London", "Barnet", "Brent", "Harrow"]
    assert frame["gender_male"].isna().all() and frame["cost_offenders"].isna().all()


def test_a_gender_split_that_does_not_sum_to_the_cohort_is_refused_naming_the_row_and_rule(
    tmp_path: Path, con
) -> None:
    """Q3's 13 women (the paper: Q4's 4 are "a reduction of 9 females from Q3") typed into
    Q4: 101 + 13 = 114, not the cohort of 105."""
    records = iom_records()
    barnet = next(r for r in records if r[1] == "Barnet")
    barnet[records[0].index("gender_female")] = "13"
    report = sync(
        con, IOM, land(tmp_path, IOM, {"iom_q4.csv": write_export(records, ",", "utf-8")})
    )
    [verdict] = report.refused
    assert (verdict.check, verdict.where) == ("breakdowns_sum_to_cohort", "row 3")
    assert verdict.message.startswith("iom_q4.csv: row 3: ")
    assert "breakdown 'gender'" in verdict.rule
    assert "offenders_in_cohort 105" in verdict.rule and "breakdown_total 114" in verdict.rule
    assert con.execute("select count(*) from raw.mopac_iom").fetchone() == (0,)


@pytest.mark.parametrize(
    ("column", "value", "total"),
    [("ethnicity_white", "52", 104), ("age_45_plus", "14", 106)],
)
def test_an_ethnicity_or_age_breakdown_off_the_cohort_is_refused(
    tmp_path: Path, con, column: str, value: str, total: int
) -> None:
    records = iom_records()
    barnet = next(r for r in records if r[1] == "Barnet")
    barnet[records[0].index(column)] = value
    report = sync(
        con, IOM, land(tmp_path, IOM, {"iom_q4.csv": write_export(records, ",", "utf-8")})
    )
    [verdict] = report.refused
    assert (verdict.check, verdict.where) == ("breakdowns_sum_to_cohort", "row 3")
    assert f"breakdown_total {total}" in verdict.rule


def test_a_breakdown_given_in_part_on_a_row_is_refused_naming_its_columns(tmp_path: Path) -> None:
    records = iom_records()
    barnet = next(r for r in records if r[1] == "Barnet")
    barnet[records[0].index("age_17_and_a_half")] = ""
    path = tmp_path / "iom_q4.csv"
    path.write_bytes(write_export(records, ",", "utf-8"))
    with pytest.raises(ContractError) as refused:
        IOM.parser.parse(path)
    assert refused.value.where == "row 3"
    assert "age_17_and_a_half, age_18_24" in refused.value.rule
    assert "given together or all left empty" in refused.value.rule


def test_a_header_with_part_of_a_group_is_refused_naming_the_missing_columns(
    tmp_path: Path,
) -> None:
    records = iom_records(JULY_2021_SAMPLE)
    drop = records[0].index("offences_after")
    path = tmp_path / "iom_cost.csv"
    path.write_bytes(write_export([r[:drop] + r[drop + 1 :] for r in records], ",", "utf-8"))
    with pytest.raises(ContractError) as refused:
        IOM.parser.parse(path)
    assert refused.value.where == "header"
    assert refused.value.rule.endswith("without offences_after")


# --- Quarters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [("2022/23 Q4", date(2023, 1, 1), date(2023, 3, 31), "2022/23 Q4"),
     ("2022/23 Q1", date(2022, 4, 1), date(2022, 6, 30), "2022/23 Q1"),
     ("2020 Q1", date(2020, 1, 1), date(2020, 3, 31), "2019/20 Q4"),
     ("2021 Q2", date(2021, 4, 1), date(2021, 6, 30), "2021/22 Q1"),
     ("2020/21", date(2020, 4, 1), date(2021, 3, 31), "2020/21")],
)  # fmt: skip
def test_a_quarter_is_read_the_financial_or_the_calendar_way_and_labelled_the_boards_way(
    text: str, start: date, end: date, label: str
) -> None:
    period = parse_period(text, years=True)
    assert period is not None
    assert (period.start, period.end, financial_label(period)) == (start, end, label)


@pytest.mark.parametrize("text", ["2022/24 Q1", "2022 Q5", "Q4 2022/23", "2022-23 Q4", "2020/21"])
def test_a_quarter_in_no_accepted_form_is_not_read(text: str) -> None:
    assert parse_period(text) is None


def test_a_rank_that_is_not_a_whole_number_is_refused_naming_its_cell(tmp_path: Path) -> None:
    _, records = read_export(PAS_FOLDER / FAIR)
    barnet = records[0].index("Barnet")
    records[2][barnet] = "4th"
    path = tmp_path / FAIR
    path.write_bytes(write_export(records, "\t", "utf-16"))
    with pytest.raises(ContractError) as refused:
        PasParser().parse(path)
    assert refused.value.where == f"row 3, column {barnet + 1} ('Barnet')"
    assert refused.value.rule.startswith("ranks must be whole numbers >= 0")
