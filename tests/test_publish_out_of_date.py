"""The manifest's and meta_publication's out-of-date judgement, per source, beside `stale`.

`stale` says a source's tables are its last good ones (a refused file, a failed build); the
new fields say whether its figures end before its own delivery cycle would have them for the
pack's month. The cases are the January 2024 sample pack's, as a board member counts them.
"""

from __future__ import annotations

from datetime import date

from orchestration.publish.marts import PublicationUnit, UnitPublication, _judge_age


def entry(key: str, *last_periods: str) -> UnitPublication:
    return UnitPublication(
        key=key,
        title=key,
        status="published",
        published_at="2024-02-10T07:00:00+00:00",
        tables=[],
        files=[{"file": f"{key}_{p}.csv", "last_period": p} for p in last_periods],
    )


def judged(unit: PublicationUnit, e: UnitPublication, pack: date, *earlier: UnitPublication):
    _judge_age(unit, e, list(earlier), pack)
    return e


JANUARY_2024 = date(2024, 1, 1)


def test_a_quarterly_survey_to_june_2022_is_out_of_date_for_a_january_2024_pack() -> None:
    # The PAS file's last quarter starts in April 2022: its figures run to June 2022, and a
    # quarterly source should reach December 2023 (the last quarter ended by January 2024).
    pas = judged(
        PublicationUnit("mopac_pas", "PAS", (), cycle="quarter"),
        entry("mopac_pas", "2021-04-01", "2022-04-01"),
        JANUARY_2024,
    )
    assert pas.last_month == "2022-06-01"
    assert pas.pack_month == "2024-01-01"
    assert pas.is_out_of_date
    assert pas.out_of_date_reason == (
        "figures to June 2022; a quarterly source should reach December 2023 by a pack of "
        "January 2024"
    )
    assert not pas.stale  # the other meaning, untouched


def test_monthly_crime_a_month_behind_is_on_its_cycle_and_a_year_behind_is_not() -> None:
    crime = PublicationUnit("met_recorded_crime", "crime", (), cycle="month")
    on_time = judged(crime, entry("met_recorded_crime", "2023-12-01"), JANUARY_2024)
    assert (on_time.last_month, on_time.is_out_of_date) == ("2023-12-01", False)
    asb = judged(
        PublicationUnit("met_asb_calls", "ASB", (), cycle="month"),
        entry("met_asb_calls", "2021-05-01"),
        JANUARY_2024,
    )
    assert asb.is_out_of_date
    assert asb.out_of_date_reason.startswith("figures to May 2021; a monthly source")


def test_a_combined_unit_is_as_old_as_its_oldest_source() -> None:
    incidents = judged(
        PublicationUnit("met_da_incidents", "incidents", (), cycle="month"),
        entry("met_da_incidents", "2023-02-01"),
        JANUARY_2024,
    )
    dashboard = judged(
        PublicationUnit("met_crime_dashboard", "dashboard", (), cycle="month"),
        entry("met_crime_dashboard", "2026-02-01"),
        JANUARY_2024,
    )
    combined = judged(
        PublicationUnit(
            "domestic_abuse",
            "DA",
            (),
            members=("met_da_incidents", "met_crime_dashboard"),
            cycle="month",
        ),
        entry("domestic_abuse"),
        JANUARY_2024,
        incidents,
        dashboard,
    )
    assert combined.last_month == "2023-02-01"
    assert combined.is_out_of_date


def test_without_a_pack_month_or_a_cycle_nothing_is_judged() -> None:
    no_month = entry("mopac_pas", "2022-04-01")
    _judge_age(PublicationUnit("mopac_pas", "PAS", (), cycle="quarter"), no_month, [], None)
    assert (no_month.last_month, no_month.pack_month, no_month.is_out_of_date) == (
        "2022-06-01",
        "",
        False,
    )
    reference = judged(PublicationUnit("reference", "ref", ()), entry("reference"), JANUARY_2024)
    assert (reference.last_month, reference.is_out_of_date) == ("", False)
