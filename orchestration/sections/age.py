"""How old a section's figures are against the pack's month, and whether that is out of date.

One pack has one month. A section's figures may end before it: the Met's monthly feeds a month
behind, MOPAC's and the partners' quarterly figures up to a quarter behind. That is the
source's delivery cycle, and the section says how many months older it is. A section whose
figures end before its cycle would have them (a monthly source: the month before the pack's; a
quarterly one: the last quarter ended by the pack's month) is out of date, and says so in
words. The pack's section headers, its page one and the published manifest use this one
judgement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from orchestration.lib.periods import Grain, add_months, months_apart
from orchestration.sections.formatting import month_long


def due_month(grain: Grain, pack_month: dt.date) -> dt.date:
    """The last month a source on `grain`'s cycle should cover by a pack of `pack_month`.

    A monthly source: the month before the pack's. A quarterly source: the last month of the
    last calendar quarter ended by the pack's month (March for a pack of March, June for one of
    July or August).
    """
    month = pack_month.replace(day=1)
    if grain is Grain.MONTH:
        return add_months(month, -1)
    return add_months(month, -(month.month % 3))


def cycle_of(grains: Iterable[Grain]) -> Grain | None:
    """The cycle of a unit built from sources of these grains: monthly when any one is."""
    found = set(grains)
    if not found:
        return None
    return Grain.MONTH if Grain.MONTH in found else Grain.QUARTER


@dataclass(frozen=True)
class Age:
    """A section's (or a source's) last month of figures against the pack's month.

    Attributes:
        last_month: the first day of the last month the figures cover.
        pack_month: the first day of the pack's month.
        cycle: the source's delivery cycle, or None when it has none (the pack's own sections).
    """

    last_month: dt.date
    pack_month: dt.date
    cycle: Grain | None = None

    @property
    def months_older(self) -> int:
        """How many months the figures end before the pack's month (0 when not before)."""
        return max(0, months_apart(self.last_month, self.pack_month))

    @property
    def badge(self) -> str:
        """'5 months older than this pack', or '' when the figures reach the pack's month."""
        n = self.months_older
        if n == 0:
            return ""
        return f"{n} month{'s' if n != 1 else ''} older than this pack"

    @property
    def due(self) -> dt.date | None:
        return due_month(self.cycle, self.pack_month) if self.cycle else None

    @property
    def is_out_of_date(self) -> bool:
        """The figures end before the source's own cycle would have them."""
        due = self.due
        return due is not None and self.last_month < due

    @property
    def reason(self) -> str:
        """Why the figures are out of date, in words ('' when they are not)."""
        due = self.due
        if due is None or not self.is_out_of_date or self.cycle is None:
            return ""
        every = "a monthly" if self.cycle is Grain.MONTH else "a quarterly"
        return (
            f"figures to {month_long(self.last_month)}; {every} source should reach "
            f"{month_long(due)} by a pack of {month_long(self.pack_month)}"
        )


def unit_cycles(registry: Any) -> dict[str, Grain]:
    """Publication unit key -> its delivery cycle: a source's grain; a combined unit's from
    its sources' (monthly when one of them is)."""
    grains = {source.key: source.grain for source in registry.sources}
    cycles = dict(grains)
    for unit in registry.combined_units:
        cycle = cycle_of(grains[key] for key in unit.sources if key in grains)
        if cycle:
            cycles[unit.key] = cycle
    return cycles
