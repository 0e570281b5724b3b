"""`make template` and `make validate` as a provider's contact in the data team runs them: a
blank return for a quarter, checked as it is (every missing measure named by its cell), then
filled in with the board's figures and checked again (ready to send)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl

from tests.conftest import PROJECT_ROOT, SAMPLE_RAW


def make(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-s", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_make_template_then_make_validate_names_what_is_missing_and_passes_once_filled(
    tmp_path: Path,
) -> None:
    shutil.copytree(SAMPLE_RAW, tmp_path / "raw")
    env = {**os.environ, "SCP_RAW_DIR": str(tmp_path / "raw")}
    out = tmp_path / "templates"

    made = make("template", "PROVIDER=one_stop_shop", "QUARTER=2023-24-Q1", f"OUT={out}", env=env)
    assert made.returncode == 0, made.stderr
    path = out / "one_stop_shop_2023-24-Q1.xlsx"
    assert f"wrote {path}" in made.stdout

    blank = make("validate", f"FILE={path}", env=env)
    assert blank.returncode != 0
    assert "Blocking (the return would be refused):" in blank.stdout
    assert "Return!C4 submitted_on is missing" in blank.stdout
    assert (
        "Return!C6 referrals is missing: enter the quarter's figure (Referrals to the One Stop "
        "Shop), or n/a if it is not available"
    ) in blank.stdout
    assert "2 blocking problems, 0 warnings" in blank.stdout

    workbook = openpyxl.load_workbook(path)
    workbook["Return"]["C4"] = dt.date(2023, 7, 14)
    workbook["Return"]["C6"] = 92
    workbook.save(path)
    ready = make("validate", f"FILE={path}", env=env)
    assert ready.returncode == 0, ready.stdout
    assert "Checked one_stop_shop_2023-24-Q1.xlsx: Barnet Homes (One Stop Shop), 2023/24 Q1" in (
        ready.stdout
    )
    assert "No blocking problem, 0 warnings: ready to send." in ready.stdout


def test_make_template_refuses_an_unknown_provider_or_quarter_in_a_sentence(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "SCP_RAW_DIR": str(tmp_path)}
    done = make("template", "PROVIDER=marac", "QUARTER=2022-23-Q5", f"OUT={tmp_path}", env=env)
    assert done.returncode != 0
    assert "error: QUARTER=2022-23-Q5: '2022-23-Q5' is not a financial-year quarter" in (
        done.stderr
    )
    done = make("template", "PROVIDER=refuge", "QUARTER=2022-23-Q4", f"OUT={tmp_path}", env=env)
    assert "error: PROVIDER=refuge: unknown provider 'refuge'" in done.stderr
