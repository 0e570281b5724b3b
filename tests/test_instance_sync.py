"""The SQLite instance is written without waiting for the disk; nothing else is.

Loading the code location sets SQLite's `synchronous = off` on the connections Dagster opens to
the instance's files in DAGSTER_HOME (`SCP_DAGSTER_SQLITE_SYNC` chooses otherwise); a SQLite
file anywhere else keeps SQLite's default, FULL (2).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# Run in a process of its own: the setting is made once per process, from its environment.
PROBE = """
import sys
from pathlib import Path
import dagster as dg
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

if sys.argv[2] == "code location":
    import orchestration.definitions  # noqa: F401  (loading the code location sets it)
else:
    from orchestration.lib.instance import relax_sqlite_instance_sync

    relax_sqlite_instance_sync()
with dg.DagsterInstance.get() as instance:
    with instance.run_storage.connect() as conn:
        print("runs", conn.execute(text("pragma synchronous")).scalar())
    with instance.event_log_storage.index_connection() as conn:
        print("events", conn.execute(text("pragma synchronous")).scalar())
elsewhere = create_engine(f"sqlite:///{sys.argv[1]}", poolclass=NullPool)
with elsewhere.connect() as conn:
    print("elsewhere", conn.execute(text("pragma synchronous")).scalar())
"""


def probe(tmp_path: Path, loads: str, **env: str) -> dict[str, int]:
    home = tmp_path / "dagster_home"
    home.mkdir()
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "other.db"), loads],
        cwd=PROJECT_ROOT,
        env={"PATH": "/usr/bin:/bin", "DAGSTER_HOME": str(home), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return {
        name: int(value)
        for name, value in (line.split() for line in completed.stdout.splitlines() if line)
    }


def test_the_instance_files_are_written_without_waiting_for_the_disk(tmp_path: Path) -> None:
    assert probe(tmp_path, "code location") == {"runs": 0, "events": 0, "elsewhere": 2}


@pytest.mark.parametrize(("mode", "level"), [("full", 2), ("normal", 1)])
def test_the_setting_chooses_otherwise(tmp_path: Path, mode: str, level: int) -> None:
    assert probe(tmp_path, "the setting alone", SCP_DAGSTER_SQLITE_SYNC=mode) == {
        "runs": level,
        "events": level,
        "elsewhere": 2,
    }
