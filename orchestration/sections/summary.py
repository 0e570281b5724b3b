"""Page one: what the board must discuss, gathered from the rows the sections below show.

Nothing here queries the marts: page one is built from the sections' own rows after they are
read (`build.py`), so it cannot disagree with them. It counts the ratings by theme, lists every
red row, every measure off its target, every unusually high or low month among the latest three,
and every section out of date or without figures; each item links to its section.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

from orchestration.sections import PackContext, Period, Row, Section
from orchestration.sections.age import Age
from orchestration.sections.formatting import exception_words, month_label

PAGE_ONE = Section(
    key="page_one",
    title="What the board must discuss",
    order=0,
    table="",
    template="sections/page_one.html.j2",
)

RATINGS = ("red", "amber", "green")
# The exception flags page one lists: a month outside its usual range.
UNUSUAL = ("high", "low")


class Shown(Protocol):
    """A section as the pack shows it (build.py's RenderedSection)."""

    @property
    def section(self) -> Section: ...
    @property
    def rows(self) -> list[Row]: ...
    @property
    def empty_note(self) -> str: ...
    @property
    def provenance(self) -> Row | None: ...
    @property
    def period(self) -> Period | None: ...
    @property
    def age(self) -> Age | None: ...


def row_label(row: Row) -> str:
    """The row's name as its section prints it."""
    for key in ("measure_label", "label", "line_label", "measure_name", "measure"):
        if row.get(key):
            return str(row[key])
    return ""


def is_off_target(row: Row) -> bool:
    """The quarter's figure misses the quarter's target, in the measure's good direction."""
    pct = row.get("pct_of_quarter_target")
    if row.get("target_quarter") is None or pct is None:
        return False
    direction = row.get("direction") or "increase_is_positive"
    if direction == "decrease_is_positive":
        return bool(pct > 100)
    if direction == "increase_is_positive":
        return bool(pct < 100)
    return False


def _item(shown: Shown, row: Row, **more: Any) -> dict[str, Any]:
    return {
        "section": shown.section.key,
        "section_title": shown.section.title,
        "label": row_label(row) or shown.section.title,
        "measure": row.get("measure") or "",
        **more,
    }


def _attention(shown: Shown, ctx: PackContext) -> dict[str, Any] | None:
    """Why a section needs the board's eye for its age or absence, or None."""
    unit = shown.provenance or {}
    if unit.get("status") == "not set up" or not shown.rows:
        return {
            "section": shown.section.key,
            "section_title": shown.section.title,
            "kind": "withheld",
            "words": f"no figures: {shown.empty_note or unit.get('reason') or 'none published'}",
        }
    if unit.get("is_stale"):
        return {
            "section": shown.section.key,
            "section_title": shown.section.title,
            "kind": "withheld",
            "words": f"figures held back at their last good release: {unit['reason']}",
        }
    if shown.age and shown.age.is_out_of_date:
        return {
            "section": shown.section.key,
            "section_title": shown.section.title,
            "kind": "out of date",
            "words": f"out of date: {shown.age.reason}",
        }
    return None


def page_one(shown: Sequence[Shown], ctx: PackContext) -> dict[str, Any]:
    """Page one's template variables, from the sections the pack shows below it."""
    themes: dict[str, dict[str, Any]] = {}
    red: list[dict[str, Any]] = []
    off_target: list[dict[str, Any]] = []
    exceptions: list[dict[str, Any]] = []
    attention: list[dict[str, Any]] = []
    # Figures the last pack showed that a later release has moved (the revisions section's).
    revised: list[dict[str, Any]] = []
    for item in shown:
        section = item.section
        if section.source is None:
            continue
        rated = [row for row in item.rows if "rag" in row] if section.rates_rows else []
        theme = section.theme_name
        if theme and rated:
            entry = themes.setdefault(
                theme,
                {"theme": theme, "sections": [], **{r: 0 for r in RATINGS}, "unrated": 0},
            )
            entry["sections"].append({"key": section.key, "title": section.title})
            for row in rated:
                rating = row["rag"] if row["rag"] in RATINGS else "unrated"
                entry[rating] += 1
        red.extend(_item(item, row) for row in rated if row["rag"] == "red")
        off_target.extend(
            _item(item, row, pct=row["pct_of_quarter_target"])
            for row in item.rows
            if is_off_target(row)
        )
        exceptions.extend(
            _item(
                item,
                row,
                month=row["month"],
                month_label=month_label(row["month"]),
                flag=row["flag"],
                words=exception_words(row["flag"]),
            )
            for row in item.rows
            if row.get("flag") in UNUSUAL and isinstance(row.get("month"), dt.date)
        )
        revised.extend(
            _item(
                item,
                row,
                month_label=month_label(row["compared_month"]),
                was=row["published_volume"],
                now=row["current_volume"],
                release=row["revised_in_release"],
            )
            for row in item.rows
            if row.get("is_revised") and isinstance(row.get("compared_month"), dt.date)
        )
        need = _attention(item, ctx)
        if need:
            attention.append(need)
    return {
        "themes": list(themes.values()),
        "ratings": RATINGS,
        "red": red,
        "off_target": off_target,
        "exceptions": exceptions,
        "attention": attention,
        "revised": revised,
    }
