"""Command line for `make`: prepare the Dagster instance, and run the monthly refresh.

    python -m orchestration.cli init-home
    python -m orchestration.cli run [--month YYYY-MM]

`run` goes through Dagster, into the instance in DAGSTER_HOME, so the run shows in the UI's
history like any other.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from datetime import date

from orchestration.lib.config import Settings
from orchestration.lib.instance import write_dagster_yaml
from orchestration.lib.partitions import month_key, monthly_partitions, partition_month
from orchestration.met.load import landed_files
from orchestration.met.recorded_crime import ContractError, release_month_of


def latest_release(settings: Settings) -> date:
    """The latest release among the files in raw/ (a file's release is its last month)."""
    releases = []
    for path in landed_files(settings.recorded_crime_dir):
        try:
            releases.append(release_month_of(path))
        except ContractError as error:
            print(f"warning: {error}", file=sys.stderr)
    if not releases:
        raise SystemExit(f"no readable MPS recorded crime file in {settings.recorded_crime_dir}")
    return max(releases)


def init_home(settings: Settings) -> None:
    written = write_dagster_yaml(settings.dagster_home)
    if written:
        print(f"wrote {written}")


def run(settings: Settings, month: str | None) -> int:
    # Imported here: loading the definitions imports dagster, dbt and GX (slow), which
    # init-home does not need.
    import dagster as dg

    # Beta-API notices are for the developers, not for the person running the refresh.
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)

    from orchestration.definitions import defs
    from orchestration.publish.preview import overview_frame, overview_table

    os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home))
    write_dagster_yaml(settings.dagster_home)
    key = month or month_key(latest_release(settings))
    partition_month(key)
    if key not in monthly_partitions.get_partition_keys():
        raise SystemExit(f"{key} is not a release month the pipeline knows (2008-01 onwards)")

    print(f"Running monthly_refresh for {key} (Dagster instance: {settings.dagster_home})")
    job = defs.resolve_job_def("monthly_refresh")
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            partition_key=key,
            raise_on_error=False,
            # The steps' own INFO lines (files loaded, rows); Dagster's DEBUG events stay in
            # the UI's run log.
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        )
    if not result.success:
        published = any(
            event.is_step_success and event.step_key == "published__marts"
            for event in result.all_events
        )
        print(
            f"\nThe run {result.run_id} failed; "
            + (
                "the marts were published, but a later step failed."
                if published
                else "the published marts were left as they were."
            )
        )
        for event in result.all_events:
            if event.is_step_failure:
                print(f"  step {event.step_key}: {event.step_failure_data.error.message.strip()}")
        for evaluation in result.get_asset_check_evaluations():
            if not evaluation.passed:
                summary = evaluation.metadata.get("summary")
                print(f"  check {evaluation.check_name}: {summary.value if summary else 'failed'}")
        print("Open the run in the Dagster UI (`make ui`) for the rows that broke each rule.")
        return 1

    warned = [e for e in result.get_asset_check_evaluations() if not e.passed]
    for evaluation in warned:
        print(f"\nwarning: check {evaluation.check_name}: {evaluation.description or 'failed'}")

    frame = overview_frame(settings.published_db_path, settings.borough, partition_month(key))
    print(f"\nCrime overview, {settings.borough}, reporting month {key}")
    if len(frame):
        print(overview_table(frame))
    else:
        print(f"  (no rows: {key} needs 24 months of data before it)")
    print("\nPublished:")
    print(f"  DuckDB   {settings.published_db_path}  (schema marts, open read-only)")
    print(f"  Parquet  {settings.published_parquet_dir}/")
    packs = settings.packs_dir / key
    if packs.exists():
        print(f"  Pack     {packs}/")
    print(f"  Run      {result.run_id} in the Dagster UI's run history (`make ui`)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init-home", help="write DAGSTER_HOME/dagster.yaml when absent")
    run_parser = commands.add_parser("run", help="run the monthly refresh through Dagster")
    run_parser.add_argument("--month", help="release month YYYY-MM (default: latest in raw/)")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.command == "init-home":
        init_home(settings)
        return 0
    return run(settings, args.month)


if __name__ == "__main__":
    sys.exit(main())
