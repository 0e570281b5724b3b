"""`make run` as a user meets it: every mistake a sentence before anything runs.

The command is run for real (`python -m orchestration.cli run`) in its own folders. A whole
refresh through the command, with a refused file, is in test_recovery.py (the run after a
killed one).
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


def test_a_missing_raw_folder_or_one_with_no_file_at_all_is_a_sentence(tmp_path: Path) -> None:
    missing = cli(env_for(tmp_path))
    assert missing.returncode == 2
    assert f"SCP_RAW_DIR={tmp_path / 'raw'} is not a folder" in missing.stderr
    (tmp_path / "raw" / "met" / "recorded_crime").mkdir(parents=True)
    empty = cli(env_for(tmp_path))
    assert empty.returncode == 2
    assert f"no source has a file in {tmp_path / 'raw'}" in empty.stderr
    assert "is SCP_RAW_DIR right?" in empty.stderr
    assert "Traceback" not in empty.stderr


def test_without_a_crime_file_the_month_must_be_given(tmp_path: Path) -> None:
    """The Met's recorded crime sets the pack's default month; a partnership with other
    sources only says which month it wants."""
    shutil.copytree(SAMPLE_RAW / "mopac" / "uss", tmp_path / "raw" / "mopac" / "uss")
    done = cli(env_for(tmp_path))
    assert done.returncode == 2
    assert "no readable MPS recorded crime, borough level file in" in done.stderr
    assert "give MONTH=YYYY-MM" in done.stderr


def test_a_source_the_partnership_does_not_have_is_refused_by_name(tmp_path: Path) -> None:
    shutil.copytree(SAMPLE_RAW, tmp_path / "raw")
    done = cli(env_for(tmp_path, SCP_SOURCES="met_recorded_crime,met_burglary_alarms"))
    assert done.returncode == 2
    assert "SCP_SOURCES names 'met_burglary_alarms', which is not a source" in done.stderr
    assert "met_recorded_crime, met_ward_crime" in done.stderr or "met_asb_calls" in done.stderr
