"""A sensor on the landing folder: a new or changed MPS file starts a run for its release."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration.lib.partitions import month_key
from orchestration.lib.resources import PipelineSettings
from orchestration.met.load import landed_files
from orchestration.met.recorded_crime import ContractError, release_month_of, sha256_of


@dataclass
class LandingScan:
    """What changed in the folder since the cursor."""

    cursor: dict[str, str]
    months: dict[str, list[str]] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)


def scan_landing(folder: Path, cursor: dict[str, str]) -> LandingScan:
    """Compares the folder with the cursor (file name -> SHA-256 of the bytes last seen).

    A new or changed file asks for its release month (its last month column). An unchanged
    file never asks twice, whatever its timestamp. An unreadable header is reported, and the
    file is remembered so it does not report on every tick; changing it makes it count again.
    """
    files = landed_files(folder)
    # Names gone from the folder leave the cursor: put back, a file counts as new again (its
    # rows left the warehouse with it).
    present = {path.name for path in files}
    scan = LandingScan(cursor={name: sha for name, sha in cursor.items() if name in present})
    for path in files:
        digest = sha256_of(path)
        if cursor.get(path.name) == digest:
            continue
        scan.cursor[path.name] = digest
        try:
            release = month_key(release_month_of(path))
        except ContractError as error:
            scan.unreadable.append(str(error))
            continue
        scan.months.setdefault(release, []).append(path.name)
    return scan


def build_landing_sensor(job: Any) -> dg.SensorDefinition:
    @dg.sensor(
        name="recorded_crime_landing_sensor",
        job=job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Watches raw/met/recorded_crime/ and starts the monthly refresh for a new or "
            "changed file's release month, once per file version."
        ),
    )
    def recorded_crime_landing_sensor(
        context: dg.SensorEvaluationContext, pipeline: PipelineSettings
    ) -> dg.SensorResult | dg.SkipReason:
        folder = pipeline.settings.recorded_crime_dir
        state = json.loads(context.cursor) if context.cursor else {}
        scan = scan_landing(folder, state.get("files", {}))
        # A counter in every run key: a file put back to an earlier version is a new request,
        # which Dagster would drop if its run key had been used before.
        sequence = int(state.get("sequence", 0)) + 1
        cursor = json.dumps({"files": scan.cursor, "sequence": sequence}, sort_keys=True)
        for problem in scan.unreadable:
            context.log.warning(f"cannot tell the release month of a file: {problem}")
        if not scan.months:
            reason = f"no new or changed file in {folder}"
            if scan.unreadable:
                reason += f"; unreadable: {'; '.join(scan.unreadable)}"
            context.update_cursor(cursor)
            return dg.SkipReason(reason)
        requests = [
            dg.RunRequest(
                partition_key=month,
                run_key=f"{month}#{sequence}:"
                + ",".join(f"{n}@{scan.cursor[n][:12]}" for n in sorted(names)),
                tags={"scp/trigger_files": ", ".join(sorted(names))},
            )
            for month, names in sorted(scan.months.items())
        ]
        return dg.SensorResult(run_requests=requests, cursor=cursor)

    return recorded_crime_landing_sensor
