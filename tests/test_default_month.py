"""The pack's month when `make run` is given none: the end of the latest quarter the landed
partner returns cover, never later than the latest month of recorded crime.

The expected months are read off the sample files' names (the Met's file names carry their
months, a return's its quarter), not from the code under test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from orchestration.cli import _month
from orchestration.jobs import choose_reporting_month, default_reporting_month
from orchestration.lib.config import Settings
from tests.conftest import SAMPLE_RAW

CRIME = SAMPLE_RAW / "met" / "recorded_crime"
# Borough crime to January 2024, and the 24 months to August 2021.
CRIME_TO_2024_01 = "MPS_Borough_Level_Crime_most_recent_24_months_202202-202401.csv"
CRIME_TO_2021_08 = "MPS_Borough_Level_Crime_most_recent_24_months_201909-202108.csv"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        raw_dir=tmp_path / "raw",
        warehouse_dir=tmp_path / "warehouse",
        borough="Barnet",
        dagster_home=tmp_path / "dagster_home",
    )


def land(settings: Settings, folder: str, *names: str) -> None:
    target = settings.raw_dir / folder
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(SAMPLE_RAW / folder / name, target / name)


def test_the_sample_pack_is_the_quarter_of_the_partner_returns_march_2023(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole sample: crime to January 2024, the returns' latest quarter 2022/23 Q4
    (January to March 2023): the pack is March 2023, and `make run` says why in a sentence."""
    shutil.copytree(SAMPLE_RAW, settings.raw_dir)
    assert _month(settings, None) == "2023-03"
    said = capsys.readouterr().out.strip()
    assert said.count("\n") == 0
    assert said.startswith("Reporting month 2023-03: the end of 2022/23 Q4")
    assert "recorded crime" in said and "runs to 2024-01" in said


def test_a_later_quarter_from_one_provider_moves_the_month_to_its_end(settings: Settings) -> None:
    land(settings, "met/recorded_crime", CRIME_TO_2024_01)
    land(settings, "providers/solace", "solace_2020-21-Q1.xlsx", "solace_2020-21-Q2.xlsx")
    # 2020/21 Q2 is July to September 2020.
    assert default_reporting_month(settings) == "2020-09"
    land(settings, "providers/marac", "marac_2022-23-Q3.xlsx")
    # 2022/23 Q3 is October to December 2022: the latest quarter of any provider.
    assert default_reporting_month(settings) == "2022-12"


def test_the_month_is_never_later_than_recorded_crimes_latest(settings: Settings) -> None:
    land(settings, "met/recorded_crime", CRIME_TO_2021_08)
    land(settings, "providers/marac", "marac_2022-23-Q4.xlsx")
    choice = choose_reporting_month(settings)
    assert choice is not None
    assert choice.month == "2021-08"
    assert "before the end of 2022/23 Q4" in choice.why


def test_without_a_partner_return_the_month_is_recorded_crimes_latest(settings: Settings) -> None:
    land(settings, "met/recorded_crime", CRIME_TO_2024_01)
    choice = choose_reporting_month(settings)
    assert choice is not None
    assert choice.month == "2024-01"
    assert "no partner return has landed" in choice.why


def test_without_recorded_crime_there_is_no_default_month(settings: Settings) -> None:
    land(settings, "providers/marac", "marac_2022-23-Q4.xlsx")
    assert choose_reporting_month(settings) is None
