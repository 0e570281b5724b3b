"""Stand-ins for dbt's cross-database macros, for sqlfluff's jinja templater only.

`make lint` lints the models with the jinja templater (fast, no database); it does not know
dbt's `dbt.*` macros, so these return SQL of the same shape for the linter to parse. dbt itself
never reads this file.
"""


def date_spine(datepart: str, start_date: str, end_date: str) -> str:
    return (
        f"select cast(range as date) as date_{datepart} "
        f"from range({start_date}, {end_date}, interval 1 {datepart})"
    )


def last_day(date: str, datepart: str) -> str:
    return f"last_day({date})"
