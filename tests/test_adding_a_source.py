"""docs/adding_a_source.md, followed literally in a fresh clone of the project.

`make source` scaffolds `toy_counts`, a CSV of the documented layout lands in `raw/toy/counts/`
beside the Met's recorded crime file and nothing else (a partnership starting out), and
`make run MONTH=2021-05` runs the refresh for real (make, the CLI, Dagster, dbt, DuckDB).
Then: the new mart is published and listed in the manifest with the crime tables, every other
source is reported as not set up (a warning, not a failure, no traceback), the new source's own
test passes, and `git status` shows only new files. The clone uses this checkout's virtual
environment; what is expected is read from the CSV written here, never from the pipeline.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.conftest import PROJECT_ROOT, SAMPLE_RAW

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("adding_a_source")]

KEY, FOLDER = "toy_counts", "toy/counts"
COLUMNS = "month:date,borough_name:area,calls:count"
# The CSV the partnership drops in, of the documented layout: 2019-06 to 2021-05, so the pack
# of May 2021 shows its 12 months up to the pack's month.
MONTHS = [f"{2019 + (5 + m) // 12}-{(5 + m) % 12 + 1:02d}" for m in range(24)]
AREAS = ("Barnet", "Camden", "London")


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh clone of the committed project, using this checkout's virtual environment."""
    root = tmp_path_factory.mktemp("adding") / "project"
    subprocess.run(["git", "clone", "--quiet", str(PROJECT_ROOT), str(root)], check=True)
    (root / ".venv").symlink_to(PROJECT_ROOT / ".venv")
    # The clone's files are newer than the environment's stamp; make would reinstall into the
    # shared environment. They are as old as this checkout's.
    for name in ("requirements.lock", "pyproject.toml"):
        stamp = (PROJECT_ROOT / name).stat()
        os.utime(root / name, (stamp.st_atime, stamp.st_mtime))
    return root


def make(clone: Path, *args: str, env: dict[str, str] | None = None, timeout: int = 600):
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=clone,
        env={**os.environ, "DAGSTER_HOME": str(clone / ".dagster"), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def run(clone: Path) -> dict[str, object]:
    """Step 1 and step 2 of the page, with a raw folder of recorded crime and the new file."""
    scaffolded = make(
        clone, "source", f"KEY={KEY}", "GRAIN=month", f"FOLDER={FOLDER}", f"COLUMNS={COLUMNS}"
    )
    assert scaffolded.returncode == 0, scaffolded.stdout + scaffolded.stderr
    raw = clone.parent / "raw"
    shutil.copytree(SAMPLE_RAW / "met" / "recorded_crime", raw / "met" / "recorded_crime")
    landing = raw / FOLDER
    landing.mkdir(parents=True)
    rows = [
        [month, area, str(100 * (a + 1) + m)]
        for m, month in enumerate(MONTHS)
        for a, area in enumerate(AREAS)
    ]
    with (landing / "counts_201906-202105.csv").open("w", newline="", encoding="utf-8") as out:
        csv.writer(out, lineterminator="\n").writerows([["month", "borough_name", "calls"], *rows])
    refreshed = make(
        clone,
        "run",
        "MONTH=2021-05",
        env={"SCP_RAW_DIR": str(raw), "SCP_WAREHOUSE_DIR": str(clone.parent / "warehouse")},
    )
    return {
        "scaffolded": scaffolded,
        "refreshed": refreshed,
        "rows": rows,
        "published": clone.parent / "warehouse" / "published",
    }


def test_make_source_writes_only_new_files_and_says_what_to_do_next(clone: Path, run: dict) -> None:
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert status, "make source wrote nothing"
    assert all(line.startswith("?? ") for line in status), status
    written = {line[3:] for line in status}
    assert {
        f"orchestration/sources/{KEY}/__init__.py",
        f"orchestration/sources/{KEY}/parser.py",
        f"orchestration/sources/{KEY}/pack.py",
        f"orchestration/sources/{KEY}/sample.csv",
        f"dbt_project/models/staging/{KEY}/stg_{KEY}.sql",
        f"dbt_project/models/marts/{KEY}/fct_{KEY}.sql",
        f"tests/test_source_{KEY}.py",
        f"tests/snapshots/definitions/{KEY}.json",
    } <= written
    assert f"put a file in raw/{FOLDER}/" in run["scaffolded"].stdout


def test_the_refresh_succeeds_with_no_traceback(run: dict) -> None:
    refreshed = run["refreshed"]
    assert refreshed.returncode == 0, refreshed.stdout[-3000:] + refreshed.stderr[-3000:]
    assert "Traceback" not in refreshed.stdout + refreshed.stderr


def test_the_new_mart_is_published_with_every_row_of_the_file(run: dict) -> None:
    manifest = json.loads((run["published"] / "manifest.json").read_text())
    entry = manifest["sources"][KEY]
    assert (entry["status"], entry["tables"]) == ("published", [f"fct_{KEY}"])
    assert [f["file"] for f in entry["files"]] == ["counts_201906-202105.csv"]
    assert entry["release"] == "2021-05"
    con = duckdb.connect(str(run["published"] / "marts.duckdb"), read_only=True)
    try:
        published = con.execute(
            f"select strftime(month, '%Y-%m'), borough_name, calls from fct_{KEY} order by all"
        ).fetchall()
        barnet = con.execute(
            f"select count(*) from fct_{KEY} where area_code = 'E09000003'"
        ).fetchone()
    finally:
        con.close()
    assert published == sorted((m, a, int(c)) for m, a, c in run["rows"])
    assert barnet == (24,)


def test_the_crime_tables_publish_and_every_source_without_a_file_is_not_set_up(
    run: dict,
) -> None:
    from orchestration.sources import SOURCES

    manifest = json.loads((run["published"] / "manifest.json").read_text())
    sources = manifest["sources"]
    assert sources["met_recorded_crime"]["status"] == "published"
    assert "kpi_crime_overview" in sources["met_recorded_crime"]["tables"]
    absent = [s.key for s in SOURCES if s.key != "met_recorded_crime"]
    assert {key: sources[key]["status"] for key in absent} == dict.fromkeys(absent, "not set up")
    out = run["refreshed"].stdout
    assert "Not set up (nothing is held back for them):" in out
    for source in SOURCES:
        if source.key != "met_recorded_crime":
            assert f"no file has landed in raw/{source.folder}/ yet" in out, source.key


def test_the_pack_shows_the_new_section_and_says_no_data_yet_for_the_others(run: dict) -> None:
    (html,) = (run["published"] / "packs" / "2021-05").glob("*.html")
    text = html.read_text(encoding="utf-8")
    assert 'id="toy_counts"' in text
    # The section's 12 months to May 2021 for Barnet: June 2020 to May 2021, 112 to 123.
    assert "Jun-20" in text and "May-21" in text
    assert "no data yet (no file has landed in raw/mopac/pas/ yet)" in text


def test_the_new_sources_own_test_and_the_snapshot_test_pass_in_the_clone(
    clone: Path, run: dict
) -> None:
    done = subprocess.run(
        [
            str(clone / ".venv" / "bin" / "python"),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"tests/test_source_{KEY}.py",
            "tests/test_definitions.py",
        ],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:]
