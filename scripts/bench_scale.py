"""Ward-level crime at London scale: the pipeline against bare DuckDB and against pandas.

    make bench SCALE=london-10y     # or: .venv/bin/python scripts/bench_scale.py [--repeat N]

Generates, in a temporary folder, a London-wide ten-year ward history in the Met's real ward
layout (`MajorText,MinorText,WardName,WardCode,LookUp_BoroughName,<YYYYMM>...`): every ward and
category of the 2022-ward file in raw/met/ward_crime/, 120 month columns, counts drawn around
each ward's own monthly mean for the category in that real file, rows that are zero in every
month omitted as the Met omits them. Then, each in its own process with its peak memory sampled:

1. the pipeline: the ward source's landing (DuckDB `read_csv`, the contract checks, the gate, the
   load into the warehouse) and dbt building the ward models (the `met_ward_crime` folders and
   everything upstream, models only; the tests are timed on their own line);
2. bare DuckDB: `read_csv` with explicit types, `UNPIVOT`, and the same aggregation into a table
   (board measures per ward and month, from the same category rules);
3. a plain pandas script doing the same (`read_csv`, `melt`, `merge`, `groupby`);
4. one new monthly release (the Met's 24-month file ending the month after the history) landed
   and built onto that warehouse, against a full rebuild from an empty warehouse with both files.

Wall-clock times on a shared machine vary by tens of percent between runs; take medians.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
from scripts.benchmark import high_water_mark_kib  # noqa: E402

BIN = Path(sys.executable).parent
REAL_WARD_FILE = (
    PROJECT_ROOT
    / "raw/met/ward_crime/MPS_Ward_Level_Crime_most_recent_24_months_202109-202308_wards2022.csv"
)
SEEDS = PROJECT_ROOT / "dbt_project" / "seeds"
KEYS = ["MajorText", "MinorText", "WardName", "WardCode", "LookUp_BoroughName"]
HISTORY_FIRST, HISTORY_MONTHS = (2014, 9), 120  # 2014-09 .. 2024-08
RELEASE_MONTHS = 24  # the monthly file: the 24 months to 2024-09
SCALES = {"london-10y": HISTORY_MONTHS}
WARD_MODELS = [f"+path:models/{layer}/met_ward_crime" for layer in ("marts", "reporting")]


def month_columns(first: tuple[int, int], count: int) -> list[str]:
    year, month = first
    columns = []
    for _ in range(count):
        columns.append(f"{year:04d}{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return columns


def generate(folder: Path, months: int, seed: int = 2022) -> tuple[Path, Path, int]:
    """The ten-year history and the next monthly release, in the real layout; and the number of
    values (cells) in the history."""
    with REAL_WARD_FILE.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        real = list(reader)
    real_months = len(header) - len(KEYS)
    wards = sorted({tuple(row[2:5]) for row in real}, key=lambda w: (w[2], w[0]))
    categories = sorted({tuple(row[:2]) for row in real})
    means = {
        (tuple(row[:2]), row[3]): sum(int(v) for v in row[len(KEYS) :]) / real_months
        for row in real
    }
    rng = np.random.default_rng(seed)
    keys = [(c, w) for w in wards for c in categories]
    mean = np.array([means.get((c, w[1]), 0.02) for c, w in keys])
    season = 1 + 0.1 * np.sin(np.arange(months + 1) * 2 * np.pi / 12)
    counts = rng.poisson(mean[:, None] * season[None, :])
    # The new release revises a few of the months the history already has, as real ones do.
    revised = counts[:, -RELEASE_MONTHS:].copy()
    revised[:, :-1] += rng.binomial(1, 0.01, size=revised[:, :-1].shape)
    columns = month_columns(HISTORY_FIRST, months + 1)

    def write(path: Path, names: list[str], values: np.ndarray) -> None:
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow([*KEYS, *names])
            for (category, ward), row in zip(keys, values, strict=True):
                if row.any():
                    writer.writerow([*category, *ward, *row.tolist()])

    history = folder / f"MPS_Ward_Level_Crime_Historical_{columns[0]}-{columns[-2]}.csv"
    release = (
        folder
        / f"MPS_Ward_Level_Crime_most_recent_24_months_{columns[-RELEASE_MONTHS]}-{columns[-1]}.csv"
    )
    write(history, columns[:-1], counts[:, :-1])
    write(release, columns[-RELEASE_MONTHS:], revised)
    cells = int((counts[:, :-1].any(axis=1)).sum()) * months
    return history, release, cells


def run_measured(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int]:
    """(seconds, peak resident KiB) of a command run to its end; stops the bench if it fails."""
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=output)
        peak = 0
        while process.poll() is None:
            peak = max(peak, high_water_mark_kib(process.pid))
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        if process.returncode:
            output.seek(0)
            tail = output.read().decode(errors="replace")[-3000:]
            raise SystemExit(f"{' '.join(command[:4])} failed ({process.returncode}):\n{tail}")
    return seconds, peak


# --- the pipeline ------------------------------------------------------------------------------

LAND = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from orchestration.landing.load import sync_source
    from orchestration.lib.duck import read_write
    from orchestration.sources.met_ward_crime import SOURCE
    with read_write(Path(sys.argv[1])) as con:
        report = sync_source(con, SOURCE, Path(sys.argv[2]))
    if report.refused:
        raise SystemExit(f"refused: {report.refused}")
    print(report.total_rows)
    """
)


def pipeline_env(warehouse_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCP_", "DAGSTER_"))}
    env.update(SCP_WAREHOUSE_DIR=str(warehouse_dir), PYTHONPATH=str(PROJECT_ROOT))
    return env


def land(raw_dir: Path, warehouse_dir: Path) -> tuple[float, int]:
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    return run_measured(
        [str(BIN / "python"), "-c", LAND, str(warehouse_dir / "warehouse.duckdb"), str(raw_dir)],
        pipeline_env(warehouse_dir),
        PROJECT_ROOT,
    )


def dbt(warehouse_dir: Path, *arguments: str) -> tuple[float, int]:
    command = [
        str(BIN / "dbt"),
        "--quiet",
        *arguments,
        "--select",
        # dbt has no groups here (the Dagster groups are the folders): the ward folders.
        *WARD_MODELS,
        "--profiles-dir",
        ".",
        "--project-dir",
        ".",
        "--target-path",
        str(warehouse_dir / "dbt_target"),
    ]
    return run_measured(command, pipeline_env(warehouse_dir), PROJECT_ROOT / "dbt_project")


def pipeline_once(raw_dir: Path, warehouse_dir: Path) -> dict[str, tuple[float, int]]:
    shutil.rmtree(warehouse_dir, ignore_errors=True)
    return {
        "landing": land(raw_dir, warehouse_dir),
        "dbt models": dbt(
            warehouse_dir,
            "build",
            "--exclude-resource-type",
            "test",
            "--exclude-resource-type",
            "unit_test",
        ),
    }


# --- bare DuckDB and pandas --------------------------------------------------------------------

# The board measures' rules, as the seeds kpi_measures and crime_category_map give them for the
# 2019 layout, written out for the two scripts below (which share no code with the pipeline).
MEASURE_RULES = """
select m.measure, c.source_major_text as major, c.source_minor_text as minor
from read_csv('{seeds}/kpi_measures.csv') m
join read_csv('{seeds}/crime_category_map.csv') c
  on c.source_layout = 'mps_2019' and c.category_scheme = m.category_scheme
 and ((m.category_level = 'major' and c.major_category_key = m.category_key)
   or (m.category_level = 'minor' and c.minor_category_key = m.category_key))
"""

BARE_DUCKDB = textwrap.dedent(
    """
    import sys, duckdb
    path, database, seeds, months = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    con = duckdb.connect(database)
    types = {{k: 'VARCHAR' for k in {keys!r}}} | {{m: 'BIGINT' for m in months}}
    con.execute(f"create table cells as select * from read_csv('{{path}}', header = true, "
                f"delim = ',', quote = '\\"', columns = {{types!r}})")
    month_list = ', '.join('"' + m + '"' for m in months)
    con.execute(f"create table crime as select MajorText as major, MinorText as minor, "
                f"WardCode as ward_code, LookUp_BoroughName as borough, "
                f"make_date(cast(month[1:4] as integer), cast(month[5:6] as integer), 1) "
                f"as month, offence_count "
                f"from (unpivot cells on {{month_list}} into name month value offence_count)")
    rules = {rules!r}.format(seeds=seeds)
    con.execute(f"create table ward_measures as select r.measure, c.ward_code, c.month, "
                f"sum(c.offence_count) as volume from crime c join ({{rules}}) r "
                f"on c.major = r.major and c.minor = r.minor group by all")
    print(con.execute("select count(*) from ward_measures").fetchone()[0])
    """
).format(keys=KEYS, rules=MEASURE_RULES)

PANDAS = textwrap.dedent(
    """
    import sys, duckdb, pandas as pd
    path, seeds = sys.argv[1], sys.argv[2]
    rules = duckdb.sql({rules!r}.format(seeds=seeds)).df()
    cells = pd.read_csv(path, dtype={{k: str for k in {keys!r}}})
    crime = cells.melt(id_vars={keys!r}, var_name='month', value_name='offence_count')
    crime['month'] = pd.to_datetime(crime['month'], format='%Y%m')
    matched = crime.merge(rules, left_on=['MajorText', 'MinorText'], right_on=['major', 'minor'])
    ward_measures = (matched.groupby(['measure', 'WardCode', 'month'], as_index=False)
                     ['offence_count'].sum())
    print(len(ward_measures))
    """
).format(keys=KEYS, rules=MEASURE_RULES)


def bare_duckdb(history: Path, folder: Path) -> tuple[float, int]:
    database = folder / "bare.duckdb"
    database.unlink(missing_ok=True)
    header = history.open(encoding="utf-8").readline().strip().split(",")
    return run_measured(
        [
            str(BIN / "python"),
            "-c",
            BARE_DUCKDB,
            str(history),
            str(database),
            str(SEEDS),
            *header[len(KEYS) :],
        ],
        dict(os.environ),
        folder,
    )


def pandas_script(history: Path, folder: Path) -> tuple[float, int]:
    return run_measured(
        [str(BIN / "python"), "-c", PANDAS, str(history), str(SEEDS)], dict(os.environ), folder
    )


# --- report ------------------------------------------------------------------------------------


def median(runs: list[tuple[float, int]]) -> tuple[float, float, int]:
    seconds = [s for s, _ in runs]
    return statistics.median(seconds), min(seconds), max(peak for _, peak in runs)


def line(name: str, runs: list[tuple[float, int]]) -> float:
    middle, low, peak = median(runs)
    print(f"  {name:<44} {middle:7.2f}   (min {low:6.2f})   peak {peak / 1024:6.0f} MiB")
    return middle


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, default="london-10y")
    parser.add_argument("--repeat", type=int, default=3, help="runs to take the median of")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="scp-bench-scale-") as tmp:
        root = Path(tmp)
        raw_dir, extra = root / "raw", root / "next"
        landing = raw_dir / "met" / "ward_crime"
        landing.mkdir(parents=True)
        extra.mkdir()
        start = time.perf_counter()
        history, release, cells = generate(landing, SCALES[args.scale])
        release = release.rename(extra / release.name)
        print(
            f"{args.scale}: {history.name}, {history.stat().st_size / 1e6:.0f} MB, "
            f"{cells:,} values (generated in {time.perf_counter() - start:.0f} s); "
            f"{args.repeat} run(s), median seconds"
        )

        pipeline: dict[str, list[tuple[float, int]]] = {}
        bare, pandas_runs, tests, increments, rebuilds = [], [], [], [], []
        for _ in range(args.repeat):
            for stage, measured in pipeline_once(raw_dir, root / "warehouse").items():
                pipeline.setdefault(stage, []).append(measured)
            bare.append(bare_duckdb(history, root))
            pandas_runs.append(pandas_script(history, root))
        tests.append(dbt(root / "warehouse", "test", "--indirect-selection", "cautious"))
        # One new release onto the built warehouse, then everything from nothing.
        shutil.copy(extra / release.name, landing / release.name)
        for _ in range(args.repeat):
            shutil.copytree(root / "warehouse", root / "increment", dirs_exist_ok=False)
            landed = land(raw_dir, root / "increment")
            built = dbt(
                root / "increment",
                "build",
                "--exclude-resource-type",
                "test",
                "--exclude-resource-type",
                "unit_test",
            )
            increments.append((landed[0] + built[0], max(landed[1], built[1])))
            shutil.rmtree(root / "increment")
            full = pipeline_once(raw_dir, root / "rebuild")
            rebuilds.append((sum(s for s, _ in full.values()), max(p for _, p in full.values())))
        (landing / release.name).unlink()

        print("the ten-year history, from an empty warehouse:")
        landing_s = line("pipeline: landing (read_csv, checks, load)", pipeline["landing"])
        models_s = line("pipeline: dbt, ward models", pipeline["dbt models"])
        both = [
            (a[0] + b[0], max(a[1], b[1]))
            for a, b in zip(pipeline["landing"], pipeline["dbt models"], strict=True)
        ]
        pipeline_s = line("pipeline: landing + ward models", both)
        bare_s = line("bare DuckDB: read_csv + UNPIVOT + aggregate", bare)
        pandas_s = line("pandas: read_csv + melt + merge + groupby", pandas_runs)
        line("(pipeline: dbt tests of the ward models)", tests)
        print(
            f"  pipeline / bare DuckDB {pipeline_s / bare_s:.2f}x (target: within 2x); "
            f"pandas / pipeline {pandas_s / pipeline_s:.1f}x (target: at least 5x); "
            f"landing {landing_s:.1f} s + models {models_s:.1f} s"
        )
        print("one new monthly release:")
        increment_s = line("landing + ward models onto the built warehouse", increments)
        rebuild_s = line("full rebuild (both files, empty warehouse)", rebuilds)
        print(f"  new release / full rebuild {increment_s / rebuild_s:.0%} (target: at most 15%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
