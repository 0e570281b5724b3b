"""Command line for `make`: prepare the Dagster instance, run the refresh, and write and check
the partner returns' templates.

    python -m orchestration.cli init-home
    python -m orchestration.cli run [--month YYYY-MM] [--as-of YYYY-MM-DD] [--borough all]
    python -m orchestration.cli packs [--month YYYY-MM]
    python -m orchestration.cli template --provider marac --quarter 2022-23-Q4 [--out DIR]
    python -m orchestration.cli validate FILE [--source KEY]
    python -m orchestration.cli source --key toy_counts --grain month --folder toy/counts \\
        --columns month:date,borough_name:area,calls:count

`run` goes through Dagster, into the instance in DAGSTER_HOME, so the run shows in the UI's
history like any other. Everything a user can get wrong (a borough, a month, a date, a missing
folder) is checked first and reported in one sentence, before anything runs.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
import warnings
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from orchestration.lib.boroughs import Borough, UnknownBorough, resolve_borough
from orchestration.lib.config import ConfigurationError, InvalidAsOf, Settings, parse_as_of
from orchestration.lib.instance import (
    DAGSTER_PG_ENV,
    name_the_driver,
    uses_postgres,
    write_dagster_yaml,
)
from orchestration.lib.partitions import FIRST_MONTH, partition_month
from orchestration.lib.runs import DEFAULT_WAIT_SECONDS, step_failure_text


class UsageError(ValueError):
    """Something the user asked for cannot work; the message says what and why."""


def init_home(settings: Settings) -> None:
    written = write_dagster_yaml(settings.dagster_home)
    if written:
        storage = "PostgreSQL" if uses_postgres(settings.dagster_home) else "SQLite"
        print(f"wrote {written} ({storage} storage)")
    elif os.environ.get(DAGSTER_PG_ENV) and not uses_postgres(settings.dagster_home):
        print(
            f"{settings.dagster_home / 'dagster.yaml'} keeps its SQLite storage: {DAGSTER_PG_ENV} "
            "is used by a new instance only (remove the file, or add the storage section of "
            "docs/deployment.md, to move to PostgreSQL)",
            file=sys.stderr,
        )


def _month(settings: Settings, month: str | None) -> str:
    from orchestration.jobs import choose_reporting_month, pacing_source

    if month is None:
        choice = choose_reporting_month(settings)
        if choice is not None:
            # One sentence: which month, and why (MONTH=YYYY-MM for another).
            print(choice.why)
            month = choice.month
        else:
            source = pacing_source()
            what = (
                f"no readable {source.title} file in {source.landing_folder(settings.raw_dir)}"
                if source
                else "no source sets the pack's month"
            )
            raise UsageError(
                f"{what}, so there is no month to report on; put the Met's file there, or give "
                "MONTH=YYYY-MM"
            )
    try:
        first = partition_month(month)
    except ValueError as exc:
        raise UsageError(f"MONTH={month}: {exc}") from exc
    if first < partition_month(FIRST_MONTH) or first >= date.today().replace(day=1):
        raise UsageError(
            f"MONTH={month}: a reporting month is a finished month from {FIRST_MONTH} on"
        )
    return month


def _some_source_has_a_file(settings: Settings) -> None:
    """A partnership may start with one source; with none at all, the folder is wrong."""
    from orchestration.landing.load import landed_files
    from orchestration.sources import SOURCES

    settings.check_sources([source.key for source in SOURCES])
    used = [source for source in SOURCES if settings.uses(source.key)]
    if not any(landed_files(source.landing_folder(settings.raw_dir)) for source in used):
        folders = ", ".join(f"{source.folder}/" for source in used[:3])
        raise UsageError(
            f"no source has a file in {settings.raw_dir} (its folders are {folders} and so on): "
            "is SCP_RAW_DIR right?"
        )


def _as_of(value: str | None) -> str:
    try:
        parsed = parse_as_of(value or "")
    except InvalidAsOf as exc:
        raise UsageError(f"AS_OF={value}: {exc}") from exc
    return parsed.isoformat() if parsed else ""


def _check_evaluations(result: Any) -> list[Any]:
    return list(result.get_asset_check_evaluations())


def _what(evaluation: Any) -> str:
    """A check's finding in words: its description, or a dbt test's failing row count."""
    if evaluation.description:
        return str(evaluation.description)
    failed = evaluation.metadata.get("dagster_dbt/failed_row_count")
    return f"dbt test failed on {failed.value} row(s)" if failed else "failed"


def _handovers(result: Any) -> list[tuple[str, str]]:
    """(asset, line) for each period a landed file took over from another in this run."""
    found = []
    for event in result.all_events:
        if not event.is_step_materialization:
            continue
        materialization = event.event_specific_data.materialization
        said = materialization.metadata.get("periods_changed_hands")
        if said is not None:
            asset = materialization.asset_key.to_user_string()
            found += [(asset, line.removeprefix("- ")) for line in str(said.value).splitlines()]
    return found


def _print_outcome(result: Any, settings: Settings, borough: Borough, month: str) -> int:
    import dagster as dg

    from orchestration.publish.preview import overview_frame, overview_table

    manifest: dict[str, Any] = {}
    if settings.manifest_path.exists():
        manifest = json.loads(settings.manifest_path.read_text(encoding="utf-8"))
    units = manifest.get("sources", {})
    not_set_up = {key: unit for key, unit in units.items() if unit["status"] == "not set up"}
    evaluations = _check_evaluations(result)
    refused = [e for e in evaluations if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    warned = [
        e
        for e in evaluations
        if not e.passed
        and e.severity == dg.AssetCheckSeverity.WARN
        # A source not set up is listed once, below, not as a late delivery.
        and not (e.asset_key.path[0] == "raw" and e.asset_key.path[-1] in not_set_up)
    ]
    failures = [e for e in result.all_events if e.is_step_failure]
    published_now = any(
        e.is_step_success and e.step_key == "published__marts" for e in result.all_events
    )

    if failures:
        print("\nFailed steps:")
        for event in failures:
            print(f"  {event.step_key}: {step_failure_text(event)}")
    if refused:
        print("\nRefused or held back (each source keeps its last good data):")
        for evaluation in refused:
            asset = evaluation.asset_key.to_user_string()
            print(f"  {asset} check {evaluation.check_name}: {_what(evaluation)}")
    if warned:
        print("\nWarnings:")
        for evaluation in warned:
            asset = evaluation.asset_key.to_user_string()
            print(f"  {asset} check {evaluation.check_name}: {_what(evaluation)}")
    handovers = _handovers(result)
    if handovers:
        print("\nPeriods whose figures now come from another file:")
        for asset, line in handovers:
            print(f"  {asset}: {line}")
    if not_set_up:
        print("\nNot set up (nothing is held back for them):")
        for key, unit in not_set_up.items():
            print(f"  {key:<28} {unit['reason']}")

    print("\nPublished " + ("in this run:" if published_now else "(unchanged by this run):"))
    for key, unit in units.items():
        if key in not_set_up:
            continue
        state = unit["status"] + (", STALE" if unit.get("stale") else "")
        release = f"release {unit['release']}" if unit.get("release") else ""
        print(f"  {key:<28} {state:<18} {release}")
        if unit.get("reason"):
            print(f"      {unit['reason']}")
    if manifest.get("as_of"):
        print(f"  as of {manifest['as_of']}: from the releases published by then")

    if settings.published_db_path.exists():
        frame = overview_frame(settings.published_db_path, borough, partition_month(month))
        if len(frame.columns):
            print(f"\nCrime overview, {borough.name} ({borough.code}), reporting month {month}")
            print(
                overview_table(frame)
                if len(frame)
                else f"  (no rows: {month} needs 24 months of data)"
            )
    print("\nWhere:")
    print(f"  DuckDB    {settings.published_db_path}  (open read-only)")
    print(f"  Parquet   {settings.published_parquet_dir}/")
    print(f"  Manifest  {settings.manifest_path}")
    if settings.published_catalogue_path.exists():
        print(f"  Catalogue {settings.published_catalogue_path}  (every table and column)")
    packs = settings.packs_dir / month
    if packs.exists():
        print(f"  Pack      {packs}/")
    print(f"  Run       {result.run_id} in the Dagster UI's run history (`make ui`)")
    if not result.success:
        print(
            "\nThe run failed"
            + (
                "; the marts were published before the failure."
                if published_now
                else "; the published copy was left as it was."
            )
        )
        return 1
    if refused or any(unit.get("stale") for unit in manifest.get("sources", {}).values()):
        print(
            "\nPublished with refusals: the sources above marked STALE kept their last good data."
        )
        return 1
    return 0


ALL_BOROUGHS = "all"


def every_borough_pack(settings: Settings, month: str | None) -> int:
    """Each of the 32 boroughs' packs from the published copy, one run each, over the machine's
    cores; a borough that fails is listed and the others are still built. Exit 1 when one
    failed."""
    import time

    from orchestration.borough_runs import run_every_borough
    from orchestration.lib.boroughs import london_boroughs
    from orchestration.publish.borough_packs import pack_dir

    if not settings.published_db_path.exists():
        raise UsageError(
            f"nothing is published yet ({settings.published_db_path}): `make run` first"
        )
    key = _month(settings, month)
    os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home))
    write_dagster_yaml(settings.dagster_home)
    log_dir = settings.warehouse_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"borough-packs-{datetime.now(UTC):%Y%m%dT%H%M%S}.log"
    total = len(london_boroughs())
    print(f"\nEvery borough's pack for {key}, from {settings.published_db_path}:")
    started = time.perf_counter()
    failed = []
    for done, outcome in enumerate(run_every_borough(key, log), start=1):
        state = "built" if outcome.success else "FAILED"
        print(f"  [{done:>2}/{total}] {outcome.name:<24} {state:<7} {outcome.seconds:5.1f} s")
        if not outcome.success:
            failed.append(outcome)
            print(f"          {outcome.message or 'see ' + str(log)}")
    print(
        f"{total - len(failed)} of {total} packs built in {time.perf_counter() - started:.0f} s: "
        f"{pack_dir(settings, key, '<borough>')}/  (run log: {log})"
    )
    return 1 if failed else 0


def run(
    settings: Settings,
    month: str | None,
    as_of: str | None,
    wait_seconds: float,
    every_borough: bool = False,
) -> int:
    """Runs the refresh through Dagster, then every borough's pack when asked; returns the
    exit status."""
    borough = resolve_borough(settings.borough)
    if not settings.raw_dir.is_dir():
        raise UsageError(f"SCP_RAW_DIR={settings.raw_dir} is not a folder: nothing to load")
    _some_source_has_a_file(settings)
    key = _month(settings, month)
    as_of_value = _as_of(as_of)
    # Imported here: loading the definitions imports dagster, dbt and GX (slow), which the
    # checks above and init-home do not need.
    import dagster as dg

    # Beta-API notices are for the developers, not for the person running the refresh.
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)

    from orchestration.definitions import build_definitions
    from orchestration.jobs import REFRESH_JOB
    from orchestration.lib.runs import wait_for_warehouse

    os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home))
    name_the_driver()
    write_dagster_yaml(settings.dagster_home)
    definitions = build_definitions(settings)
    vintage = f", as of {as_of_value}" if as_of_value else ", latest releases"
    print(f"Refresh for {key}{vintage}: {borough.name} (Dagster instance {settings.dagster_home})")
    job = definitions.resolve_job_def(REFRESH_JOB)
    # dbt's own progress lines go to a file (and to the run's logs in the UI), not the terminal.
    log_dir = settings.warehouse_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    dbt_log = log_dir / f"dbt-{datetime.now(UTC):%Y%m%dT%H%M%S}.log"
    with (
        dg.DagsterInstance.get() as instance,
        dbt_log.open("w", encoding="utf-8") as dbt_output,
    ):
        wait_for_warehouse(instance, print, timeout_seconds=wait_seconds)
        with contextlib.redirect_stdout(dbt_output):
            result = job.execute_in_process(
                instance=instance,
                partition_key=key,
                raise_on_error=False,
                tags={"scp/as_of": as_of_value or "latest"},
                run_config={
                    # The steps' own INFO lines (files loaded, rows); Dagster's DEBUG events
                    # stay in the UI's run log.
                    "loggers": {"console": {"config": {"log_level": "INFO"}}},
                    "resources": {"vintage": {"config": {"as_of": as_of_value}}},
                },
            )
    print(f"dbt's output: {dbt_log}")
    status = _print_outcome(result, settings, borough, key)
    if every_borough and settings.published_db_path.exists():
        status = max(status, every_borough_pack(settings, key))
    return status


def template(settings: Settings, provider_key: str, quarter_key: str, out: str | None) -> int:
    """`make template`: a blank return for a provider and quarter."""
    from orchestration.lib.periods import FinancialQuarter, NotAQuarter
    from orchestration.sources.partner_returns.catalogue import CatalogueError, load_catalogue
    from orchestration.sources.partner_returns.template import write_template

    catalogue = load_catalogue()
    try:
        provider = catalogue.provider(provider_key)
    except CatalogueError as exc:
        raise UsageError(f"PROVIDER={provider_key}: {exc}") from exc
    try:
        quarter = FinancialQuarter.parse(quarter_key)
    except NotAQuarter as exc:
        raise UsageError(f"QUARTER={quarter_key}: {exc}") from exc
    folder = Path(out) if out else settings.warehouse_dir / "templates"
    path = write_template(provider, quarter, folder)
    print(f"wrote {path}")
    print(
        f"  {provider.title}, {quarter.label} ({quarter.months}): fill in the yellow cells, "
        f"then check it with: make validate FILE={path}"
    )
    return 0


def _source_of(settings: Settings, path: Path, key: str) -> Any:
    """The source a file is for: `SOURCE=key`, else the one whose landing folder holds it."""
    from orchestration.sources import SOURCES

    if key:
        found = next((source for source in SOURCES if source.key == key), None)
        if found is None:
            raise UsageError(
                f"SOURCE={key}: no such source (the sources: "
                f"{', '.join(source.key for source in SOURCES)})"
            )
        return found
    folder = path.resolve().parent
    return next(
        (s for s in SOURCES if s.landing_folder(settings.raw_dir).resolve() == folder), None
    )


def validate_file(source: Any, path: Path) -> int:
    """`make validate` for a source other than the partner returns: the contract the gate
    applies to the file alone (the sentence it would refuse it with), before it lands."""
    import duckdb

    from orchestration.landing.contract import ContractError
    from orchestration.landing.load import check_file

    with duckdb.connect() as con:
        try:
            parsed = check_file(con, source, path, date.today())
        except ContractError as error:
            print(f"Checked {path.name} as {source.title}")
            print(f"\nBlocking (the file would be refused):\n  {error.where}: {error.rule}")
            return 1
        rows, release = parsed.row_count, parsed.release
        parsed.discard(con)
    print(f"Checked {path.name} as {source.title}: release {release.label}, {rows:,} rows")
    print(
        "  It meets the contract. At the gate the source's checks run on it too ("
        + ", ".join(suite.name for suite in source.suites)
        + "), against the reference data and the files already landed."
    )
    return 0


def validate(settings: Settings, file: str, source_key: str = "") -> int:
    """`make validate`: every problem of a return, with its sheet and cell, or the contract of
    another source's file; 1 if one blocks."""
    path = Path(file).expanduser()
    if not path.is_file():
        raise UsageError(f"FILE={file}: no such file")
    source = _source_of(settings, path, source_key)
    if source is not None and not source.key.startswith("partner_"):
        return validate_file(source, path)
    return validate_return_file(settings, path)


def validate_return_file(settings: Settings, path: Path) -> int:
    """A partner return: every problem with its sheet and cell; 1 if one blocks."""
    from orchestration.sources.partner_returns.catalogue import load_catalogue
    from orchestration.sources.partner_returns.validate import (
        load_history,
        read_header,
        validate_return,
    )

    catalogue = load_catalogue()
    # A file in a provider's landing folder must be that provider's.
    folder_provider = path.resolve().parent.name
    expected = folder_provider if folder_provider in catalogue.keys else None
    header = read_header(path, catalogue)
    history = []
    if header.provider is not None:
        landing = settings.raw_dir / header.provider.folder
        history = load_history(landing, header.provider, exclude=path, catalogue=catalogue)
    report = validate_return(
        path,
        catalogue=catalogue,
        expected_provider=expected,
        today=date.today(),
        history=history,
    )
    what = ", ".join(
        part
        for part in (
            report.provider.title if report.provider else "",
            f"{report.quarter.label} ({report.quarter.months})" if report.quarter else "",
            f"submitted on {report.submitted_on:%Y-%m-%d}" if report.submitted_on else "",
        )
        if part
    )
    print(f"Checked {path.name}" + (f": {what}" if what else ""))
    if header.provider is not None:
        print(
            f"  against the catalogue and the provider's {len(history)} other return(s) in "
            f"{settings.raw_dir / header.provider.folder}"
        )
    if report.blocking:
        print("\nBlocking (the return would be refused):")
        for problem in report.blocking:
            print(f"  {problem}")
    if report.warnings:
        print("\nWarnings (the return is accepted; the pack shows a note):")
        for problem in report.warnings:
            print(f"  {problem}")
    blocking, warned = len(report.blocking), len(report.warnings)
    if blocking:
        print(
            f"\n{blocking} blocking problem{'s' if blocking != 1 else ''}, {warned} "
            f"warning{'s' if warned != 1 else ''}: correct the cells above before sending."
        )
        return 1
    print(f"\nNo blocking problem, {warned} warning{'s' if warned != 1 else ''}: ready to send.")
    return 0


def source(key: str, grain: str, folder: str, columns: str, title: str) -> int:
    """`make source`: a new source's starting files (orchestration/scaffold.py)."""
    from orchestration.scaffold import ScaffoldError, new_source, next_steps, scaffold

    try:
        new = new_source(key, grain, folder, columns, title)
        written = scaffold(new)
    except ScaffoldError as exc:
        raise UsageError(str(exc)) from exc
    print(next_steps(new, written))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init-home", help="write DAGSTER_HOME/dagster.yaml when absent")
    run_parser = commands.add_parser("run", help="run the refresh through Dagster")
    run_parser.add_argument(
        "--month",
        help="reporting month YYYY-MM (default: the end of the partner returns' latest quarter, "
        "at most recorded crime's latest month)",
    )
    run_parser.add_argument(
        "--as-of", help="build from the releases published by this date, YYYY-MM-DD"
    )
    run_parser.add_argument(
        "--wait-minutes",
        type=float,
        default=DEFAULT_WAIT_SECONDS / 60,
        help="how long to wait for another run using the warehouse (default 30)",
    )
    run_parser.add_argument(
        "--borough",
        default="",
        help="the borough of the pack (default SCP_BOROUGH, else Barnet); `all`: the pack "
        "for that borough, then every London borough's pack from the same published copy",
    )
    packs_parser = commands.add_parser(
        "packs", help="every London borough's pack from the published copy, one run each"
    )
    packs_parser.add_argument("--month", help="reporting month YYYY-MM (default as for run)")
    template_parser = commands.add_parser(
        "template", help="write a blank partner return for a provider and quarter"
    )
    template_parser.add_argument("--provider", required=True, help="a catalogue provider key")
    template_parser.add_argument("--quarter", required=True, help="YYYY-YY-Qn, e.g. 2022-23-Q4")
    template_parser.add_argument("--out", help="the folder (default: warehouse/templates)")
    validate_parser = commands.add_parser(
        "validate", help="check a partner return or a source's file; exit 1 if it would be refused"
    )
    validate_parser.add_argument(
        "file", help="the return (.xlsx, or its Return sheet as .csv), or any source's file"
    )
    validate_parser.add_argument(
        "--source", default="", help="the source the file is for (default: its landing folder's)"
    )
    source_parser = commands.add_parser("source", help="write a new source's starting files")
    source_parser.add_argument("--key", required=True, help="the source's key, as toy_counts")
    source_parser.add_argument("--grain", required=True, help="month or quarter")
    source_parser.add_argument("--folder", required=True, help="its folder under raw/")
    source_parser.add_argument(
        "--columns", required=True, help="name:kind,..., as month:date,borough_name:area"
    )
    source_parser.add_argument("--title", default="", help="its name in the UI and the pack")
    args = parser.parse_args(argv)
    try:
        from orchestration.sources import DOWNLOAD_ENVS

        settings = Settings.from_env(DOWNLOAD_ENVS)
        if args.command == "init-home":
            init_home(settings)
            return 0
        if args.command == "template":
            return template(settings, args.provider, args.quarter, args.out)
        if args.command == "validate":
            return validate(settings, args.file, args.source)
        if args.command == "source":
            return source(args.key, args.grain, args.folder, args.columns, args.title)
        if args.command == "packs":
            return every_borough_pack(settings, args.month or None)
        every_borough = args.borough.strip().lower() == ALL_BOROUGHS
        if args.borough and not every_borough:
            settings = dataclasses.replace(settings, borough=args.borough)
        return run(
            settings,
            args.month or None,
            args.as_of or None,
            args.wait_minutes * 60,
            every_borough=every_borough,
        )
    except (UsageError, UnknownBorough, ConfigurationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - known faults get a sentence, bugs a traceback
        from orchestration.lib.duck import WarehouseUnavailable
        from orchestration.lib.runs import WarehouseBusy

        if isinstance(exc, WarehouseUnavailable | WarehouseBusy):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
