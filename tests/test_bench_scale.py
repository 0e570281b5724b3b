"""`make bench SCALE=...`'s generator and report, at a tiny scale (a second or two).

The generator must write the Met's real ward layout (the project's own parser accepts its three
files, and the values it reports are the cells counted back from the file with the csv module),
its synthetic wards must sit in their real ward's borough in the copied seed, and the report
must hold every field the README quotes, with slopes worked out here by hand.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import scripts.bench_scale as bench
from orchestration.sources.met_ward_crime.parser import MpsWardCrimeParser


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> bench.Generated:
    return bench.generate(tmp_path_factory.mktemp("tiny"), months=3, copies=3, max_wards=2)


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_the_files_are_in_the_met_ward_layout(tiny: bench.Generated) -> None:
    history = _rows(tiny.history)
    assert history[0] == [*bench.KEYS, "201409", "201410", "201411"]
    assert _rows(tiny.release)[0][len(bench.KEYS) :] == ["201409", "201410", "201411", "201412"]
    assert _rows(tiny.one_month)[0][len(bench.KEYS) :] == ["201409"]
    assert all(len(row) == len(bench.KEYS) + 3 for row in history)
    # Two real wards, each with two synthetic copies in its own borough.
    wards = {tuple(row[2:5]) for row in history[1:]}
    assert len(wards) == 6
    real = {ward for ward in wards if not ward[1].startswith("Z")}
    assert len(real) == 2
    for name, code, borough in real:
        assert {(f"{name} (copy {n})", f"Z{n:02d}{code[-6:]}", borough) for n in (1, 2)} <= wards
    # No row is zero in every month, as the Met omits them; the values are the cells.
    assert all(any(int(v) for v in row[len(bench.KEYS) :]) for row in history[1:])
    assert tiny.values == (len(history) - 1) * 3


def test_the_parser_takes_every_file(tiny: bench.Generated) -> None:
    parser = MpsWardCrimeParser()
    parsed = parser.parse(tiny.history)
    assert parsed.rows.num_rows == tiny.values
    assert parser.parse(tiny.release).release.label == "2014-12"
    assert parser.parse(tiny.one_month).release.label == "2014-09"


def test_the_copied_seed_lists_the_synthetic_wards(tiny: bench.Generated, tmp_path: Path) -> None:
    project = bench.project_copy(tmp_path / "project", tiny.wards)
    seed = {row[0]: row for row in _rows(project / bench.WARD_SEED)[1:]}
    original = {row[0]: row for row in _rows(bench.PROJECT_ROOT / bench.WARD_SEED)[1:]}
    assert len(seed) == len(original) + 4
    for ward, real in tiny.wards:
        assert seed[ward[1]][1] == ward[0]
        assert seed[ward[1]][2] == original[real[1]][2]  # the real ward's borough code
    assert (project / "orchestration" / "lib" / "config.py").is_file()


def _report(scale: str, values: int, pipeline: float, duckdb: float) -> dict:
    report = {name: 1 for name in bench.REQUIRED_FIELDS}
    report.update(scale=scale, values=values, pipeline_s=pipeline, duckdb_s=duckdb)
    return report


def test_the_report_has_every_field_and_the_slopes(tmp_path: Path) -> None:
    small = bench.write_report(_report("small", 1_000_000, 10.0, 2.0), tmp_path)
    written = json.loads(small.read_text())
    assert set(bench.REQUIRED_FIELDS) <= set(written)
    assert written["slopes"] == {}
    large = json.loads(
        bench.write_report(_report("large", 11_000_000, 30.0, 7.0), tmp_path).read_text()
    )
    # (30 - 10) / 10 million values = 2 s per million; bare DuckDB (7 - 2) / 10 = 0.5.
    slopes = large["slopes"]["small"]
    assert slopes["pipeline_s_per_million"] == pytest.approx(2.0)
    assert slopes["duckdb_s_per_million"] == pytest.approx(0.5)
    assert slopes["pipeline_over_duckdb"] == pytest.approx(4.0)
    incomplete = _report("broken", 5, 1.0, 1.0)
    del incomplete["pandas_peak_rss_mib"]
    with pytest.raises(ValueError, match="pandas_peak_rss_mib"):
        bench.write_report(incomplete, tmp_path)
    # A run's steps so far (or a failed run's) are written as incomplete, without slopes.
    partial = json.loads(bench.write_report(incomplete, tmp_path, partial=True).read_text())
    assert (partial["complete"], partial["slopes"]) == (False, {})
    assert written["complete"] and large["complete"]
