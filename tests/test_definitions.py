"""The code location loads, and holds what the data engineers rely on in the UI.

`tests/snapshots/definitions/` lists, unit by unit, every asset key, check and sensor (one file
per source, combined unit and `reference`, and `_pipeline.json` for the jobs, schedules and the
steps every unit shares): a rename shows up in review as a change to a file, a visible decision
rather than a surprise in the UI, and a new source adds a file of its own. After an intended
change, refresh them with `.venv/bin/python -m tests.test_definitions --update` (or
`--update <unit>` for one; `make source` does that for the source it writes) and commit the
difference.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import defs
from orchestration.lib.partitions import WAREHOUSE_POOL

SNAPSHOTS = Path(__file__).parent / "snapshots" / "definitions"
SHARED = "_pipeline"


def inventory(definitions: dg.Definitions) -> dict[str, dict[str, list[str]]]:
    """Unit (an asset's group: a source, a combined unit, `reference`) -> its assets, their
    checks and its sensors; what belongs to no unit goes under `_pipeline`."""
    repository = definitions.get_repository_def()
    graph = repository.asset_graph
    units: dict[str, dict[str, list[str]]] = {}

    def unit(name: str) -> dict[str, list[str]]:
        return units.setdefault(name, {"assets": [], "checks": [], "sensors": []})

    groups = {key: graph.get(key).group_name for key in graph.get_all_asset_keys()}
    sources = {group for key, group in groups.items() if key.path[0] == "raw"}
    owned = {*sources, *(g for g in groups.values() if g not in ("publish", "default"))}
    for key, group in groups.items():
        unit(group if group in owned else SHARED)["assets"].append(key.to_user_string())
    for key in graph.asset_check_keys:
        group = groups[key.asset_key]
        # A unit's check on the published copy (`<unit>_current`) is the unit's.
        published = key.name.removesuffix("_current")
        group = published if key.name.endswith("_current") and published in owned else group
        unit(group if group in owned else SHARED)["checks"].append(
            f"{key.asset_key.to_user_string()}:{key.name}"
        )
    for sensor in repository.sensor_defs:
        source = sensor.name.removesuffix("_landing_sensor")
        unit(source if source in sources else SHARED)["sensors"].append(sensor.name)
    shared = unit(SHARED)
    shared["jobs"] = [
        job.name for job in repository.get_all_jobs() if not job.name.startswith("__")
    ]
    shared["schedules"] = [schedule.name for schedule in repository.schedule_defs]
    return {name: {k: sorted(v) for k, v in kinds.items()} for name, kinds in units.items()}


def write_snapshots(definitions: dg.Definitions, only: str | None = None) -> list[Path]:
    SNAPSHOTS.mkdir(parents=True, exist_ok=True)
    written = []
    for name, kinds in inventory(definitions).items():
        if only and name != only:
            continue
        path = SNAPSHOTS / f"{name}.json"
        path.write_text(json.dumps(kinds, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    if only is None:
        for stale in set(SNAPSHOTS.glob("*.json")) - set(written):
            stale.unlink()
    return written


@pytest.fixture(scope="module")
def repository():
    dg.Definitions.validate_loadable(defs)
    return defs.get_repository_def()


def test_definitions_load(repository) -> None:
    assert repository is not None


def test_each_units_assets_checks_and_sensors_match_its_snapshot() -> None:
    actual = inventory(defs)
    recorded = {path.stem: path for path in SNAPSHOTS.glob("*.json")}
    new, gone = sorted(set(actual) - set(recorded)), sorted(set(recorded) - set(actual))
    assert not new and not gone, (
        f"units without a snapshot: {new}; snapshots of units that are gone: {gone}. If "
        "intended, run `.venv/bin/python -m tests.test_definitions --update` and commit it."
    )
    for name, kinds in actual.items():
        expected = json.loads(recorded[name].read_text(encoding="utf-8"))
        for kind in expected.keys() | kinds.keys():
            added = sorted(set(kinds.get(kind, [])) - set(expected.get(kind, [])))
            dropped = sorted(set(expected.get(kind, [])) - set(kinds.get(kind, [])))
            assert kinds.get(kind, []) == expected.get(kind, []), (
                f"{name} {kind} differ from {recorded[name].name}: new {added}, gone {dropped}. "
                "If intended, run `.venv/bin/python -m tests.test_definitions --update` and "
                "commit the snapshot."
            )


def test_every_source_has_its_ingest_checks_sensor_and_models_in_one_group() -> None:
    """What a source gets from its declaration alone, enumerated from the sources found."""
    from orchestration.sources import COMBINED_UNITS, SOURCES

    units = inventory(defs)
    for source in SOURCES:
        unit = units[source.key]
        assert f"raw/{source.key}" in unit["assets"], source.key
        checks = {check.split(":")[1] for check in unit["checks"] if check.startswith("raw/")}
        assert {"contract", "fresh", *(s.name for s in source.suites)} <= checks, source.key
        assert unit["sensors"] == [f"{source.key}_landing_sensor"], source.key
        # Its staging model is its own, or that of a combined unit built from it (the partner
        # returns' one chain reads every provider's raw table).
        groups = [source.key] + [c.key for c in COMBINED_UNITS if source.key in c.sources]
        staging = {f"staging/{name}" for name in source.dbt_staging}
        assert staging <= {asset for g in groups for asset in units[g]["assets"]}, source.key


def test_the_partner_chain_is_built_after_every_providers_landing(repository) -> None:
    """No dbt source names a provider, so each provider's Source names the staging model that
    reads its raw table, and Dagster orders the build after every provider's landing."""
    from orchestration.sources.partner_returns import SOURCES as PROVIDERS

    staging = repository.asset_graph.get(dg.AssetKey(["staging", "stg_partner_returns"]))
    assert {dg.AssetKey(["raw", s.key]) for s in PROVIDERS} <= staging.parent_keys
    assert len(PROVIDERS) >= 6


def test_ingest_dbt_and_publish_assets_form_one_lineage_graph(repository) -> None:
    graph = repository.asset_graph
    staging = graph.get(dg.AssetKey(["staging", "stg_met__recorded_crime"]))
    assert dg.AssetKey(["raw", "met_recorded_crime"]) in staging.parent_keys
    verdicts = graph.get(dg.AssetKey(["audit", "dbt_results"]))
    assert dg.AssetKey(["marts", "kpi_crime_overview"]) in verdicts.parent_keys
    assert dg.AssetKey(["reporting", "rpt_crime_overview"]) in verdicts.parent_keys
    publish = graph.get(dg.AssetKey(["published", "marts"]))
    # Publishing reads the build's verdicts, which every build writes whatever failed: a
    # dependency on each table would skip it when one model failed (docs/decisions.md).
    assert publish.parent_keys == {dg.AssetKey(["audit", "dbt_results"])}
    pack = graph.get(dg.AssetKey(["published", "board_pack"]))
    assert pack.parent_keys == {dg.AssetKey(["published", "marts"])}


def test_the_data_assets_are_unpartitioned_and_only_the_packs_are_partitioned(
    repository,
) -> None:
    """The pack by month; every borough's packs by borough (each its own run, out of the
    refresh job)."""
    graph = repository.asset_graph
    partitioned = {
        key.to_user_string(): graph.get(key).partitions_def
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable and graph.get(key).partitions_def is not None
    }
    assert sorted(partitioned) == ["published/board_pack", "published/borough_packs"]
    assert isinstance(partitioned["published/board_pack"], dg.MonthlyPartitionsDefinition)
    boroughs = partitioned["published/borough_packs"]
    assert isinstance(boroughs, dg.StaticPartitionsDefinition)
    assert len(boroughs.get_partition_keys()) == 32
    refresh = repository.get_job("refresh")
    assert (
        dg.AssetKey(["published", "borough_packs"]) not in refresh.asset_layer.executable_asset_keys
    )
    assert dg.AssetKey(["published", "board_pack"]) in refresh.asset_layer.executable_asset_keys
    assert graph.get(dg.AssetKey(["published", "board_pack"])).backfill_policy == (
        dg.BackfillPolicy.single_run()
    )


def test_landing_checks_do_not_stop_the_shared_steps(repository) -> None:
    """A refused file fails its check in red but must not stop dbt for the other sources: the
    gate is per source, inside the ingest step and the publish step (docs/decisions.md)."""
    graph = repository.asset_graph
    raw_checks = {
        key.name: graph.get_check_spec(key)
        for key in graph.asset_check_keys
        if key.asset_key == dg.AssetKey(["raw", "met_recorded_crime"])
    }
    assert {"contract", "known_boroughs", "every_borough_every_month", "fresh"} <= set(raw_checks)
    assert not any(spec.blocking for spec in raw_checks.values())
    dbt_checks = [
        graph.get_check_spec(key)
        for key in graph.asset_check_keys
        if key.asset_key == dg.AssetKey(["marts", "kpi_crime_overview"])
    ]
    assert dbt_checks and not any(spec.blocking for spec in dbt_checks)


def test_every_asset_has_a_description_group_owner_and_kinds(repository) -> None:
    graph = repository.asset_graph
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if not node.is_materializable:
            continue
        name = key.to_user_string()
        assert node.description, name
        assert node.group_name and node.group_name != "default", name
        assert node.owners, name
        assert node.kinds, name


def test_each_source_groups_its_ingest_and_its_dbt_models(repository) -> None:
    graph = repository.asset_graph
    group = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert group["raw/met_recorded_crime"] == "met_recorded_crime"
    assert group["marts/kpi_crime_overview"] == "met_recorded_crime"
    assert group["reporting/rpt_crime_overview"] == "met_recorded_crime"
    assert group["marts/kpi_glossary"] == "reference"


def test_every_step_that_opens_the_warehouse_is_in_the_one_pool(repository) -> None:
    """Ingest, dbt and publish open the working DuckDB file; the board pack reads only the
    published copy and needs no place in the queue."""
    job = repository.get_job("refresh")
    pools = {node.name: node.definition.pool for node in job.graph.node_dict.values()}
    assert pools.pop("published__board_pack") is None
    assert set(pools.values()) == {WAREHOUSE_POOL}, pools


def test_the_refresh_runs_in_one_process_whoever_launches_it(repository) -> None:
    """A process per step would load the code location once per step (docs/decisions.md)."""
    job = repository.get_job("refresh")
    assert job.executor_def.name == dg.in_process_executor.name


def test_a_monthly_schedule_a_sensor_per_source_and_the_watchdog_are_on_by_default(
    repository,
) -> None:
    schedule = repository.get_schedule_def("monthly_refresh_schedule")
    assert schedule.cron_schedule == "0 7 10 * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    sensor = repository.get_sensor_def("met_recorded_crime_landing_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.job_name == "refresh"
    watchdog = repository.get_sensor_def("warehouse_watchdog")
    assert watchdog.default_status == dg.DefaultSensorStatus.RUNNING


def test_the_delivery_day_setting_moves_the_schedule_too(monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.definitions import build_definitions

    monkeypatch.setenv("SCP_FRESHNESS_DEADLINE_DAY", "14")
    moved = build_definitions().get_repository_def().get_schedule_def("monthly_refresh_schedule")
    assert moved.cron_schedule == "0 7 14 * *"


def test_an_unknown_borough_fails_the_code_location_naming_the_valid_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from orchestration.definitions import build_definitions
    from orchestration.lib.boroughs import UnknownBorough

    monkeypatch.setenv("SCP_BOROUGH", "Barnett")
    with pytest.raises(UnknownBorough) as caught:
        build_definitions()
    assert "'Barnett'" in str(caught.value)
    assert "Barnet, Bexley" in str(caught.value)


if __name__ == "__main__" and "--update" in sys.argv:
    arguments = sys.argv[sys.argv.index("--update") + 1 :]
    for path in write_snapshots(defs, arguments[0] if arguments else None):
        print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
