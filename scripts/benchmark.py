"""Times each stage of the refresh on the sample data and reports peak memory.

    make bench            # or: .venv/bin/python scripts/benchmark.py [--repeat N]

Works in a temporary warehouse, never the project's. Stages are timed separately (parse and
load, the raw checks, dbt build, publish, board pack) because they scale differently: the load
with the number and size of files, dbt with the months and boroughs in the marts. Wall-clock
times on a shared machine vary by tens of percent between runs; compare medians of --repeat.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import date
from pathlib import Path

warnings.filterwarnings("ignore", module="dagster")
PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from orchestration.lib.config import DBT_PROJECT_DIR, Settings  # noqa: E402
from orchestration.lib.duck import read_only, read_write  # noqa: E402
from orchestration.lib.reference import (  # noqa: E402
    borough_aliases,
    category_label_keys,
)
from orchestration.met.checks import coverage_rows, label_rows, recorded_crime_rows  # noqa: E402
from orchestration.met.load import sync_recorded_crime  # noqa: E402
from orchestration.publish.marts import publish_marts  # noqa: E402
from orchestration.publish.pack import build_pack  # noqa: E402
from orchestration.quality.gx import validate  # noqa: E402


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def high_water_mark_kib(pid: int) -> int:
    """The process's peak resident memory so far (Linux VmHWM), 0 once it has gone.

    ru_maxrss of children is no use here: it counts the parent's pages the child held between
    fork and exec.
    """
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


peaks: dict[str, int] = {}


def run_once(settings: Settings) -> dict[str, float]:
    shutil.rmtree(settings.warehouse_dir, ignore_errors=True)
    settings.warehouse_dir.mkdir(parents=True)
    times: dict[str, float] = {}

    def load() -> None:
        with read_write(settings.warehouse_path) as con:
            sync_recorded_crime(con, settings.recorded_crime_dir)

    def checks() -> None:
        with read_only(settings.warehouse_path) as con:
            rows, coverage, labels = recorded_crime_rows(con), coverage_rows(con), label_rows(con)
        validate(
            "met_recorded_crime",
            rows,
            parameters={"known_borough_keys": sorted(borough_aliases())},
            index_columns=["source_file", "source_row"],
        )
        validate("met_recorded_crime_coverage", coverage)
        validate(
            "met_recorded_crime_labels",
            labels,
            parameters={"known_label_keys": sorted(category_label_keys())},
        )

    def dbt_build() -> None:
        dbt = str(Path(sys.executable).with_name("dbt"))
        process = subprocess.Popen(
            [dbt, "build", "--quiet", "--profiles-dir", ".", "--project-dir", "."],
            cwd=DBT_PROJECT_DIR,
            env={**os.environ, "SCP_WAREHOUSE_DIR": str(settings.warehouse_dir)},
        )
        peak = 0
        while process.poll() is None:
            peak = max(peak, high_water_mark_kib(process.pid))
            time.sleep(0.05)
        if process.returncode:
            raise SystemExit(f"dbt build failed ({process.returncode})")
        peaks["dbt build"] = max(peaks.get("dbt build", 0), peak)

    times["parse and load raw"] = timed(load)
    times["raw checks (GX)"] = timed(checks)
    times["dbt build"] = timed(dbt_build)
    times["publish"] = timed(
        lambda: publish_marts(settings.warehouse_path, settings.published_dir, "2021-05")
    )
    times["board pack"] = timed(
        lambda: build_pack(
            settings.published_db_path, settings.packs_dir / "2021-05", "Barnet", date(2021, 5, 1)
        )
    )
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs to take the median of")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="scp-bench-") as tmp:
        settings = Settings(
            raw_dir=PROJECT_ROOT / "raw",
            warehouse_dir=Path(tmp) / "warehouse",
            borough="Barnet",
            dagster_home=Path(tmp) / "dagster_home",
        )
        files = sorted(settings.recorded_crime_dir.glob("*.csv"))
        size = sum(path.stat().st_size for path in files)
        runs = [run_once(settings) for _ in range(args.repeat)]
        database_size = settings.warehouse_path.stat().st_size

    print(f"sample: {len(files)} file(s), {size / 1e6:.1f} MB; {args.repeat} run(s); median s")
    for stage in runs[0]:
        values = [run[stage] for run in runs]
        print(f"  {stage:<20} {statistics.median(values):7.2f}   (min {min(values):.2f})")
    totals = [sum(run.values()) for run in runs]
    print(f"  {'total':<20} {statistics.median(totals):7.2f}")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak memory: load, checks, publish and pack {own:.0f} MiB; "
        f"dbt build {peaks.get('dbt build', 0) / 1024:.0f} MiB (sampled every 50 ms)"
    )
    print(f"working warehouse after one run: {database_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
