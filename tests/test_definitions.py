"""The code location loads, and holds what the data engineers rely on in the UI."""

from __future__ import annotations

import dagster as dg
import pytest

from orchestration.definitions import defs
from orchestration.lib.partitions import WAREHOUSE_POOL


@pytest.fixture(scope="module")
def repository():
    dg.Definitions.validate_loadable(defs)
    return defs.get_repository_def()


def asset_graph(repository):
    return repository.asset_graph


def test_definitions_load(repository) -> None:
    assert repository is not None


def test_ingest_dbt_and_publish_assets_form_one_lineage_graph(repository) -> None:
    graph = asset_graph(repository)
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {
        "raw/met_recorded_crime",
        "staging/stg_met__recorded_crime",
        "marts/fct_recorded_crime_monthly",
        "marts/kpi_crime_overview",
        "marts/kpi_crime_exceptions",
        "published/marts",
    } <= keys
    staging = graph.get(dg.AssetKey(["staging", "stg_met__recorded_crime"]))
    assert dg.AssetKey(["raw", "met_recorded_crime"]) in staging.parent_keys
    publish = graph.get(dg.AssetKey(["published", "marts"]))
    assert dg.AssetKey(["marts", "kpi_crime_overview"]) in publish.parent_keys


def test_raw_checks_block_and_the_label_check_only_warns(repository) -> None:
    graph = asset_graph(repository)
    checks = {
        key.name: graph.get_check_spec(key)
        for key in graph.asset_check_keys
        if key.asset_key == dg.AssetKey(["raw", "met_recorded_crime"])
    }
    assert checks["recorded_crime_contract"].blocking
    assert checks["recorded_crime_every_borough_every_month"].blocking
    assert not checks["recorded_crime_labels_known"].blocking


def test_dbt_tests_are_asset_checks_on_the_marts(repository) -> None:
    graph = asset_graph(repository)
    overview_checks = [
        key.name
        for key in graph.asset_check_keys
        if key.asset_key == dg.AssetKey(["marts", "kpi_crime_overview"])
    ]
    assert "kpi_crime_overview_publishable" in overview_checks
    assert any(name.startswith("unique_combination_of_columns") for name in overview_checks)


def test_every_asset_has_a_description_group_owner_and_kinds(repository) -> None:
    graph = asset_graph(repository)
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if not node.is_materializable:
            continue
        name = key.to_user_string()
        assert node.description, name
        assert node.group_name and node.group_name != "default", name
        assert node.owners, name
        assert node.kinds, name


def test_every_asset_that_opens_the_warehouse_is_in_the_one_pool(repository) -> None:
    """Ingest, dbt, every check and publish open the working DuckDB file; the board pack reads
    only the published copy and needs no place in the queue."""
    job = repository.get_job("monthly_refresh")
    pools = {node.name: node.definition.pool for node in job.graph.node_dict.values()}
    assert pools.pop("published__board_pack") is None
    assert len(pools) >= 8 and set(pools.values()) == {WAREHOUSE_POOL}, pools


def test_a_monthly_schedule_and_a_landing_sensor_are_on_by_default(repository) -> None:
    schedule = repository.get_schedule_def("monthly_refresh_schedule")
    assert schedule.cron_schedule == "0 7 10 * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    sensor = repository.get_sensor_def("recorded_crime_landing_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.job_name == "monthly_refresh"


def test_dbt_and_python_assets_share_one_backfill_policy(repository) -> None:
    graph = asset_graph(repository)
    policies = {
        key.to_user_string(): graph.get(key).backfill_policy
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable
    }
    assert set(policies.values()) == {dg.BackfillPolicy.single_run()}, policies


def test_the_monthly_refresh_is_partitioned_by_month(repository) -> None:
    job = repository.get_job("monthly_refresh")
    partitions = job.partitions_def
    assert isinstance(partitions, dg.MonthlyPartitionsDefinition)
    assert "2021-05" in partitions.get_partition_keys()
