"""Ward-level recorded crime: the parser on slices of both real ward files, and the crosswalk.

The parser is held to the fixtures read with the csv module; the crosswalk's fitting to weights
made up here (data generated from known weights must give those weights back) and to the
definition of a projection onto the simplex, worked out by bisection rather than by sorting.
"""

from __future__ import annotations

import csv
import itertools
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from orchestration.landing.contract import ContractError
from orchestration.sources.met_ward_crime import SOURCE
from orchestration.sources.met_ward_crime.crosswalk import (
    fit_borough,
    fit_crosswalk,
    fit_weights,
    overlap_fingerprints,
    project_rows_to_simplex,
)
from orchestration.sources.met_ward_crime.parser import MpsWardCrimeParser

FIXTURES = Path(__file__).parent / "fixtures" / "mps"
OLD_WARDS = FIXTURES / "mps_ward_old_wards_202009-202208_slice.csv"
WARDS_2022 = FIXTURES / "mps_ward_wards2022_202109-202308_slice.csv"
BOROUGH_FILE = FIXTURES / "mps_2019_24_months_201909-202108_slice.csv"
PARSER = MpsWardCrimeParser()
KEYS = 5  # MajorText, MinorText, WardName, WardCode, LookUp_BoroughName

ward_files = pytest.mark.parametrize(
    ("path", "release", "boroughs"),
    [(OLD_WARDS, date(2022, 8, 1), 32), (WARDS_2022, date(2023, 8, 1), 33)],
    ids=["old wards", "2022 wards"],
)


def _records(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    return records[0], records[1:]


# --- the parser --------------------------------------------------------------------------------


@ward_files
def test_a_ward_file_is_read_in_its_layout_with_its_release_the_last_month_column(
    path: Path, release: date, boroughs: int
) -> None:
    parsed = PARSER.parse(path)
    header, _ = _records(path)
    assert parsed.release.last_period == release
    assert parsed.release.first_period == datetime.strptime(header[KEYS], "%Y%m").date()
    assert set(parsed.frame().source_layout) == {"mps_2019"}
    assert list(parsed.frame().columns) == ["source_row", *SOURCE.columns]
    assert parsed.frame().borough_name.nunique() == boroughs


@ward_files
def test_every_count_of_a_ward_file_matches_the_file_cell_by_cell(
    path: Path, release: date, boroughs: int
) -> None:
    header, body = _records(path)
    expected = {
        (line, *record[:KEYS], datetime.strptime(column, "%Y%m").date()): int(value)
        for line, record in enumerate(body, start=2)
        for column, value in zip(header[KEYS:], record[KEYS:], strict=True)
    }
    rows = PARSER.parse(path).frame()
    actual = {
        (
            row.source_row,
            row.major_text,
            row.minor_text,
            row.ward_name,
            row.ward_code,
            row.borough_name,
            row.month.date(),
        ): row.offence_count
        for row in rows.itertuples()
    }
    assert actual == expected


def test_a_quoted_ward_name_with_an_apostrophe_is_one_field() -> None:
    quoted = [line for line in OLD_WARDS.read_text().splitlines() if line.count('"') == 2]
    assert quoted, "the old-ward slice has ward names the Met quotes"
    names = {next(csv.reader([line]))[2] for line in quoted}
    assert names <= set(PARSER.parse(OLD_WARDS).frame().ward_name)


def test_peek_gives_the_release_from_the_header_alone(tmp_path: Path) -> None:
    header = WARDS_2022.read_bytes().split(b"\n", 1)[0] + b"\n"
    (tmp_path / WARDS_2022.name).write_bytes(header)
    assert PARSER.peek(tmp_path / WARDS_2022.name).last_period == date(2023, 8, 1)


def test_a_borough_level_file_in_the_ward_folder_is_refused_as_borough_level() -> None:
    with pytest.raises(ContractError) as caught:
        PARSER.parse(BOROUGH_FILE)
    assert caught.value.where == "header"
    assert "borough-level" in caught.value.rule and "raw/met/recorded_crime/" in caught.value.rule


def test_a_ward_row_with_no_ward_code_is_refused_naming_row_and_column(tmp_path: Path) -> None:
    header, body = _records(WARDS_2022)
    body[3][3] = ""
    path = tmp_path / WARDS_2022.name
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *body])
    with pytest.raises(ContractError) as caught:
        PARSER.parse(path)
    assert "row 5" in caught.value.where and "WardCode" in caught.value.where


# --- the crosswalk -----------------------------------------------------------------------------


def _projection_by_bisection(row: np.ndarray) -> np.ndarray:
    """The point of the simplex nearest `row`: max(row - t, 0) with t making it sum to 1,
    t found by bisection (the definition, not the sorting algorithm under test)."""
    low, high = float(row.min()) - 1.0, float(row.max())
    for _ in range(200):
        middle = (low + high) / 2
        if np.maximum(row - middle, 0.0).sum() > 1.0:
            low = middle
        else:
            high = middle
    return np.maximum(row - (low + high) / 2, 0.0)


def test_each_row_is_projected_to_the_nearest_point_of_the_simplex() -> None:
    rows = np.random.default_rng(7).normal(scale=2.0, size=(50, 6))
    rows[0] = [0.2, 0.3, 0.5, 0.0, 0.0, 0.0]  # already on the simplex: unchanged
    projected = project_rows_to_simplex(rows)
    expected = np.vstack([_projection_by_bisection(row) for row in rows])
    np.testing.assert_allclose(projected, expected, atol=1e-9)
    np.testing.assert_allclose(projected[0], rows[0], atol=1e-12)
    assert (projected >= 0).all()
    np.testing.assert_allclose(projected.sum(axis=1), 1.0, atol=1e-9)


def _split(weights: np.ndarray, observations: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Old-ward counts and the new-ward counts they make under `weights`, exactly."""
    old = np.random.default_rng(seed).poisson(30, size=(observations, weights.shape[0]))
    return old.astype(float), old @ weights


def test_weights_that_made_the_new_wards_counts_are_recovered() -> None:
    # Three old wards into four new ones: one kept whole, one split in two, one in three.
    true = np.array(
        [
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 0.6, 0.4, 0.0],
            [0.0, 0.1, 0.2, 0.7],
        ]
    )
    old, new = _split(true, observations=120, seed=3)
    np.testing.assert_allclose(fit_weights(old, new), true, atol=2e-3)


def _long(generation: str, counts: np.ndarray, wards: list[str], months: list[date]) -> list:
    """Rows of the overlap frame: one observation per (category, month)."""
    observations = list(itertools.product(["burglary", "robbery", "theft"], months))
    return [
        (generation, ward, category, month, float(counts[i, j]))
        for i, (category, month) in enumerate(observations)
        for j, ward in enumerate(wards)
    ]


def test_a_borough_fit_is_scored_on_months_it_did_not_see_and_beats_the_even_split() -> None:
    true = np.array([[0.8, 0.2, 0.0], [0.0, 0.3, 0.7]])
    months = [date(2021, m, 1) for m in range(1, 13)]
    old, new = _split(true, observations=3 * len(months), seed=11)
    frame = pd.DataFrame(
        _long("old", old, ["O1", "O2"], months) + _long("new", new, ["N1", "N2", "N3"], months),
        columns=["generation", "ward_code", "category", "month", "offence_count"],
    )
    fit = fit_borough(frame)
    assert (fit.old_wards, fit.new_wards) == (["O1", "O2"], ["N1", "N2", "N3"])
    np.testing.assert_allclose(fit.weights, true, atol=5e-3)
    # Noise-free counts: the weights learnt on six months rebuild the other six almost exactly,
    # and the borough-share split, which ignores where each old ward's crimes were, cannot.
    assert fit.holdout_wape is not None and fit.baseline_wape is not None
    assert fit.holdout_wape < 0.01 < fit.baseline_wape


def test_the_published_crosswalk_keeps_each_old_wards_crimes_whole() -> None:
    months = [date(2021, m, 1) for m in range(1, 13)]
    frames = []
    for borough, seed in (("E09000003", 1), ("E09000017", 2)):
        true = np.random.default_rng(seed).dirichlet(np.ones(4) * 0.3, size=3)
        old, new = _split(true, 3 * len(months), seed)
        part = pd.DataFrame(
            _long("old", old, [f"{borough}-o{i}" for i in range(3)], months)
            + _long("new", new, [f"{borough}-n{i}" for i in range(4)], months),
            columns=["generation", "ward_code", "category", "month", "offence_count"],
        )
        frames.append(part.assign(borough_code=borough))
    crosswalk = fit_crosswalk(pd.concat(frames))
    sums = crosswalk.groupby(["borough_code", "old_ward_code"])["weight"].sum()
    assert len(sums) == 6
    np.testing.assert_allclose(sums.to_numpy(), 1.0, atol=1e-12)
    assert (crosswalk.weight > 0.0005).all()
    assert set(crosswalk.borough_code) == {"E09000003", "E09000017"}
    # No old ward is mapped into another borough's wards.
    assert all(
        row.old_ward_code.split("-")[0] == row.new_ward_code.split("-")[0] == row.borough_code
        for row in crosswalk.itertuples()
    )


def test_an_overlaps_fingerprint_ignores_row_order_and_changes_with_any_count() -> None:
    frame = pd.DataFrame(
        {
            "borough_code": ["E09000003"] * 3 + ["E09000017"],
            "generation": ["old", "new", "new", "old"],
            "ward_code": ["E050", "E051", "E052", "E060"],
            "category": ["burglary"] * 4,
            "month": pd.to_datetime(["2021-09-01"] * 4),
            "offence_count": [10, 6, 4, 7],
        }
    )
    prints = overlap_fingerprints(frame)
    assert set(prints) == {"E09000003", "E09000017"}
    assert overlap_fingerprints(frame.iloc[::-1]) == prints
    changed = frame.assign(offence_count=[10, 6, 5, 7])
    again = overlap_fingerprints(changed)
    assert again["E09000003"] != prints["E09000003"]
    assert again["E09000017"] == prints["E09000017"]
