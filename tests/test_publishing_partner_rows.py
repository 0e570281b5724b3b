"""The partner chain's tables publish a provider's rows at a time (docs/decisions.md, "How
publishing still isolates providers"), on a small hand-built warehouse: two providers, two
publishes, no refresh.

The first publish takes both providers' rows from the build. Before the second, provider B's
only return is refused (its raw table empty, no accepted file) while A sends a new quarter: the
published table then holds A's new rows from this build and B's rows as published the first
time, B's unit is kept and stale, and the combined unit says whose rows it kept.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from orchestration.publish.marts import PublicationUnit, publish

FIRST = datetime(2023, 4, 20, 9, 0, tzinfo=UTC)
SECOND = datetime(2023, 7, 20, 9, 0, tzinfo=UTC)


def units() -> list[PublicationUnit]:
    providers = [
        PublicationUnit(
            key=f"partner_{key}",
            title=key,
            tables=(),
            source_table=f"raw.partner_{key}",
            folder=f"providers/{key}",
        )
        for key in ("a", "b")
    ]
    combined = PublicationUnit(
        key="partnership",
        title="every provider",
        tables=(("marts", "kpi_partner_measures"),),
        members=("partner_a", "partner_b"),
        row_column="provider",
        row_values=("a", "b"),
    )
    return [*providers, combined]


def build(
    warehouse: Path,
    measures: list[tuple[str, str, int, float]],
    ledger: list[tuple[str, str, str]],
    raw: dict[str, list[str]],
    with_status: bool = False,
) -> None:
    """A warehouse as a refresh leaves it: the ledger, the raw tables' files and the mart
    (provider, measure, quarter, value; the second build's mart has a column more)."""
    warehouse.unlink(missing_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema audit; create schema raw; create schema marts")
        con.execute(
            "create table audit.landing_files (source varchar, source_file varchar, "
            "source_sha256 varchar, status varchar, release varchar, released_on date, "
            "first_period date, last_period date, row_count integer, checked_at timestamp, "
            "check_name varchar, location varchar, rule varchar)"
        )
        for source, name, status in ledger:
            con.execute(
                "insert into audit.landing_files values (?, ?, ?, ?, ?, date '2023-04-14', "
                "date '2023-01-01', date '2023-01-01', 1, timestamp '2023-04-15 08:00', ?, ?, ?)",
                [source, name, f"sha-{name}", status, "2022/23 Q4", *(
                    ("contract", "Return!C9", "repeat_referrals = 35 exceeds referrals = 30")
                    if status == "refused" else (None, None, None)
                )],
            )  # fmt: skip
        for key, files in raw.items():
            con.execute(
                f"create table raw.partner_{key} (source_file varchar, source_sha256 varchar, "
                "released_on date)"
            )
            for name in files:
                con.execute(
                    f"insert into raw.partner_{key} values (?, ?, date '2023-04-14')",
                    [name, f"sha-{name}"],
                )
        extra = ", status varchar" if with_status else ""
        con.execute(
            "create table marts.kpi_partner_measures (provider varchar, measure varchar, "
            f"quarter integer, value double{extra})"
        )
        status = ", null" if with_status else ""
        for row in measures:
            con.execute(f"insert into marts.kpi_partner_measures values (?, ?, ?, ?{status})", row)


def published_rows(published: Path) -> list[tuple]:
    with duckdb.connect(str(published / "marts.duckdb"), read_only=True) as con:
        return con.execute(
            "select provider, measure, quarter, value from kpi_partner_measures order by all"
        ).fetchall()


def test_a_held_back_provider_keeps_its_published_rows_and_the_others_publish(
    tmp_path: Path,
) -> None:
    warehouse, published = tmp_path / "warehouse.duckdb", tmp_path / "published"
    build(
        warehouse,
        [("a", "referrals", 4, 145), ("b", "referrals", 4, 374), ("b", "repeats", 4, 35)],
        [("partner_a", "a_q4.xlsx", "accepted"), ("partner_b", "b_q4.xlsx", "accepted")],
        {"a": ["a_q4.xlsx"], "b": ["b_q4.xlsx"]},
    )
    first = publish(warehouse, published, units(), published_at=FIRST, as_of=date(2023, 4, 30))
    assert first.unit("partnership").status == "published"
    assert published_rows(published) == [
        ("a", "referrals", 4, 145), ("b", "referrals", 4, 374), ("b", "repeats", 4, 35),
    ]  # fmt: skip

    # B's return is refused (nothing of B reaches the build); A sends its next quarter; the
    # build's table has gained a column since.
    build(
        warehouse,
        [("a", "referrals", 4, 145), ("a", "referrals", 1, 87)],
        [
            ("partner_a", "a_q4.xlsx", "accepted"),
            ("partner_a", "a_q1.xlsx", "accepted"),
            ("partner_b", "b_q4.xlsx", "refused"),
        ],
        {"a": ["a_q4.xlsx", "a_q1.xlsx"], "b": []},
        with_status=True,
    )
    second = publish(warehouse, published, units(), published_at=SECOND)
    assert published_rows(published) == [
        ("a", "referrals", 1, 87), ("a", "referrals", 4, 145),
        ("b", "referrals", 4, 374), ("b", "repeats", 4, 35),
    ]  # fmt: skip
    b, partnership = second.unit("partner_b"), second.unit("partnership")
    assert (b.status, b.stale) == ("kept", True)
    assert b.reason.startswith(
        "no file in its landing folder is accepted now, so the rows published "
        f"{FIRST.isoformat()} are kept"
    )
    assert (second.unit("partner_a").status, second.unit("partner_a").stale) == (
        "published",
        False,
    )
    assert (partnership.status, partnership.stale) == ("published", True)
    assert partnership.published_at == SECOND.isoformat()
    assert partnership.reason.startswith(
        f"the rows of b are kept from the tables published {FIRST.isoformat()}"
    )
    assert "partner_b is stale" in partnership.reason
    # The kept rows have the column the build added, empty.
    with duckdb.connect(str(published / "marts.duckdb"), read_only=True) as con:
        assert con.execute(
            "select count(*) from kpi_partner_measures where provider = 'b' and status is null"
        ).fetchone() == (2,)


def test_a_provider_not_set_up_adds_no_rows_and_holds_nothing_back(tmp_path: Path) -> None:
    warehouse, published = tmp_path / "warehouse.duckdb", tmp_path / "published"
    build(
        warehouse,
        [("a", "referrals", 4, 145)],
        [("partner_a", "a_q4.xlsx", "accepted")],
        {"a": ["a_q4.xlsx"], "b": []},
    )
    report = publish(warehouse, published, units(), published_at=FIRST)
    assert report.unit("partner_b").status == "not set up"
    partnership = report.unit("partnership")
    assert (partnership.status, partnership.stale, partnership.reason) == ("published", False, "")
    assert published_rows(published) == [("a", "referrals", 4, 145)]
