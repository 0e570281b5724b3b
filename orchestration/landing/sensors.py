"""A sensor on each source's landing folder: a new or changed file starts a refresh."""

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration.landing.contract import ContractError, sha256_of
from orchestration.landing.load import landed_files
from orchestration.landing.source import Source
from orchestration.lib.config import Settings
from orchestration.lib.resources import PipelineSettings

# How often each landing folder is looked at (`SCP_LANDING_SENSOR_SECONDS`): a tick hashes only
# the folder's files, so 15 s costs little, and a landed file served publishes within 90 s
# (docs/deployment.md, "A landed file publishes by itself").
INTERVAL_ENV = "SCP_LANDING_SENSOR_SECONDS"
DEFAULT_INTERVAL_SECONDS = 15


def interval_seconds() -> int:
    value = os.environ.get(INTERVAL_ENV, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_INTERVAL_SECONDS


@dataclass
class LandingScan:
    """What changed in the folder since the cursor."""

    cursor: dict[str, str]
    changed: dict[str, str] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)


def scan_landing(source: Source, folder: Path, cursor: dict[str, str]) -> LandingScan:
    """Compares the folder with the cursor (file name -> SHA-256 of the bytes last seen).

    A new or changed file is reported with its release label. An unchanged file never counts
    twice, whatever its timestamp. A file whose release cannot be read (not the source's
    layout, not an accepted type) is reported as unreadable, and remembered so it does not
    report on every tick; changing it makes it count again.
    """
    files = [path for path in landed_files(folder) if path.is_file()]
    # Names gone from the folder leave the cursor: put back, a file counts as new again (its
    # rows left the warehouse with it).
    present = {path.name for path in files}
    scan = LandingScan(cursor={name: sha for name, sha in cursor.items() if name in present})
    for path in files:
        try:
            digest = sha256_of(path)
        except OSError as exc:
            scan.unreadable.append(f"{path.name}: cannot be read: {exc.strerror or exc}")
            continue
        if cursor.get(path.name) == digest:
            continue
        scan.cursor[path.name] = digest
        if not source.accepts(path):
            scan.unreadable.append(
                f"{path.name}: {path.suffix or 'no extension'} is not accepted "
                f"(accepted: {', '.join(source.file_types)})"
            )
            continue
        try:
            scan.changed[path.name] = source.parser.peek(path).label
        except ContractError as error:
            scan.unreadable.append(str(error))
    return scan


def build_landing_sensor(
    source: Source, job: Any, reporting_month: Callable[[Settings], str | None]
) -> dg.SensorDefinition:
    """The sensor on `source`'s folder: one run of `job` per tick that finds new files.

    Args:
        reporting_month: the pack month a refresh reports on (the partition to request).
    """

    @dg.sensor(
        name=f"{source.key}_landing_sensor",
        job=job,
        minimum_interval_seconds=interval_seconds(),
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            f"Watches raw/{source.folder}/ and starts the refresh when a file is new or changed, "
            "once per file version."
        ),
    )
    def landing_sensor(
        context: dg.SensorEvaluationContext, pipeline: PipelineSettings
    ) -> dg.SensorResult | dg.SkipReason:
        settings = pipeline.settings
        folder = source.landing_folder(settings.raw_dir)
        state = json.loads(context.cursor) if context.cursor else {}
        scan = scan_landing(source, folder, state.get("files", {}))
        # A counter in every run key: a file put back to an earlier version is a new request,
        # which Dagster would drop if its run key had been used before.
        sequence = int(state.get("sequence", 0)) + 1
        cursor = json.dumps({"files": scan.cursor, "sequence": sequence}, sort_keys=True)
        for problem in scan.unreadable:
            context.log.warning(f"cannot read the release of a file: {problem}")
        month = reporting_month(settings) if scan.changed else None
        if not scan.changed or month is None:
            reason = f"no new or changed file in {folder}"
            if scan.changed:
                reason = f"new files in {folder}, but no reporting month: no pack can be built yet"
            if scan.unreadable:
                reason += f"; unreadable: {'; '.join(scan.unreadable)}"
            context.update_cursor(cursor)
            return dg.SkipReason(reason)
        names = sorted(scan.changed)
        request = dg.RunRequest(
            partition_key=month,
            run_key=f"{source.key}#{sequence}:"
            + ",".join(f"{name}@{scan.cursor[name][:12]}" for name in names),
            tags={
                "scp/trigger_source": source.key,
                "scp/trigger_files": ", ".join(names),
                "scp/trigger_releases": ", ".join(sorted(set(scan.changed.values()))),
            },
        )
        return dg.SensorResult(run_requests=[request], cursor=cursor)

    return landing_sensor
