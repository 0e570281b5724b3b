"""`make run` as a user meets it: every mistake a sentence before anything runs, and a refresh
with a refused file that says which file, where, which rule, and what stayed published.

The command is run for real (`python -m orchestration.cli run`) in its own folders.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, PROJECT_ROOT, SAMPLE_RAW
from tests.support.webserver import folder_env as env_for

SLICE = FIXTURES / "mps" / "mps_2019_historical_201004-202201_slice.csv"


def cli(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "run", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize(
    ("args", "extra", "says"),
    [
        (["--month", "2021-13"], {}, "MONTH=2021-13: '2021-13' is not a month: expected YYYY-MM"),
        (["--month", "May 2021"], {}, "expected YYYY-MM"),
        (["--month", "2099-01"], {}, "a reporting month is a finished month"),
        (["--as-of", "2021-02-30"], {}, "AS_OF=2021-02-30: as_of '2021-02-30' is not a date"),
        ([], {"SCP_BOROUGH": "Barnett"}, "unknown borough 'Barnett'"),
        ([], {"SCP_FRESHNESS_DEADLINE_DAY": "40"}, "SCP_FRESHNESS_DEADLINE_DAY='40'"),
    ],
    ids=["month 13", "month in words", "future month", "no such day", "borough", "delivery day"],
)
def test_a_mistake_is_one_sentence_before_anything_runs(
    tmp_path: Path, args: list[str], extra: dict[str, str], says: str
) -> None:
    shutil.copytree(SAMPLE_RAW, tmp_path / "raw")
    done = cli(env_for(tmp_path, **extra), *args)
    assert done.returncode == 2
    assert says in done.stderr
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    assert not (tmp_path / "warehouse").exists(), "nothing ran"


def test_an_unknown_borough_lists_the_valid_ones(tmp_path: Path) -> None:
    shutil.copytree(SAMPLE_RAW, tmp_path / "raw")
    done = cli(env_for(tmp_path, SCP_BOROUGH="Barnett"))
    assert "Barking and Dagenham, Barnet, Bexley," in done.stderr
    assert "Westminster" in done.stderr


def test_a_missing_raw_folder_or_no_crime_file_is_a_sentence(tmp_path: Path) -> None:
    missing = cli(env_for(tmp_path))
    assert missing.returncode == 2
    assert f"SCP_RAW_DIR={tmp_path / 'raw'} is not a folder" in missing.stderr
    (tmp_path / "raw" / "met" / "recorded_crime").mkdir(parents=True)
    empty = cli(env_for(tmp_path))
    assert empty.returncode == 2
    assert "no readable MPS recorded crime, borough level file in" in empty.stderr


@pytest.fixture(scope="module")
def refused_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """A whole refresh, borough given in lower case, with a file that breaks the contract."""
    root = tmp_path_factory.mktemp("cli")
    shutil.copytree(SAMPLE_RAW, root / "raw")
    text = SLICE.read_bytes().decode("utf-8").replace(",Barnet,", ",Barnett,", 1)
    (root / "raw" / "met" / "recorded_crime" / "MPS_misspelt_borough.csv").write_text(
        text, encoding="utf-8", newline=""
    )
    done = cli(env_for(root, SCP_BOROUGH="barnet"), "--month", "2021-05", timeout=900)
    return done, root


def test_a_refused_file_is_named_with_its_row_and_rule_in_the_terminal(
    refused_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, _ = refused_run
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "Refused (each source keeps its last good data):" in out
    assert "raw/met_recorded_crime check known_boroughs: MPS_misspelt_borough.csv: row" in out
    assert "every borough is one the reference knows (check known_boroughs)" in out
    assert "borough_name 'Barnett'" in out
    assert "Published with refusals" in out


def test_the_other_releases_still_publish_and_the_overview_is_printed_for_the_borough(
    refused_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, root = refused_run
    out = done.stdout
    assert "met_recorded_crime" in out and "release 2024-01" in out
    assert "met_crime_dashboard" in out and "release 2026-03-18" in out
    assert "Crime overview, Barnet (E09000003), reporting month 2021-05" in out
    assert "Burglary" in out and "20/32" in out
    assert (
        root / "warehouse" / "published" / "packs" / "2021-05" / "board_pack_barnet_2021-05.html"
    ).is_file()
    # dbt's own progress lines go to a log file, not the terminal.
    assert "START sql table model" not in out
    assert "dbt's output:" in out
