"""The measure catalogue (`catalogue.yml`), read and checked once.

Everything about the partner returns is built from it: the landing sources, the templates,
the validator, the dbt seeds and models, the pack's sections. It also declares the return's
text cells (`text_cells`): the only cells a return may hold text in (a note for the
partnership, the job title of who completed it), the same for every provider. A catalogue that
contradicts itself (a rule naming a measure the provider does not have, a percent rule on a
count, a text cell whose key is a measure's) is refused when it is read, naming the provider or
the text cell and the entry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml

from orchestration.lib.periods import (
    FinancialQuarter,
    NotAQuarter,
    add_months,
    financial_year_label,
    parse_financial_year,
)

CATALOGUE_PATH = Path(__file__).with_name("catalogue.yml")

Unit = Literal["count", "percent", "currency", "rate"]
Direction = Literal["increase_is_positive", "decrease_is_positive", "neutral"]
# rate: a number of 0 or more with decimals (reoffences per reoffender, custody per 1,000).
UNITS: tuple[str, ...] = ("count", "percent", "currency", "rate")
# The period a measure's figure covers. `quarter` figures are the Return sheet's (with the year
# to date); every other kind is a row of the Figures sheet, for the periods `periods_for` says.
PERIOD_KINDS: tuple[str, ...] = (
    "quarter",
    "snapshot",
    "calendar_year",
    "financial_year",
    "rolling_12_months",
    "programme_phase",
)
# The comparator areas a measure may be published beside, with their labels.
AREAS: dict[str, str] = {
    "london": "London",
    "statistical_neighbours": "Statistical neighbours",
    "england_and_wales": "England and Wales",
    "national": "National",
}
# An action plan item's status, as the provider types it and as it is landed.
PLAN_STATUSES: dict[str, str] = {
    "complete": "complete",
    "on_target": "on target",
    "at_risk": "at risk",
    "off_target": "off target",
    "not_started": "not started",
}
# The status of a figure the provider cannot yet release.
WITHHELD = "withheld"
DIRECTIONS: tuple[str, ...] = ("increase_is_positive", "decrease_is_positive", "neutral")
TextHolds = Literal["note", "job_title"]
TEXT_HOLDS: tuple[str, ...] = ("note", "job_title")
# The most characters an Excel cell holds.
CELL_CHARACTERS = 32767
SOURCE_PREFIX = "partner_"
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_WITHIN = re.compile(r"^([a-z][a-z0-9_]*(?:\s*\+\s*[a-z][a-z0-9_]*)*)\s*<=\s*([a-z][a-z0-9_]*)$")
_RATIO = re.compile(r"^([a-z][a-z0-9_]*)\s*=\s*([a-z][a-z0-9_]*)\s*/\s*([a-z][a-z0-9_]*)$")


class CatalogueError(ValueError):
    """The catalogue contradicts itself; the message names the provider and the entry."""


@dataclass(frozen=True)
class Target:
    """A target for a measure: per quarter or per financial year.

    Attributes:
        financial_year: the year it applies to (its start year), or None for every year.
        quarter: for a quarterly target, the quarter it applies to, or None for every quarter.
    """

    per: Literal["quarter", "year"]
    value: float
    financial_year: int | None = None
    quarter: int | None = None
    # A target range's upper end and the baseline it is set against ("satisfaction +10 to 15
    # points on a 64% baseline": value 74, high 79, baseline 64), and the target in words.
    high: float | None = None
    baseline: float | None = None
    note: str | None = None

    def applies_to(self, quarter: FinancialQuarter) -> bool:
        return (self.financial_year is None or self.financial_year == quarter.start_year) and (
            self.quarter is None or self.quarter == quarter.quarter
        )


@dataclass(frozen=True, order=True)
class Period:
    """The period one figure covers: a snapshot has start = end (the day)."""

    start: dt.date
    end: dt.date
    kind: str

    @property
    def label(self) -> str:
        if self.kind == "snapshot":
            return f"at {self.end:%d %B %Y}"
        if self.kind == "calendar_year":
            return f"{self.start.year} (January to December)"
        if self.kind == "financial_year":
            return financial_year_label(self.start.year)
        if self.kind == "quarter":
            return FinancialQuarter.of_period(self.start).label
        if self.kind == "programme_phase":
            return f"{self.start:%B %Y} to {self.end:%B %Y} (programme phase)"
        return f"12 months {self.start:%B %Y} to {self.end:%B %Y}"


def period_ending(kind: str, end: dt.date) -> Period:
    """The period of `kind` that ends on `end` (a quarter, a year or 12 months back)."""
    if kind == "snapshot":
        return Period(end, end, kind)
    months = 3 if kind == "quarter" else 12
    first_of_next = end + dt.timedelta(days=1)
    return Period(add_months(first_of_next, -months), end, kind)


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    is_not_known: bool = False


@dataclass(frozen=True)
class Breakdown:
    """A measure split by a dimension: the categories (the last one the declared "not known")
    sum to the measure's total for the same period."""

    key: str
    label: str
    categories: tuple[Category, ...]


@dataclass(frozen=True)
class Comparator:
    """The same measure for another area, as its publisher publishes it."""

    area: str
    source: str

    @property
    def label(self) -> str:
        return AREAS[self.area]


@dataclass(frozen=True)
class PlanItem:
    key: str
    theme: str
    owner: str


@dataclass(frozen=True)
class Plan:
    """An action plan: its items (theme and owner declared here); each return gives every
    item's status from PLAN_STATUSES, as at the day the return is sent."""

    key: str
    label: str
    description: str
    items: tuple[PlanItem, ...]


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: Unit
    direction: Direction
    description: str
    required: bool = True
    targets: tuple[Target, ...] = ()
    first: FinancialQuarter | None = None
    last: FinancialQuarter | None = None
    # The period the figure covers (PERIOD_KINDS), and how many of the latest such periods
    # ended by the quarter's end a return asks for; or `ending`, the days the periods asked
    # for end on (a series whose periods do not end with a quarter).
    period_kind: str = "quarter"
    periods: int = 1
    ending: tuple[dt.date, ...] = ()
    # `programme_phase`: each phase's first and last day (a programme's phases are of no
    # fixed length: the Supporting Families phases of three, five and one years). A return
    # asks for every phase begun by its quarter's end.
    spans: tuple[tuple[dt.date, dt.date], ...] = ()
    breakdowns: tuple[Breakdown, ...] = ()
    comparators: tuple[Comparator, ...] = ()
    # The provider may type `withheld` for a figure not yet released (never 0, never blank).
    may_be_withheld: bool = False
    # `return` (a quarter's figure with its year to date) or `figures`: a quarter's figure
    # asked on the Figures sheet, without a year to date (a profile of the quarter: the
    # percentages a paper prints beside the counts).
    sheet: str = "return"

    @property
    def is_quarterly(self) -> bool:
        """A quarter's figure on the Return sheet (with its year to date)."""
        return self.period_kind == "quarter" and self.sheet == "return"

    def periods_for(self, quarter: FinancialQuarter) -> tuple[Period, ...]:
        """The periods a return for `quarter` asks this measure's figures for, oldest first."""
        end = quarter.period_end
        if self.spans:
            return tuple(Period(first, last, self.period_kind) for first, last in self.spans
                         if first <= end)  # fmt: skip
        if self.ending:
            return tuple(period_ending(self.period_kind, e) for e in self.ending if e <= end)
        if self.period_kind == "calendar_year":
            last = end.year if end.month == 12 else end.year - 1
            ends = [dt.date(year, 12, 31) for year in range(last - self.periods + 1, last + 1)]
        elif self.period_kind == "financial_year":
            last = end.year if end.month >= 3 else end.year - 1
            ends = [dt.date(year, 3, 31) for year in range(last - self.periods + 1, last + 1)]
        elif self.period_kind == "quarter":
            return (period_ending("quarter", end),)
        else:
            ends = []
            current = quarter
            for _ in range(self.periods):
                ends.insert(0, current.period_end)
                current = current.previous()
        return tuple(period_ending(self.period_kind, e) for e in ends)

    def asked_in(self, quarter: FinancialQuarter) -> bool:
        """Whether a return for `quarter` carries this measure (its `from` and `until`)."""
        return (self.first is None or self.first <= quarter) and (
            self.last is None or quarter <= self.last
        )

    def target(self, per: str, quarter: FinancialQuarter) -> float | None:
        """The target that applies to the quarter (or its year), the most specific first."""
        found = [t for t in self.targets if t.per == per and t.applies_to(quarter)]
        found.sort(key=lambda t: (t.quarter is None, t.financial_year is None))
        return found[0].value if found else None

    def breakdown(self, key: str) -> Breakdown | None:
        return next((b for b in self.breakdowns if b.key == key), None)


@dataclass(frozen=True)
class TextCell:
    """A cell a return may hold text in, written by the template after the measures.

    Attributes:
        holds: `note`, a sentence about the figures; `job_title`, a job title or team (where a
            first name alone is taken for a person's name).
        max_length: the longest text accepted, in characters.
    """

    key: str
    label: str
    description: str
    holds: TextHolds
    max_length: int


@dataclass(frozen=True)
class Rule:
    """A rule that ties measures of one return together.

    `within`: the sum of `parts` never exceeds `total` (a subset within its total).
    `ratio`: the percent `result` is `numerator` / `denominator` x 100.
    """

    text: str
    kind: Literal["within", "ratio"]
    parts: tuple[str, ...] = ()
    total: str = ""
    result: str = ""
    numerator: str = ""
    denominator: str = ""

    @property
    def measures(self) -> tuple[str, ...]:
        if self.kind == "within":
            return (*self.parts, self.total)
        return (self.result, self.numerator, self.denominator)

    @classmethod
    def parse(cls, text: str) -> Rule:
        normal = " ".join(str(text).split())
        if match := _WITHIN.match(normal):
            parts = tuple(part.strip() for part in match.group(1).split("+"))
            canonical = f"{' + '.join(parts)} <= {match.group(2)}"
            return cls(canonical, "within", parts=parts, total=match.group(2))
        if match := _RATIO.match(normal):
            result, numerator, denominator = match.groups()
            return cls(
                f"{result} = {numerator} / {denominator}",
                "ratio",
                result=result,
                numerator=numerator,
                denominator=denominator,
            )
        raise CatalogueError(
            f"rule {text!r}: expected 'a <= b', 'a + b <= c' or 'p = a / b' with measure keys"
        )


@dataclass(frozen=True)
class Provider:
    key: str
    title: str
    section: str
    measures: tuple[Measure, ...]
    rules: tuple[Rule, ...] = ()
    plans: tuple[Plan, ...] = ()
    # The catalogue's text cells, which every provider's return carries after its measures.
    text_cells: tuple[TextCell, ...] = ()

    @property
    def source_key(self) -> str:
        """The landing source, raw table, dbt group and publication unit: `partner_<key>`."""
        return f"{SOURCE_PREFIX}{self.key}"

    @property
    def folder(self) -> str:
        return f"providers/{self.key}"

    def measure(self, key: str) -> Measure:
        return next(m for m in self.measures if m.key == key)

    def measures_for(self, quarter: FinancialQuarter) -> tuple[Measure, ...]:
        """The quarterly measures a return for `quarter` carries on its Return sheet, in the
        return's order."""
        return tuple(m for m in self.measures if m.is_quarterly and m.asked_in(quarter))

    def every_measure_for(self, quarter: FinancialQuarter) -> tuple[Measure, ...]:
        """Every measure a return for `quarter` carries, on either sheet."""
        return tuple(m for m in self.measures if m.asked_in(quarter))

    def plan(self, key: str) -> Plan | None:
        return next((p for p in self.plans if p.key == key), None)

    def ratio_of(self, measure: str) -> Rule | None:
        """The rule that computes a percent measure, if any."""
        return next((r for r in self.rules if r.kind == "ratio" and r.result == measure), None)

    def text_cell(self, key: str) -> TextCell | None:
        return next((t for t in self.text_cells if t.key == key), None)


@dataclass(frozen=True)
class Catalogue:
    providers: tuple[Provider, ...]
    delivery_day: int
    licence: str
    text_cells: tuple[TextCell, ...] = ()
    path: Path = field(default=CATALOGUE_PATH, compare=False)

    def __iter__(self) -> Iterator[Provider]:
        return iter(self.providers)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.providers)

    def provider(self, key: str) -> Provider:
        """The provider by its key (any case), or a CatalogueError listing the known ones."""
        for provider in self.providers:
            if provider.key == str(key).strip().lower():
                return provider
        raise CatalogueError(f"unknown provider {key!r}: the catalogue has {', '.join(self.keys)}")


def _quarter(value: Any, where: str) -> FinancialQuarter | None:
    if value is None:
        return None
    try:
        return FinancialQuarter.parse(str(value))
    except NotAQuarter as exc:
        raise CatalogueError(f"{where}: {exc}") from exc


def _targets(raw: Sequence[Mapping[str, Any]], where: str) -> tuple[Target, ...]:
    targets = []
    for entry in raw or ():
        per = entry.get("per")
        if per not in ("quarter", "year"):
            raise CatalogueError(f"{where}: target per {per!r}; expected quarter or year")
        value = entry.get("value")
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            raise CatalogueError(f"{where}: target value {value!r}; expected a number above 0")
        year = entry.get("financial_year")
        quarter = entry.get("quarter")
        if quarter is not None and (per != "quarter" or quarter not in (1, 2, 3, 4)):
            raise CatalogueError(f"{where}: quarter {quarter!r} needs per: quarter and 1-4")
        try:
            start = parse_financial_year(str(year)) if year is not None else None
        except NotAQuarter as exc:
            raise CatalogueError(f"{where}: {exc}") from exc
        numbers: dict[str, float | None] = {}
        for name in ("high", "baseline"):
            number = entry.get(name)
            if number is not None and (
                not isinstance(number, int | float) or isinstance(number, bool) or number < 0
            ):
                raise CatalogueError(f"{where}: target {name} {number!r}; expected a number >= 0")
            numbers[name] = float(number) if number is not None else None
        high = numbers["high"]
        if high is not None and high < value:
            raise CatalogueError(f"{where}: target high {high:g} is below the target {value:g}")
        note = " ".join(str(entry.get("note") or "").split()) or None
        targets.append(Target(per, float(value), start, quarter, high, numbers["baseline"], note))
    return tuple(targets)


def _words(raw: Mapping[str, Any], name: str, where: str) -> str:
    text = " ".join(str(raw.get(name) or "").split())
    if not text:
        raise CatalogueError(f"{where}: {name} must not be empty")
    return text


def _key(raw: Mapping[str, Any], what: str, where: str) -> str:
    key = str(raw.get("key", ""))
    if not _KEY.match(key):
        raise CatalogueError(f"{where}: {what} key {key!r}; expected lower_case_with_underscores")
    return key


def _unique_keys(keys: Sequence[str], what: str, where: str) -> None:
    if duplicated := sorted({k for k in keys if list(keys).count(k) > 1}):
        raise CatalogueError(f"{where}: {what} keys appear twice: {', '.join(duplicated)}")


def _breakdowns(raw: Sequence[Mapping[str, Any]], unit: str, where: str) -> tuple[Breakdown, ...]:
    breakdowns = []
    for entry in raw or ():
        key = _key(entry, "breakdown", where)
        at = f"{where}, breakdown {key}"
        if unit != "count":
            raise CatalogueError(f"{at}: a breakdown splits a count, not a {unit}")
        categories = [
            Category(_key(c, "category", at), _words(c, "label", at))
            for c in entry.get("categories") or ()
        ]
        unknown = entry.get("not_known")
        if not isinstance(unknown, Mapping):
            raise CatalogueError(
                f"{at}: declare its not_known category ({{key: not_known, label: Not known}}): "
                "the categories sum to the total only with it"
            )
        categories.append(
            Category(_key(unknown, "category", at), _words(unknown, "label", at), True)
        )
        if len(categories) < 2:
            raise CatalogueError(f"{at}: at least one category besides the not known one")
        _unique_keys([c.key for c in categories], "category", at)
        breakdowns.append(Breakdown(key, _words(entry, "label", at), tuple(categories)))
    _unique_keys([b.key for b in breakdowns], "breakdown", where)
    return tuple(breakdowns)


def _comparators(raw: Sequence[Mapping[str, Any]], where: str) -> tuple[Comparator, ...]:
    comparators = []
    for entry in raw or ():
        area = str(entry.get("area", ""))
        if area not in AREAS:
            raise CatalogueError(
                f"{where}: comparator area {area!r}; expected one of {', '.join(AREAS)}"
            )
        comparators.append(Comparator(area, _words(entry, "source", f"{where}, {area}")))
    _unique_keys([c.area for c in comparators], "comparator area", where)
    return tuple(comparators)


def _spans(raw: Mapping[str, Any], kind: str, where: str) -> tuple[tuple[dt.date, dt.date], ...]:
    """A programme's phases, each `[first day, last day]`; only and always for that kind."""
    spans = []
    for value in raw.get("spans") or ():
        if (
            not isinstance(value, list | tuple)
            or len(value) != 2
            or not all(isinstance(day, dt.date) for day in value)
            or value[0] > value[1]
        ):
            raise CatalogueError(
                f"{where}: spans {value!r}; expected [first day, last day], YYYY-MM-DD"
            )
        spans.append((value[0], value[1]))
    if bool(spans) != (kind == "programme_phase"):
        raise CatalogueError(f"{where}: spans are given for, and only for, period programme_phase")
    return tuple(sorted(spans))


def _period(raw: Mapping[str, Any], where: str) -> tuple[str, int, tuple[dt.date, ...]]:
    kind = str(raw.get("period") or "quarter")
    if kind not in PERIOD_KINDS:
        raise CatalogueError(f"{where}: period {kind!r}; expected one of {', '.join(PERIOD_KINDS)}")
    count = raw.get("periods", 1)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 12:
        raise CatalogueError(f"{where}: periods {count!r}; expected how many, 1-12")
    ending = []
    for value in raw.get("ending") or ():
        if not isinstance(value, dt.date):
            raise CatalogueError(f"{where}: ending {value!r}; expected dates, YYYY-MM-DD")
        ending.append(value)
    if ending and kind == "quarter":
        raise CatalogueError(f"{where}: ending is for periods other than the quarter")
    return kind, count, tuple(sorted(ending))


def _plan(raw: Mapping[str, Any], where: str) -> Plan:
    key = _key(raw, "plan", where)
    at = f"{where}, plan {key}"
    items = tuple(
        PlanItem(_key(i, "item", at), _words(i, "theme", at), _words(i, "owner", at))
        for i in raw.get("items") or ()
    )
    if not items:
        raise CatalogueError(f"{at}: no items")
    _unique_keys([i.key for i in items], "item", at)
    return Plan(key, _words(raw, "label", at), _words(raw, "description", at), items)


def _measure(raw: Mapping[str, Any], where: str) -> Measure:
    key = str(raw.get("key", ""))
    if not _KEY.match(key):
        raise CatalogueError(f"{where}: measure key {key!r}; expected lower_case_with_underscores")
    where = f"{where}, measure {key}"
    unit, direction = raw.get("unit"), raw.get("direction")
    if unit not in UNITS:
        raise CatalogueError(f"{where}: unit {unit!r}; expected one of {', '.join(UNITS)}")
    if direction not in DIRECTIONS:
        raise CatalogueError(
            f"{where}: direction {direction!r}; expected one of {', '.join(DIRECTIONS)}"
        )
    for name in ("label", "description"):
        if not str(raw.get(name) or "").strip():
            raise CatalogueError(f"{where}: {name} must not be empty")
    kind, count, ending = _period(raw, where)
    sheet = str(raw.get("sheet") or "return")
    if sheet not in ("return", "figures"):
        raise CatalogueError(f"{where}: sheet {sheet!r}; expected return or figures")
    return Measure(
        sheet=sheet if kind == "quarter" else "figures",
        period_kind=kind,
        periods=count,
        ending=ending,
        spans=_spans(raw, kind, where),
        breakdowns=_breakdowns(raw.get("breakdowns") or (), unit, where),
        comparators=_comparators(raw.get("comparators") or (), where),
        may_be_withheld=bool(raw.get("may_be_withheld", False)),
        key=key,
        label=" ".join(str(raw["label"]).split()),
        unit=unit,
        direction=direction,
        description=" ".join(str(raw["description"]).split()),
        required=bool(raw.get("required", True)),
        targets=_targets(raw.get("targets") or (), where),
        first=_quarter(raw.get("from"), where),
        last=_quarter(raw.get("until"), where),
    )


def _text_cell(raw: Mapping[str, Any]) -> TextCell:
    key = str(raw.get("key", ""))
    if not _KEY.match(key):
        raise CatalogueError(f"text cell key {key!r}; expected lower_case_with_underscores")
    where = f"text cell {key}"
    for name in ("label", "description"):
        if not str(raw.get(name) or "").strip():
            raise CatalogueError(f"{where}: {name} must not be empty")
    holds = raw.get("holds", "note")
    if holds not in TEXT_HOLDS:
        raise CatalogueError(f"{where}: holds {holds!r}; expected one of {', '.join(TEXT_HOLDS)}")
    length = raw.get("max_length")
    if (
        not isinstance(length, int)
        or isinstance(length, bool)
        or not 1 <= length <= CELL_CHARACTERS
    ):
        raise CatalogueError(
            f"{where}: max_length {length!r}; expected a number of characters, 1-{CELL_CHARACTERS}"
        )
    return TextCell(
        key=key,
        label=" ".join(str(raw["label"]).split()),
        description=" ".join(str(raw["description"]).split()),
        holds=holds,
        max_length=length,
    )


def _text_cells(
    raw: Sequence[Mapping[str, Any]], providers: Sequence[Provider]
) -> tuple[TextCell, ...]:
    """The text cells, each checked against every provider's measures: the return finds both
    by their key in column B."""
    cells = tuple(_text_cell(t) for t in raw or ())
    keys = [t.key for t in cells]
    if duplicated := sorted({k for k in keys if keys.count(k) > 1}):
        raise CatalogueError(f"text cell keys appear twice: {', '.join(duplicated)}")
    for cell in cells:
        clashes = [p.key for p in providers if any(m.key == cell.key for m in p.measures)]
        if clashes:
            raise CatalogueError(
                f"text cell {cell.key}: the key is also a measure of provider "
                f"{', '.join(clashes)}; a return finds both by the key in column B, so a text "
                "cell needs a key of its own"
            )
    return cells


def _provider(raw: Mapping[str, Any]) -> Provider:
    key = str(raw.get("key", ""))
    if not _KEY.match(key):
        raise CatalogueError(f"provider key {key!r}; expected lower_case_with_underscores")
    where = f"provider {key}"
    measures = tuple(_measure(m, where) for m in raw.get("measures") or ())
    plans = tuple(_plan(p, where) for p in raw.get("plans") or ())
    if not measures and not plans:
        raise CatalogueError(f"{where}: no measures and no plans")
    keys = [m.key for m in measures]
    if duplicated := sorted({k for k in keys if keys.count(k) > 1}):
        raise CatalogueError(f"{where}: measure keys appear twice: {', '.join(duplicated)}")
    _unique_keys([*(m.key for m in measures), *(p.key for p in plans)], "measure and plan", where)
    rules = tuple(Rule.parse(text) for text in raw.get("rules") or ())
    units = {m.key: m.unit for m in measures}
    for rule in rules:
        unknown = [m for m in rule.measures if m not in units]
        periods = {m.period_kind for m in measures if m.key in rule.measures}
        if not unknown and periods != {"quarter"}:
            raise CatalogueError(
                f"{where}: rule {rule.text!r} ties measures that are not all quarterly"
            )
        if unknown:
            raise CatalogueError(
                f"{where}: rule {rule.text!r} names {', '.join(unknown)}, not a measure of "
                "this provider"
            )
        if rule.kind == "ratio" and (
            units[rule.result] != "percent"
            or units[rule.numerator] != "count"
            or units[rule.denominator] != "count"
        ):
            raise CatalogueError(f"{where}: rule {rule.text!r}: a percent computed from two counts")
    ratios = [r.result for r in rules if r.kind == "ratio"]
    if duplicated := sorted({k for k in ratios if ratios.count(k) > 1}):
        raise CatalogueError(f"{where}: two rules compute {', '.join(duplicated)}")
    for name in ("title", "section"):
        if not str(raw.get(name) or "").strip():
            raise CatalogueError(f"{where}: {name} must not be empty")
    return Provider(
        key=key,
        title=str(raw["title"]).strip(),
        section=str(raw["section"]).strip(),
        measures=measures,
        rules=rules,
        plans=plans,
    )


def parse_catalogue(raw: Mapping[str, Any], path: Path = CATALOGUE_PATH) -> Catalogue:
    providers = tuple(_provider(p) for p in raw.get("providers") or ())
    keys = [p.key for p in providers]
    if duplicated := sorted({k for k in keys if keys.count(k) > 1}):
        raise CatalogueError(f"provider keys appear twice: {', '.join(duplicated)}")
    day = raw.get("delivery_day")
    if not isinstance(day, int) or not 1 <= day <= 31:
        raise CatalogueError(f"delivery_day {day!r}; expected a day of the month, 1-31")
    text_cells = _text_cells(raw.get("text_cells") or (), providers)
    return Catalogue(
        providers=tuple(replace(p, text_cells=text_cells) for p in providers),
        delivery_day=day,
        licence=" ".join(str(raw.get("licence") or "").split()),
        text_cells=text_cells,
        path=path,
    )


@cache
def load_catalogue(path: Path = CATALOGUE_PATH) -> Catalogue:
    """The catalogue, read once per process."""
    with path.open(encoding="utf-8") as handle:
        return parse_catalogue(yaml.safe_load(handle) or {}, path)
