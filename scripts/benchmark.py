"""Times a refresh on the sample data by stage, and the whole refresh launched two ways.

    make bench            # or: .venv/bin/python scripts/benchmark.py [--repeat N]

Works in temporary folders, never the project's warehouse or Dagster instance.

1. The whole refresh as `make run` runs it (`python -m orchestration.cli run`, in process), from a
   new warehouse and then again on the warehouse it left, each split into its stages from its
   run's record in the Dagster instance: the process's start-up, the landing steps, dbt (its own
   start-up, its nodes, Dagster recording its events, the catalogue), publish, the board pack;
   with dbt's node time by kind and the number of events the run wrote.
2. The same refresh as the UI and the schedule launch it: through the instance's run launcher,
   as `dagster job launch` does, which starts a run worker that loads the code location first.
3. The Met dashboard's full "other crime" release (472,354 rows, Safer Neighbourhood Team rows
   included): its contract parse as CSV against DuckDB's own bare `read_csv` of the same file
   (target: within 2x), the whole landing of it (parse, gate, load), and its parse as XLSX.
   The real release when `../shared/data/mps_monthly_dashboard/` is beside the project (written
   out by scripts/make_dashboard_sample.py), else a file of the same shape and size made from
   the sample; the output says which.

Wall-clock times on a shared machine vary by tens of percent between runs; compare medians of
--repeat.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import duckdb

warnings.filterwarnings("ignore", module="dagster")
PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from orchestration.landing.load import sync_source  # noqa: E402
from orchestration.lib.duck import read_write  # noqa: E402

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
import make_dashboard_sample  # noqa: E402

BIN = Path(sys.executable).parent
MONTH = "2021-05"
# Every run's stages, for a second look without running again.
RESULTS = PROJECT_ROOT / "warehouse" / "bench" / "sample.json"
# The instance the launch comparison uses: launched runs start at once (no daemon needed).
LAUNCH_INSTANCE = """\
run_coordinator:
  module: dagster._core.run_coordinator
  class: DefaultRunCoordinator
concurrency:
  pools:
    granularity: op
    default_limit: 1
telemetry:
  enabled: false
"""


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


def run_watched(name: str, command: list[str], env: dict[str, str], cwd: Path) -> None:
    """Runs a command to the end, sampling its peak memory; fails loudly if it fails."""
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=output)
        peak = 0
        while process.poll() is None:
            peak = max(peak, high_water_mark_kib(process.pid))
            time.sleep(0.05)
        if process.returncode:
            output.seek(0)
            tail = output.read().decode(errors="replace")[-2000:]
            raise SystemExit(f"{name} failed ({process.returncode}):\n{tail}")
    peaks[name] = max(peaks.get(name, 0), peak)


def refresh_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCP_", "DAGSTER_"))}
    env.update(
        SCP_RAW_DIR=str(PROJECT_ROOT / "raw"),
        SCP_WAREHOUSE_DIR=str(root / "warehouse"),
        DAGSTER_HOME=str(root / "dagster_home"),
        PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
    )
    return env


def cli_once(root: Path, fresh: bool = True) -> float:
    """`make run`: the whole refresh in process, from a fresh warehouse (or, `fresh=False`,
    again on the warehouse the last one left: nothing new has landed)."""
    if fresh:
        shutil.rmtree(root, ignore_errors=True)
    env = refresh_env(root)
    command = [str(BIN / "python"), "-m", "orchestration.cli", "run", "--month", MONTH]
    return timed(lambda: run_watched("make run", command, env, PROJECT_ROOT))


def _dbt_command_spans(logs: list, step: str) -> dict[str, tuple[float, float]]:
    """dbt command ('build', 'docs') -> (start, end) timestamps, from dagster-dbt's log lines."""
    spans: dict[str, list[float]] = {}
    for entry in logs:
        message = entry.user_message or ""
        if entry.step_key != step or "dbt command: `" not in message:
            continue
        command = message.split("`")[1].split()[1]
        spans.setdefault(command, [entry.timestamp, entry.timestamp])
        spans[command][1] = entry.timestamp
    return {command: (start, end) for command, (start, end) in spans.items()}


def refresh_stages(home: Path, wall: float) -> dict[str, float]:
    """Where a `make run` of `wall` seconds went, read back from its run in the Dagster instance
    at `home`. The stages add up to `wall`: the process's start (imports, definitions, the
    instance), the landing steps, the dbt step split into dbt's own start-up, its nodes on the
    clock, Dagster recording what dbt reported (a materialization per model, a check per test,
    their row counts) and the catalogue; publish; the pack; the rest. Entries in brackets are
    not on the clock: dbt's node time by kind (threads overlap them) and the events written."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as instance:
        (record,) = instance.get_run_records(limit=1)
        run_id = record.dagster_run.run_id
        steps = instance.get_run_step_stats(run_id)
        logs = list(instance.all_logs(run_id))
    by_step = {s.step_key: s.end_time - s.start_time for s in steps if s.end_time and s.start_time}
    spans = _dbt_command_spans(logs, "dbt_warehouse")
    build = spans["build"][1] - spans["build"][0]
    docs = spans["docs"][1] - spans["docs"][0] if "docs" in spans else 0.0
    target = next(
        Path(e.dagster_event.step_materialization_data.materialization.metadata["dbt_target"].path)
        for e in logs
        if e.dagster_event is not None
        and e.dagster_event.is_step_materialization
        and e.dagster_event.asset_key == dg.AssetKey(["audit", "dbt_results"])
    )
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    node_time: dict[str, float] = {}
    for result in results["results"]:
        kind = result["unique_id"].split(".")[0]
        node_time[kind] = node_time.get(kind, 0.0) + result["execution_time"]
    first_step = min(s.start_time for s in steps if s.start_time)
    stages = {
        "start-up (imports, definitions)": first_step - (record.end_time - wall),
        "landing (every source's step)": sum(
            t for key, t in by_step.items() if key.startswith("raw__")
        ),
        "dbt: its start-up and parse": build - results["elapsed_time"],
        "dbt: its nodes, on the clock": results["elapsed_time"],
        "dbt: Dagster records dbt's events": by_step["dbt_warehouse"] - build - docs,
        "dbt: catalogue (dbt docs, or the kept site)": docs,
        "publish": by_step.get("published__marts", 0.0),
        "board pack (HTML, PDF, workbook)": by_step.get("published__board_pack", 0.0),
    }
    stages["the rest (other steps, the run's end)"] = wall - sum(stages.values())
    for kind in ("model", "test", "seed"):
        stages[f"[dbt {kind}s' node time]"] = node_time.get(kind, 0.0)
    stages["[events written to the instance]"] = float(len(logs))
    return stages


def launched_once(root: Path) -> float:
    """The same refresh through the run launcher, as the UI, a schedule or a sensor starts it:
    from `dagster job launch` to the end of the run worker it started (read from the run's
    record in the instance)."""
    import dagster as dg

    shutil.rmtree(root, ignore_errors=True)
    home = root / "dagster_home"
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text(LAUNCH_INSTANCE, encoding="utf-8")
    env = refresh_env(root)
    command = [
        str(BIN / "dagster"),
        "job",
        "launch",
        "-w",
        "workspace.yaml",
        "-j",
        "refresh",
        "--tags",
        f'{{"dagster/partition": "{MONTH}"}}',
    ]
    started = time.time()
    run_watched("dagster job launch", command, env, PROJECT_ROOT)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        while True:
            (record,) = instance.get_run_records(limit=1)
            if record.dagster_run.is_finished:
                break
            time.sleep(0.2)
    if record.dagster_run.status != dg.DagsterRunStatus.SUCCESS:
        raise SystemExit(f"the launched run ended {record.dagster_run.status}: see {home}")
    return record.end_time - started


DASHBOARD_ROWS = 472_354


def dashboard_release(folder: Path) -> tuple[Path, str]:
    """The full other-crime release as the Datastore's CSV, and what it is."""
    shared = make_dashboard_sample.SHARED / make_dashboard_sample.FULL_RELEASE
    target = folder / make_dashboard_sample.RELEASES[make_dashboard_sample.FULL_RELEASE]
    if shared.exists():
        rows = make_dashboard_sample.write_csv(shared, target, sample=False)
        return target, f"the full real release ({rows:,} rows, from {shared.parent})"
    # No real release beside the project: the sample's rows, repeated as Safer Neighbourhood
    # Team rows under distinct names, up to the real release's row count.
    sample = make_dashboard_sample.SAMPLE_DIR / target.name
    con = duckdb.connect()
    try:
        con.execute(
            f"""copy (
                with sample as (select * from read_csv('{sample}', all_varchar = true)),
                copies as (
                    select sample.* replace (
                        case when copy = 0 then "Area Type"
                            else 'Safer Neighbourhood Teams' end as "Area Type",
                        case when copy = 0 then "Borough_SNT"
                            else "Borough_SNT" || ' Ward ' || copy end as "Borough_SNT"
                    ), copy
                    from sample cross join range(0, 20) as r(copy)
                )
                select * exclude (copy) from copies order by copy limit {DASHBOARD_ROWS}
            ) to '{target}' (format csv, header true)"""
        )
    finally:
        con.close()
    return target, (
        f"a synthesised file of the real release's shape and size ({DASHBOARD_ROWS:,} rows; "
        "../shared/data/mps_monthly_dashboard is not beside the project)"
    )


def write_workbook(csv_path: Path, target: Path) -> None:
    """The release as the Datastore's XLSX: dates as date cells, counts as numbers."""
    import csv as csv_module
    from datetime import datetime

    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("MPS_MonthlyCrimeDashboard_Other")
    with csv_path.open(newline="", encoding="utf-8") as handle:
        reader = csv_module.reader(handle)
        sheet.append(next(reader))
        for row in reader:
            sheet.append(
                [
                    datetime.fromisoformat(row[0]),
                    *[value or None for value in row[1:10]],
                    int(row[10]),
                    datetime.fromisoformat(row[11]),
                ]
            )
    workbook.save(target)


def bare_read_csv(path: Path) -> None:
    """DuckDB's own loading of the file: read_csv with its type detection, into a table."""
    con = duckdb.connect()
    try:
        con.execute(f"create table release as select * from read_csv('{path}')")
    finally:
        con.close()


def dashboard_bench(folder: Path, repeat: int) -> None:
    from orchestration.sources.met_crime_dashboard import SOURCE as DASHBOARD

    path, what = dashboard_release(folder)
    parser = DASHBOARD.parser

    def land() -> None:
        settings_dir = folder / "land"
        shutil.rmtree(settings_dir, ignore_errors=True)
        landing = DASHBOARD.landing_folder(settings_dir / "raw")
        landing.mkdir(parents=True)
        shutil.copy(path, landing / path.name)
        with read_write(settings_dir / "warehouse.duckdb") as con:
            report = sync_source(con, DASHBOARD, settings_dir / "raw")
        if report.refused:
            raise SystemExit(f"the release was refused: {report.refused[0].message}")

    rows = parser.parse(path).rows.num_rows
    # Alternated, so a busy spell on a shared machine weighs on both alike.
    bare: list[float] = []
    parse: list[float] = []
    for _ in range(repeat):
        bare.append(timed(lambda: bare_read_csv(path)))
        parse.append(timed(lambda: parser.parse(path)))
    landing = [timed(land) for _ in range(repeat)]
    workbook = path.with_suffix(".xlsx")
    written = timed(lambda: write_workbook(path, workbook))
    xlsx = [timed(lambda: parser.parse(workbook)) for _ in range(max(1, repeat - 1))]
    ratio = statistics.median(parse) / statistics.median(bare)
    print(f"Met dashboard release: {what}")
    print(f"  {path.stat().st_size / 1e6:.1f} MB CSV, {rows:,} rows parsed; median s")
    print(f"  {'DuckDB bare read_csv into a table':<44} {statistics.median(bare):7.2f}")
    print(
        f"  {'contract parse, CSV (read, type, check)':<44} {statistics.median(parse):7.2f}"
        f"   {ratio:.2f}x bare read_csv (target: within 2x)"
    )
    print(
        f"  {'landing, CSV (parse, GX gate, load into raw)':<44} {statistics.median(landing):7.2f}"
    )
    print(
        f"  {'contract parse, XLSX (python-calamine)':<44} {statistics.median(xlsx):7.2f}"
        f"   ({workbook.stat().st_size / 1e6:.1f} MB workbook, written in {written:.0f} s)"
    )


def on_the_clock(stages: dict[str, float]) -> float:
    """The whole refresh: its stages without the bracketed entries, which are not on the clock."""
    return sum(seconds for stage, seconds in stages.items() if not stage.startswith("["))


def report(runs: dict[str, list[dict[str, float]]]) -> None:
    """The stages' medians, one column per kind of run."""
    names = list(runs)
    print(f"  {'stage':<44}" + "".join(f"{name:>14}" for name in names))
    for stage in runs[names[0]][0]:
        cells = [statistics.median(run[stage] for run in runs[name]) for name in names]
        form = "14,.0f" if stage.startswith("[events") else "14.2f"
        print(f"  {stage:<44}" + "".join(format(cell, form) for cell in cells))
    walls = [statistics.median(on_the_clock(run) for run in runs[name]) for name in names]
    print(f"  {'whole refresh (make run)':<44}" + "".join(f"{wall:14.2f}" for wall in walls))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs to take the median of")
    parser.add_argument(
        "--stages-only",
        action="store_true",
        help="only the refresh by stage (no launcher, no dashboard)",
    )
    parser.add_argument(
        "--dashboard-only", action="store_true", help="only the Met dashboard release's timings"
    )
    args = parser.parse_args()

    if args.dashboard_only:
        with tempfile.TemporaryDirectory(prefix="scp-bench-dashboard-") as tmp:
            dashboard_bench(Path(tmp), args.repeat)
        return 0

    with tempfile.TemporaryDirectory(prefix="scp-bench-") as tmp:
        raw = PROJECT_ROOT / "raw"
        files = [p for p in raw.rglob("*") if p.is_file() and p.suffix != ".md"]
        size = sum(path.stat().st_size for path in files)
        root = Path(tmp) / "cli"
        runs: dict[str, list[dict[str, float]]] = {"new warehouse": [], "run again": []}
        for _ in range(args.repeat):
            wall = cli_once(root)
            runs["new warehouse"].append(refresh_stages(root / "dagster_home", wall))
            # The same refresh on the warehouse it left: files unchanged, the crosswalk's fit
            # and the catalogue kept, every model and test built again.
            wall = cli_once(root, fresh=False)
            runs["run again"].append(refresh_stages(root / "dagster_home", wall))
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(runs, indent=1), encoding="utf-8")
        print(f"sample: {len(files)} file(s), {size / 1e6:.1f} MB; {args.repeat} run(s); median s")
        print("make run, by stage (read back from its run in the Dagster instance):")
        report(runs)
        print(
            f"peak memory of make run: {peaks.get('make run', 0) / 1024:.0f} MiB "
            "(sampled every 50 ms; dbt runs in a process of its own, not counted)"
        )
        warehouse = root / "warehouse" / "warehouse.duckdb"
        print(f"working warehouse after a run: {warehouse.stat().st_size / 1e6:.1f} MB")
        if args.stages_only:
            return 0
        cli = [on_the_clock(run) for run in runs["new warehouse"]]
        launched = [launched_once(Path(tmp) / "launched") for _ in range(args.repeat)]
        ratio = statistics.median(launched) / statistics.median(cli)
        print("whole refresh, from a new warehouse (median s):")
        print(
            f"  {'make run (in process)':<40} {statistics.median(cli):7.2f}   (min {min(cli):.2f})"
        )
        print(
            f"  {'run launcher (UI, schedule, sensor)':<40} {statistics.median(launched):7.2f}"
            f"   (min {min(launched):.2f})"
        )
        print(f"  launched / make run: {ratio:.2f}x (target: within 1.5x)")
        print(
            f"peak memory: launched refresh {peaks.get('dagster job launch', 0) / 1024:.0f} MiB "
            "(the launcher process; its run worker is measured by the make run figure)"
        )
    with tempfile.TemporaryDirectory(prefix="scp-bench-dashboard-") as tmp:
        dashboard_bench(Path(tmp), args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
