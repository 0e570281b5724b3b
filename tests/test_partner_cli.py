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


def test_make_validate_gives_any_sources_file_the_gates_own_sentence(tmp_path: Path) -> None:
    """A monthly feed with a month missing, checked in its landing folder before it lands,
    then as the gate finds it: one sentence, word for word."""
    import duckdb

    from orchestration.landing.load import sync_source
    from orchestration.sources.met_asb_calls import SOURCE

    raw = tmp_path / "raw"
    folder = SOURCE.landing_folder(raw)
    folder.mkdir(parents=True)
    sample = next((SAMPLE_RAW / SOURCE.folder).glob("*.csv"))
    lines = sample.read_text(encoding="utf-8-sig").splitlines()
    gone = lines[6].split(",")[0]
    (folder / "asb_resent.csv").write_text(
        "\n".join(line for line in lines if not line.startswith(gone)) + "\n", encoding="utf-8"
    )
    env = {**os.environ, "SCP_RAW_DIR": str(raw)}

    checked = make("validate", f"FILE={folder / 'asb_resent.csv'}", env=env)
    assert checked.returncode != 0
    assert "Blocking (the file would be refused):" in checked.stdout
    said = checked.stdout.split("Blocking (the file would be refused):\n  ", 1)[1].strip()
    assert f"has no rows for {gone}:" in said

    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        report = sync_source(con, SOURCE, raw)
    verdict = report.refused[0]
    assert f"{verdict.where}: {verdict.rule}" == said

    good = make("validate", f"FILE={sample}", f"SOURCE={SOURCE.key}", env=env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert f"Checked {sample.name} as {SOURCE.title}: release " in good.stdout
    assert "It meets the contract." in good.stdout
