"""Finding the publication units: every package below `orchestration/sources/` is one or more.

A unit is a folder. Its package says what it is by the names it defines, and nothing else in
the project lists it:

- `SOURCE`: one `Source` (a landing folder and its declaration), or `SOURCES`: several built
  from one declaration (the partner returns, one per provider of the measure catalogue);
- `COMBINED_UNITS`: tables built from several sources' tables (`CombinedUnit`);
- a module `pack` beside them with `SECTIONS`: the pack sections that show its tables. It is
  imported only when a pack is built, so landing a file never loads the pack's libraries.

The unit's dbt models are the folders `dbt_project/models/<layer>/<key>/`, found the same way
(`orchestration/transform/units.py`).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from orchestration.landing.source import Source
from orchestration.lib.units import CombinedUnit

REFERENCE = "reference"


class DeclarationError(ValueError):
    """Two units claim one key, or a combined unit names a source nobody declares."""


def _packages(package: ModuleType) -> Iterator[ModuleType]:
    """Every direct subpackage of `package`, by name."""
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.ispkg and not info.name.startswith("_"):
            yield importlib.import_module(f"{package.__name__}.{info.name}")


@dataclass(frozen=True)
class Registry:
    """Every declared source and combined unit, each by its key.

    Attributes:
        sources: in key order: the order of the UI's groups, the manifest and `make run`.
        combined_units: in key order.
        packages: the modules that declared them, for the pack sections beside them.
    """

    sources: tuple[Source, ...]
    combined_units: tuple[CombinedUnit, ...]
    packages: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """Every unit key: `reference`, the sources', the combined units'."""
        return (
            REFERENCE,
            *(source.key for source in self.sources),
            *(unit.key for unit in self.combined_units),
        )

    def source(self, key: str) -> Source:
        for source in self.sources:
            if source.key == key:
                return source
        raise KeyError(key)

    def with_sources(self, extra: Sequence[Source]) -> Registry:
        """This registry and `extra` (a source the tests declare), checked as one."""
        return _checked((*self.sources, *extra), self.combined_units, self.packages)

    def section_modules(self) -> list[ModuleType]:
        """Each declaring package's `pack` module, where it has one."""
        modules = []
        for name in self.packages:
            try:
                modules.append(importlib.import_module(f"{name}.pack"))
            except ModuleNotFoundError as exc:
                if exc.name != f"{name}.pack":
                    raise
        return modules


def _checked(
    sources: Sequence[Source], combined: Sequence[CombinedUnit], packages: Sequence[str]
) -> Registry:
    keys = [REFERENCE, *(s.key for s in sources), *(u.key for u in combined)]
    doubled = sorted({key for key in keys if keys.count(key) > 1})
    if doubled:
        raise DeclarationError(f"more than one unit is declared with the key(s) {doubled}")
    declared = {source.key for source in sources}
    for unit in combined:
        if missing := sorted(set(unit.sources) - declared):
            raise DeclarationError(
                f"combined unit {unit.key!r} names sources nobody declares: {missing}"
            )
    return Registry(
        sources=tuple(sorted(sources, key=lambda s: s.key)),
        combined_units=tuple(sorted(combined, key=lambda u: u.key)),
        packages=tuple(packages),
    )


def _declared(module: ModuleType, name: str) -> tuple[Any, ...]:
    value = getattr(module, name, None)
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def discover(package: ModuleType) -> Registry:
    """The sources and combined units the subpackages of `package` declare.

    Raises:
        DeclarationError: two declarations share a key, or a combined unit names a source
            that is not declared.
    """
    sources: list[Source] = []
    combined: list[CombinedUnit] = []
    packages: list[str] = []
    for module in _packages(package):
        found = [
            *_declared(module, "SOURCE"),
            *_declared(module, "SOURCES"),
        ]
        units = list(_declared(module, "COMBINED_UNITS"))
        if found or units:
            packages.append(module.__name__)
        sources += found
        combined += units
    return _checked(sources, combined, packages)
