"""Ward-level crime at London and national scale: the pipeline against bare DuckDB and pandas.

    make bench SCALE=london-10y     # or: .venv/bin/python scripts/bench_scale.py [--repeat N]
    make bench SCALE=national-10y   # England and Wales's scale of wards: 10+ minutes

Generates, in a temporary folder, a ten-year ward history in the Met's real ward layout
(`MajorText,MinorText,WardName,WardCode,LookUp_BoroughName,<YYYYMM>...`): every category of the
2022-ward file in raw/met/ward_crime/, 120 month columns, counts drawn around each ward's own
monthly mean for the category in that real file, rows that are zero in every month omitted as
the Met omits them. `london-10y` has the file's 679 wards (4.4 million values); `national-10y`
has ten of each (6,790 wards, about England and Wales's 7,000; 44 million values): each London
ward and nine synthetic copies of it in the same borough, named `<ward> (copy n)` and coded
`Znn` plus the ward code's last six digits, with the ward's own means. The file is written a
block of wards at a time, so the generator never holds the history in memory.

The models know a ward through the seed wards_2022 (its borough, and that it is a 2022 ward), and
so does the landing's gate. So the pipeline runs on a temporary copy of the project's code
(orchestration/, dbt_project/, expectations/, docs/) whose wards_2022 seed also lists the
synthetic wards, and nothing else differs: each synthetic ward goes through the same landing
checks and the same models, doing the same work per row, as a real one. The run checks that
kpi_ward_overview has every ward of the file.

Then, each in its own process with its peak memory sampled (Linux VmHWM):

1. the pipeline: the ward source's landing (the contract checks in DuckDB, the gate, the load
   into the warehouse) and dbt building the ward unit's models and what they are built from
   (`+path:models/marts/met_ward_crime`, the same for reporting; models only, the tests timed
   on their own line), with DuckDB's memory capped as the project caps it
   (SCP_DUCKDB_MEMORY_LIMIT, default 1GB; beyond it DuckDB spills to disk);
2. bare DuckDB: `read_csv` with explicit types, `UNPIVOT`, and the same aggregation into a table
   (board measures per ward and month, from the same category rules), under the same cap;
3. a plain pandas script doing the same (`read_csv`, `melt`, `merge`, `groupby`);
4. the pipeline's fixed cost: the same on a one-month file of the same wards;
5. one new monthly release (the Met's 24-month file ending the month after the history) landed
   and built onto that warehouse, against a full rebuild from an empty warehouse with both files.

Writes warehouse/bench/<scale>.json (the figures below, the per-stage peaks, the load average,
and the slopes against the other scale's JSON when it is there), again as each step ends, so a
long run shows its steps so far; a failed step is in it as `failed`, with `complete` false.
Wall-clock times on a shared machine vary by tens of percent between runs; take medians.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
from orchestration.lib.duck import DEFAULT_MEMORY_LIMIT, MEMORY_LIMIT_ENV  # noqa: E402
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
REPORT_DIR = PROJECT_ROOT / "warehouse" / "bench"
# Code the pipeline needs, copied for a run whose seed lists the synthetic wards.
PROJECT_PARTS = ("orchestration", "dbt_project", "expectations", "docs")
WARD_SEED = Path("dbt_project") / "seeds" / "wards_2022.csv"
WARDS_PER_BLOCK = 200  # wards generated and written at a time


@dataclass(frozen=True)
class Scale:
    copies: int  # of each ward of the real file (the first is the real ward)
    months: int = HISTORY_MONTHS


SCALES = {"london-10y": Scale(copies=1), "national-10y": Scale(copies=10)}

# What every report holds (the JSON writer refuses a report without one of them).
REQUIRED_FIELDS = (
    "scale",
    "values",
    "wards",
    "months",
    "pipeline_s",
    "landing_s",
    "models_s",
    "duckdb_s",
    "pandas_s",
    "pipeline_peak_rss_mib",
    "landing_peak_rss_mib",
    "models_peak_rss_mib",
    "duckdb_peak_rss_mib",
    "pandas_peak_rss_mib",
    "fixed_s",
    "release_s",
    "rebuild_s",
    "repeat",
)


def month_columns(first: tuple[int, int], count: int) -> list[str]:
    year, month = first
    columns = []
    for _ in range(count):
        columns.append(f"{year:04d}{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return columns


Ward = tuple[str, str, str]  # WardName, WardCode, LookUp_BoroughName


def synthetic_ward(ward: Ward, copy: int) -> Ward:
    """The copy-th copy of a real ward (0: the ward itself), in the same borough."""
    if copy == 0:
        return ward
    name, code, borough = ward
    return (f"{name} (copy {copy})", f"Z{copy:02d}{code[-6:]}", borough)


@dataclass(frozen=True)
class Generated:
    history: Path
    release: Path
    one_month: Path
    values: int  # cells of the history
    wards: list[tuple[Ward, Ward]]  # (ward in the files, the real ward it copies)


def generate(
    folder: Path, months: int, copies: int = 1, seed: int = 2022, max_wards: int | None = None
) -> Generated:
    """The history, the next monthly release and a one-month file, in the real layout.

    Written a block of wards at a time: memory does not grow with the number of wards.
    `max_wards` keeps the first wards of the real file only (a tiny run for the tests).
    """
    with REAL_WARD_FILE.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        real = list(reader)
    real_months = len(header) - len(KEYS)
    wards = sorted({tuple(row[2:5]) for row in real}, key=lambda w: (w[2], w[0]))
    wards = wards[:max_wards] if max_wards else wards
    categories = sorted({tuple(row[:2]) for row in real})
    means = {
        (tuple(row[:2]), row[3]): sum(int(v) for v in row[len(KEYS) :]) / real_months
        for row in real
    }
    rng = np.random.default_rng(seed)
    season = 1 + 0.1 * np.sin(np.arange(months + 1) * 2 * np.pi / 12)
    columns = month_columns(HISTORY_FIRST, months + 1)
    span = min(RELEASE_MONTHS, months + 1)  # the release's months (fewer in a tiny run)
    history = folder / f"MPS_Ward_Level_Crime_Historical_{columns[0]}-{columns[-2]}.csv"
    release = (
        folder / f"MPS_Ward_Level_Crime_most_recent_24_months_{columns[-span]}-{columns[-1]}.csv"
    )
    one_month = folder / f"MPS_Ward_Level_Crime_Historical_{columns[0]}-{columns[0]}.csv"
    every = [(synthetic_ward(ward, copy), ward) for ward in wards for copy in range(copies)]
    values = 0
    with (
        history.open("w", newline="", encoding="utf-8") as h,
        release.open("w", newline="", encoding="utf-8") as r,
        one_month.open("w", newline="", encoding="utf-8") as o,
    ):
        outputs = [csv.writer(out, lineterminator="\r\n") for out in (h, r, o)]
        for writer, names in zip(
            outputs, (columns[:-1], columns[-span:], columns[:1]), strict=True
        ):
            writer.writerow([*KEYS, *names])
        for start in range(0, len(every), WARDS_PER_BLOCK):
            block = every[start : start + WARDS_PER_BLOCK]
            keys = [(c, w, real_ward) for w, real_ward in block for c in categories]
            mean = np.array([means.get((c, real_ward[1]), 0.02) for c, _, real_ward in keys])
            counts = rng.poisson(mean[:, None] * season[None, :])
            # The new release revises a few of the months the history has, as real ones do.
            revised = counts[:, -span:].copy()
            revised[:, :-1] += rng.binomial(1, 0.01, size=revised[:, :-1].shape)
            for part, writer in zip((counts[:, :-1], revised, counts[:, :1]), outputs, strict=True):
                for (category, ward, _), row in zip(keys, part, strict=True):
                    if row.any():
                        writer.writerow([*category, *ward, *row.tolist()])
            values += int(counts[:, :-1].any(axis=1).sum()) * months
    return Generated(history, release, one_month, values, every)


def project_copy(folder: Path, wards: list[tuple[Ward, Ward]]) -> Path:
    """The pipeline's code in `folder`, its wards_2022 seed also listing the synthetic wards
    (each with its real ward's borough and LSOA count)."""
    for part in PROJECT_PARTS:
        shutil.copytree(
            PROJECT_ROOT / part,
            folder / part,
            ignore=shutil.ignore_patterns("__pycache__", "target", "logs", ".user.yml"),
        )
    seed = folder / WARD_SEED
    with seed.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_code = {row["ward_code"]: row for row in rows}
    # One row per code: the Met files Heathrow Villages under two boroughs, as its copies.
    extra = {
        ward[1]: {**by_code[real[1]], "ward_code": ward[1], "ward_name": ward[0]}
        for ward, real in wards
        if ward != real and real[1] in by_code
    }
    with seed.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows + list(extra.values()))
    return folder


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
    import orchestration
    from orchestration.landing.load import sync_source
    from orchestration.lib.duck import read_write
    from orchestration.sources.met_ward_crime import SOURCE
    # The copy's code (and so its seeds), not the project's.
    assert Path(orchestration.__file__).is_relative_to(Path.cwd()), orchestration.__file__
    with read_write(Path(sys.argv[1])) as con:
        report = sync_source(con, SOURCE, Path(sys.argv[2]))
    if report.refused:
        raise SystemExit(f"refused: {report.refused}")
    print(report.total_rows)
    """
)


def memory_limit() -> str:
    return os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT


def pipeline_env(project: Path, warehouse_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCP_", "DAGSTER_"))}
    env.update(
        SCP_WAREHOUSE_DIR=str(warehouse_dir),
        PYTHONPATH=str(project),
        **{MEMORY_LIMIT_ENV: memory_limit()},
    )
    return env


def land(project: Path, raw_dir: Path, warehouse_dir: Path) -> tuple[float, int]:
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    return run_measured(
        [str(BIN / "python"), "-c", LAND, str(warehouse_dir / "warehouse.duckdb"), str(raw_dir)],
        pipeline_env(project, warehouse_dir),
        project,
    )


def dbt(project: Path, warehouse_dir: Path, *arguments: str) -> tuple[float, int]:
    command = [
        str(BIN / "dbt"),
        "--quiet",
        *arguments,
        "--select",
        *WARD_MODELS,
        "--profiles-dir",
        ".",
        "--project-dir",
        ".",
        "--target-path",
        str(warehouse_dir / "dbt_target"),
    ]
    return run_measured(command, pipeline_env(project, warehouse_dir), project / "dbt_project")


# The ward unit's models (a model's unit is its folder) and everything they are built from.
WARD_MODELS = tuple(f"+path:models/{layer}/met_ward_crime" for layer in ("marts", "reporting"))
MODELS_ONLY = ("build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")


def pipeline_once(
    project: Path, raw_dir: Path, warehouse_dir: Path
) -> dict[str, tuple[float, int]]:
    shutil.rmtree(warehouse_dir, ignore_errors=True)
    return {
        "landing": land(project, raw_dir, warehouse_dir),
        "dbt models": dbt(project, warehouse_dir, *MODELS_ONLY),
    }


def wards_in_overview(warehouse_dir: Path) -> int:
    """The wards kpi_ward_overview has: every ward of the files, synthetic ones included."""
    import duckdb

    with duckdb.connect(str(warehouse_dir / "warehouse.duckdb"), read_only=True) as con:
        row = con.execute(
            "select count(distinct ward_code) from marts.kpi_ward_overview"
        ).fetchone()
    return int(row[0]) if row else 0


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
    import os, sys, duckdb
    path, database, seeds, months = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    # The pipeline's memory cap; DuckDB spills to <database>.tmp beyond it.
    con = duckdb.connect(database, config={{'memory_limit': os.environ[{limit_env!r}]}})
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
).format(keys=KEYS, rules=MEASURE_RULES, limit_env=MEMORY_LIMIT_ENV)

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
        {**os.environ, MEMORY_LIMIT_ENV: memory_limit()},
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


def line(name: str, runs: list[tuple[float, int]]) -> tuple[float, float]:
    """Prints the median, the fastest and the peak; returns (median seconds, peak MiB)."""
    middle, low, peak = median(runs)
    print(
        f"  {name:<44} {middle:7.2f}   (min {low:6.2f})   peak {peak / 1024:6.0f} MiB", flush=True
    )
    return middle, peak / 1024


def slopes(report: dict, other: dict) -> dict[str, float]:
    """Seconds per million values between two scales' reports, for the pipeline and the
    others: (t_large - t_small) / (v_large - v_small)."""
    small, large = sorted((report, other), key=lambda r: r["values"])
    millions = (large["values"] - small["values"]) / 1e6
    if millions <= 0:
        return {}
    found = {
        f"{name}_s_per_million": round((large[f"{name}_s"] - small[f"{name}_s"]) / millions, 4)
        for name in ("pipeline", "landing", "models", "duckdb", "pandas")
    }
    found["pipeline_over_duckdb"] = round(
        found["pipeline_s_per_million"] / found["duckdb_s_per_million"], 2
    )
    return {"between": f"{small['scale']} and {large['scale']}", **found}


def write_report(report: dict, folder: Path = REPORT_DIR, *, partial: bool = False) -> Path:
    """warehouse/bench/<scale>.json, with the slopes against every other scale's report there;
    a report missing a required field is refused, naming it, unless it is `partial` (a run's
    steps so far: written with `complete` false)."""
    missing = [name for name in REQUIRED_FIELDS if report.get(name) is None]
    if missing and not partial:
        raise ValueError(f"the {report.get('scale')} report lacks {', '.join(missing)}")
    folder.mkdir(parents=True, exist_ok=True)
    report = {**report, "complete": not missing}
    report["slopes"] = {}
    for other_path in sorted(folder.glob("*.json")):
        if other_path.stem == report["scale"]:
            continue
        other = json.loads(other_path.read_text())
        if all(other.get(f) is not None for f in REQUIRED_FIELDS):
            if not missing:
                report["slopes"][other["scale"]] = slopes(report, other)
    path = folder / f"{report['scale']}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, default="london-10y")
    parser.add_argument("--repeat", type=int, default=3, help="runs to take the median of")
    args = parser.parse_args()
    scale = SCALES[args.scale]
    load_before = os.getloadavg()

    with tempfile.TemporaryDirectory(prefix="scp-bench-scale-") as tmp:
        root = Path(tmp)
        raw_dir, extra, fixed_raw = root / "raw", root / "next", root / "fixed"
        landing = raw_dir / "met" / "ward_crime"
        landing.mkdir(parents=True)
        extra.mkdir()
        (fixed_raw / "met" / "ward_crime").mkdir(parents=True)
        start = time.perf_counter()
        generated = generate(landing, scale.months, scale.copies)
        history, values = generated.history, generated.values
        release = generated.release.rename(extra / generated.release.name)
        generated.one_month.rename(fixed_raw / "met" / "ward_crime" / generated.one_month.name)
        generate_s = time.perf_counter() - start
        file_mb = history.stat().st_size / 1e6
        project = project_copy(root / "project", generated.wards)
        # Codes, not (name, code, borough): Heathrow Villages has two boroughs in the Met's files.
        wards = len({ward[1] for ward, _ in generated.wards})
        print(
            f"{args.scale}: {history.name}, {file_mb:.0f} MB, "
            f"{wards:,} wards, {values:,} values (generated in {generate_s:.0f} s); "
            f"DuckDB memory limit {memory_limit()}; {args.repeat} run(s), median seconds"
        )

        report: dict = {
            "scale": args.scale,
            "values": values,
            "wards": wards,
            "months": scale.months,
            "file_mb": round(file_mb, 1),
            "duckdb_memory_limit": memory_limit(),
            "repeat": args.repeat,
            "generate_s": round(generate_s, 1),
            "cores": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
        }

        def record(name: str, label: str, runs: list[tuple[float, int]]) -> float:
            """Prints a step's line and writes the report so far (a long run shows its steps
            as they end, and a stopped one keeps them)."""
            seconds, mib = line(label, runs)
            report[f"{name}_s"] = round(seconds, 2)
            report[f"{name}_peak_rss_mib"] = round(mib)
            write_report(report, partial=True)
            return seconds

        try:
            print("the ten-year history, from an empty warehouse:", flush=True)
            stages: dict[str, list[tuple[float, int]]] = {"landing": [], "dbt models": []}
            for _ in range(args.repeat):
                shutil.rmtree(root / "warehouse", ignore_errors=True)
                stages["landing"].append(land(project, raw_dir, root / "warehouse"))
                # Written before the models run, so a run they fail still reports it.
                record("landing", "(landing so far)", stages["landing"])
                stages["dbt models"].append(dbt(project, root / "warehouse", *MODELS_ONLY))
            overview_wards = wards_in_overview(root / "warehouse")
            if overview_wards != wards:
                raise SystemExit(f"kpi_ward_overview has {overview_wards} wards, the files {wards}")
            landing_s = record(
                "landing", "pipeline: landing (read_csv, checks, load)", stages["landing"]
            )
            models_s = record("models", "pipeline: dbt, ward models", stages["dbt models"])
            both = [
                (a[0] + b[0], max(a[1], b[1]))
                for a, b in zip(stages["landing"], stages["dbt models"], strict=True)
            ]
            pipeline_s = record("pipeline", "pipeline: landing + ward models", both)
            bare = [bare_duckdb(history, root) for _ in range(args.repeat)]
            (root / "bare.duckdb").unlink(missing_ok=True)
            bare_s = record("duckdb", "bare DuckDB: read_csv + UNPIVOT + aggregate", bare)
            pandas_runs = [pandas_script(history, root) for _ in range(args.repeat)]
            pandas_s = record("pandas", "pandas: read_csv + melt + merge + groupby", pandas_runs)
            fixed = []
            for _ in range(args.repeat):
                one = pipeline_once(project, fixed_raw, root / "fixed_warehouse")
                fixed.append((sum(s for s, _ in one.values()), max(p for _, p in one.values())))
            shutil.rmtree(root / "fixed_warehouse")
            record("fixed", "pipeline on a one-month file (fixed cost)", fixed)
            print(
                f"  pipeline / bare DuckDB {pipeline_s / bare_s:.2f}x; "
                f"pandas / pipeline {pandas_s / pipeline_s:.2f}x; "
                f"landing {landing_s:.1f} s + models {models_s:.1f} s",
                flush=True,
            )
            # One new release onto the built warehouse, then everything from nothing.
            print("one new monthly release:", flush=True)
            shutil.copy(release, landing / release.name)
            increments, rebuilds = [], []
            for _ in range(args.repeat):
                shutil.copytree(root / "warehouse", root / "increment", dirs_exist_ok=False)
                landed = land(project, raw_dir, root / "increment")
                built = dbt(project, root / "increment", *MODELS_ONLY)
                increments.append((landed[0] + built[0], max(landed[1], built[1])))
                shutil.rmtree(root / "increment")
            release_s = record(
                "release", "landing + ward models onto the built warehouse", increments
            )
            for _ in range(args.repeat):
                full = pipeline_once(project, raw_dir, root / "rebuild")
                shutil.rmtree(root / "rebuild")
                rebuilds.append(
                    (sum(s for s, _ in full.values()), max(p for _, p in full.values()))
                )
            rebuild_s = record("rebuild", "full rebuild (both files, empty warehouse)", rebuilds)
            report["release_over_rebuild"] = round(release_s / rebuild_s, 3)
            print(f"  new release / full rebuild {release_s / rebuild_s:.0%} (target: at most 15%)")
            (landing / release.name).unlink()
            tests = [dbt(project, root / "warehouse", "test", "--indirect-selection", "cautious")]
            record("dbt_tests", "(pipeline: dbt tests of the ward models)", tests)

        except SystemExit as failed:
            # A step that fails (out of memory, say) is in the report too, with the steps before.
            report["failed"] = str(failed.code)[-2000:]
            write_report(report, partial=True)
            raise

    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    report["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    path = write_report(report)
    for other, found in json.loads(path.read_text())["slopes"].items():
        print(
            f"slopes against {other} (seconds per million values): pipeline "
            f"{found['pipeline_s_per_million']:.2f}, "
            f"bare DuckDB {found['duckdb_s_per_million']:.2f} "
            f"({found['pipeline_over_duckdb']:.2f}x; target: within 2x), pandas "
            f"{found['pandas_s_per_million']:.2f}"
        )
    print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
