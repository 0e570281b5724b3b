"""A source's ingest asset: its landing folder into `raw.<source>`, with the gate's checks.

The checks run inside the ingest step, before the load commits: `contract` (every file is of
an accepted type, meets the parser's rules and holds only finished periods), one check per GX
suite, `fresh` (the expected release is in by its delivery day) and, for a source with a
download, `download`. A refused file fails its check with the file, the place and the rule,
and the source keeps its last good data; the step itself succeeds, so every other source still
loads, builds and publishes (docs/decisions.md, "Per-source write-audit-publish").
"""

from datetime import date

import dagster as dg
from dagster import AssetExecutionContext

from orchestration.landing.download import DownloadError, fetch_file
from orchestration.landing.freshness import expected_period, freshness_problem, period_label
from orchestration.landing.gate import SuiteOutcome
from orchestration.landing.load import (
    LandingFolderMissing,
    SourceNotSetUp,
    SyncReport,
    ensure_tables,
    sync_source,
)
from orchestration.landing.source import Source
from orchestration.lib.duck import WarehouseUnavailable, read_write
from orchestration.lib.partitions import WAREHOUSE_POOL
from orchestration.lib.resources import PipelineSettings

OWNERS = ["team:community-safety-data"]
CONTRACT_CHECK = "contract"
FRESH_CHECK = "fresh"
DOWNLOAD_CHECK = "download"


def raw_asset_key(source: Source) -> dg.AssetKey:
    return dg.AssetKey(["raw", source.key])


def delivery_day(source: Source, pipeline: PipelineSettings) -> int:
    """The source's declared delivery day, moved by SCP_FRESHNESS_DEADLINE_DAY for monthly
    sources (the Met's day, which the monthly schedule runs on too)."""
    if pipeline.delivery_day and source.grain.value == "month":
        return pipeline.delivery_day
    return source.delivery_day


def files_markdown(report: SyncReport) -> str:
    """Every file of the folder and what became of it, for the materialization's metadata."""
    lines = [
        "| file | status | release | periods | rows | SHA-256 | why |",
        "|---|---|---|---|---|---|---|",
    ]
    for verdict in report.verdicts:
        release = verdict.release
        periods = f"{release.first_period:%Y-%m} to {release.last_period:%Y-%m}" if release else ""
        why = f"{verdict.where}: {verdict.rule}" if verdict.status == "refused" else verdict.rule
        lines.append(
            f"| {verdict.name} | {verdict.status} | {release.label if release else ''} | "
            f"{periods} | {verdict.rows:,} | `{verdict.sha256[:16]}` | {why} |"
        )
    return "\n".join(lines)


def _findings(outcome: SuiteOutcome) -> str:
    """A failed suite's rows in words, file by file: what a warning says in the UI, since it
    refuses no file whose message would say it."""
    files = dict.fromkeys(
        str(example["source_file"])
        for failure in outcome.result.failures
        for example in failure.examples
        if example.get("source_file")
    )
    if not files:
        return outcome.result.summary()
    return "; ".join(": ".join((file, *outcome.explain(file))) for file in files)


def _suite_result(source: Source, outcome: SuiteOutcome, report: SyncReport) -> dg.AssetCheckResult:
    refused = [v for v in report.refused if outcome.suite.name in v.check.split(", ")]
    severity = dg.AssetCheckSeverity.ERROR if outcome.suite.blocking else dg.AssetCheckSeverity.WARN
    metadata: dict[str, dg.RawMetadataValue] = {
        "suite": dg.MetadataValue.path(
            str(source.suite_dir(outcome.suite) / f"{outcome.suite.name}.json")
        ),
        "rule": outcome.suite.rule,
        "rows_validated": outcome.result.rows,
        "summary": outcome.result.summary(),
    }
    if refused:
        metadata["refused_files"] = dg.MetadataValue.md(
            "\n".join(f"- {verdict.message}" for verdict in refused)
        )
    if not outcome.passed:
        metadata["failures"] = dg.MetadataValue.md(outcome.result.failures_markdown())
    passed = outcome.passed and not refused
    description = (
        "; ".join(v.message for v in refused)
        if refused
        else (_findings(outcome) if not outcome.passed else f"passed: {outcome.suite.rule}")
    )
    return dg.AssetCheckResult(
        check_name=outcome.suite.name,
        passed=passed,
        severity=severity,
        description=description,
        metadata=metadata,
    )


# The refusals the contract check reports (the others are the suites').
CONTRACT_FAMILIES = ("contract", "file type", "future period", "whole periods", "percentage scale")


def _contract_result(report: SyncReport) -> dg.AssetCheckResult:
    refused = [v for v in report.refused if v.check in CONTRACT_FAMILIES]
    return dg.AssetCheckResult(
        check_name=CONTRACT_CHECK,
        passed=not refused,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(v.message for v in refused) or "every new file meets the contract",
        metadata={
            "refused_files": len(refused),
            "files": dg.MetadataValue.md(files_markdown(report)),
        },
    )


def _fresh_result(source: Source, report: SyncReport | None, day: int) -> dg.AssetCheckResult:
    today = date.today()
    latest = report.latest if report else None
    problem = freshness_problem(source.grain, latest.last_period if latest else None, today, day)
    return dg.AssetCheckResult(
        check_name=FRESH_CHECK,
        passed=problem is None,
        severity=dg.AssetCheckSeverity.WARN,
        description=problem or "the expected release is loaded",
        metadata={
            "expected_release": period_label(
                source.grain, expected_period(source.grain, today, day)
            ),
            "latest_release": latest.release if latest else "",
            "delivery_day": day,
        },
    )


def _check_specs(source: Source) -> list[dg.AssetCheckSpec]:
    key = raw_asset_key(source)
    specs = [
        dg.AssetCheckSpec(
            CONTRACT_CHECK,
            asset=key,
            description=(
                f"Every new file in raw/{source.folder}/ is of an accepted type "
                f"({', '.join(source.file_types)}), meets the parser's rules and holds only "
                "finished periods. A file that does not is refused, naming the place and the rule."
            ),
        ),
        *(
            dg.AssetCheckSpec(
                suite.name,
                asset=key,
                description=(
                    f"{suite.rule[0].upper()}{suite.rule[1:]} (GX suite expectations/"
                    f"{'shared' if suite.shared else source.key}/{suite.name}.json). "
                    + (
                        "Refuses the files that break it; the source keeps its last good data."
                        if suite.blocking
                        else "A warning: nothing is refused."
                    )
                ),
            )
            for suite in source.suites
        ),
        dg.AssetCheckSpec(
            FRESH_CHECK,
            asset=key,
            description=(
                f"The expected release is loaded by its delivery day (day {source.delivery_day} "
                f"of the month after the {source.grain.value} ends). A warning."
            ),
        ),
    ]
    if source.download_env:
        specs.append(
            dg.AssetCheckSpec(
                DOWNLOAD_CHECK,
                asset=key,
                description=(
                    f"With {source.download_env} set, the latest file is fetched into the "
                    "landing folder first; a failed download lands nothing."
                ),
            )
        )
    return specs


def _kinds(source: Source) -> set[str]:
    kinds = {"python", "duckdb"}
    kinds |= {"excel" if t in (".xlsx", ".xls") else t.lstrip(".") for t in source.file_types}
    return kinds


def build_ingest_asset(source: Source) -> dg.AssetsDefinition:
    """The ingest asset of one source, with its checks, from its declaration."""

    @dg.asset(
        key=raw_asset_key(source),
        group_name=source.key,
        pool=WAREHOUSE_POOL,
        owners=OWNERS,
        kinds=_kinds(source),
        tags={"source": source.key, "grain": source.grain.value},
        check_specs=_check_specs(source),
        description=(
            f"{source.title}: every file in raw/{source.folder}/, checked and loaded into "
            f"{source.table} with its lineage (file, SHA-256, row, release). Files are kept by "
            f"name and SHA-256, so an unchanged file is never loaded twice; a file removed from "
            f"the folder leaves the table. Releases: {source.release_rule}"
        ),
    )
    def ingest(context: AssetExecutionContext, pipeline: PipelineSettings) -> dg.MaterializeResult:
        settings = pipeline.settings
        folder = source.landing_folder(settings.raw_dir)
        checks: list[dg.AssetCheckResult] = []
        if not settings.uses(source.key):
            return _not_started(
                source,
                pipeline,
                "not used: this partnership's SCP_SOURCES leaves it out; its table is empty",
                warn=False,
            )
        if source.download_env:
            checks.append(_download(context, source, pipeline))
        try:
            with read_write(settings.warehouse_path) as con:
                report = sync_source(con, source, settings.raw_dir)
        except WarehouseUnavailable as exc:
            raise dg.Failure(description=str(exc)) from exc
        except SourceNotSetUp as exc:
            context.log.warning(str(exc))
            return _not_started(source, pipeline, str(exc), warn=True, earlier=checks)
        except LandingFolderMissing as exc:
            context.log.error(str(exc))
            checks.append(
                dg.AssetCheckResult(
                    check_name=CONTRACT_CHECK,
                    passed=False,
                    severity=dg.AssetCheckSeverity.ERROR,
                    description=str(exc),
                )
            )
            checks += [
                dg.AssetCheckResult(
                    check_name=suite.name,
                    passed=True,
                    description="not run: the landing folder is missing",
                )
                for suite in source.suites
            ]
            checks.append(_fresh_result(source, None, delivery_day(source, pipeline)))
            return dg.MaterializeResult(
                metadata={"landing_folder": dg.MetadataValue.path(str(folder)), "fault": str(exc)},
                check_results=checks,
            )

        for verdict in report.refused:
            context.log.error(f"refused {verdict.message}")
        for verdict in report.ignored:
            context.log.warning(f"{verdict.name} in {folder}: {verdict.rule}; not read")
        if report.refused:
            context.instance.add_run_tags(
                context.run_id, {f"scp/refused-{source.key}": str(len(report.refused))}
            )
        context.log.info(
            f"{source.key}: {len(report.loaded)} file(s) loaded, {len(report.unchanged)} "
            f"unchanged, {len(report.refused)} refused, {len(report.removed)} removed; "
            f"{report.total_rows:,} rows in {source.table}"
        )
        for handover in report.handovers:
            context.log.warning(f"{source.key}: {handover}")
        checks.append(_contract_result(report))
        checks += [_suite_result(source, outcome, report) for outcome in report.outcomes]
        checks.append(_fresh_result(source, report, delivery_day(source, pipeline)))
        metadata: dict[str, dg.RawMetadataValue] = {
            "dagster/row_count": report.total_rows,
            "files": dg.MetadataValue.md(files_markdown(report)),
            "files_loaded": len(report.loaded),
            "files_unchanged": len(report.unchanged),
            "files_refused": len(report.refused),
            "files_removed": len(report.removed),
            "releases": ", ".join(f.release for f in report.accepted),
            "landing_folder": dg.MetadataValue.path(str(folder)),
        }
        if report.handovers:
            metadata["periods_changed_hands"] = dg.MetadataValue.md(
                "\n".join(f"- {handover}" for handover in report.handovers)
            )
        if report.latest:
            metadata["source_file"] = dg.MetadataValue.path(str(folder / report.latest.name))
            metadata["source_sha256"] = report.latest.sha256
            metadata["release"] = report.latest.release
        return dg.MaterializeResult(metadata=metadata, check_results=checks)

    return ingest


def _not_started(
    source: Source,
    pipeline: PipelineSettings,
    why: str,
    *,
    warn: bool,
    earlier: list[dg.AssetCheckResult] | None = None,
) -> dg.MaterializeResult:
    """A source with nothing to load yet: its raw table exists, empty, so the models built on
    it build empty and hold nothing back. One warning (on `fresh`) when it is not set up; none
    when the partnership does not use it."""
    if not warn:
        with read_write(pipeline.settings.warehouse_path) as con:
            ensure_tables(con, source)
    checks = [
        *(earlier or []),
        dg.AssetCheckResult(check_name=CONTRACT_CHECK, passed=True, description=why),
        *(
            dg.AssetCheckResult(check_name=suite.name, passed=True, description=why)
            for suite in source.suites
        ),
        dg.AssetCheckResult(
            check_name=FRESH_CHECK,
            passed=not warn,
            severity=dg.AssetCheckSeverity.WARN,
            description=why,
        ),
    ]
    if source.download_env and not any(c.check_name == DOWNLOAD_CHECK for c in checks):
        checks.append(dg.AssetCheckResult(check_name=DOWNLOAD_CHECK, passed=True, description=why))
    return dg.MaterializeResult(
        metadata={
            "status": "not set up" if warn else "not used",
            "landing_folder": dg.MetadataValue.path(
                str(source.landing_folder(pipeline.settings.raw_dir))
            ),
            "dagster/row_count": 0,
            "why": why,
        },
        check_results=checks,
    )


def _download(
    context: AssetExecutionContext, source: Source, pipeline: PipelineSettings
) -> dg.AssetCheckResult:
    url = pipeline.download_urls.get(source.key, "")
    folder = source.landing_folder(pipeline.settings.raw_dir)
    if not url:
        return dg.AssetCheckResult(
            check_name=DOWNLOAD_CHECK,
            passed=True,
            description=f"{source.download_env} is not set: the folder is loaded as it is",
        )
    try:
        result = fetch_file(source, url, folder, log=context.log)
    except DownloadError as exc:
        context.log.error(str(exc))
        return dg.AssetCheckResult(
            check_name=DOWNLOAD_CHECK,
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            description=str(exc),
            metadata={"url": dg.MetadataValue.url(url), "attempts": exc.attempts},
        )
    context.log.info(
        f"fetched {result.path.name} (release {result.release.label}, {result.bytes:,} bytes, "
        f"{'new or changed' if result.changed else 'unchanged'})"
    )
    return dg.AssetCheckResult(
        check_name=DOWNLOAD_CHECK,
        passed=True,
        description=f"fetched {result.path.name}, release {result.release.label}",
        metadata={
            "url": dg.MetadataValue.url(url),
            "file": dg.MetadataValue.path(str(result.path)),
            "sha256": result.sha256,
            "changed": result.changed,
        },
    )
