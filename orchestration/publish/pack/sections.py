"""The pack's sections: each unit's, found beside its declaration, and the pack's own.

A source's sections are in its folder (`orchestration/sources/<key>/pack.py`, `SECTIONS`), so a
new source's section is found like the source itself; nothing here lists them. The pack adds
two sections about itself: the glossary (reference) and the data sources it was built from.
Sections are ordered by `Section.order`, body before footer.
"""

from __future__ import annotations

from collections.abc import Sequence

from orchestration.landing.discovery import Registry
from orchestration.sections import (
    MONTH,
    OGL_ATTRIBUTION,
    TIMESTAMP,
    VOLUME,
    Section,
    Sheet,
    SheetColumn,
)
from orchestration.sources import REGISTRY

GLOSSARY = Section(
    key="glossary",
    title="Glossary",
    order=900,
    # Words come from dbt, generated from the same variables as the KPI SQL, so the glossary
    # cannot drift from the figures; the renderer adds no definitions of its own.
    table="kpi_glossary",
    order_by="sort_order, term",
    template="sections/glossary.html.j2",
    sheet=Sheet(
        name="Glossary",
        columns=[
            SheetColumn("Term", "term", width=28),
            SheetColumn("Definition", "definition", width=110),
        ],
    ),
)

SOURCES = Section(
    key="sources",
    title="Data sources",
    order=950,
    # Written by the publish step: the files each source's published tables come from.
    table="meta_source_files",
    order_by="source, released_on desc, file",
    template="sections/sources.html.j2",
    region="footer",
    sheet=Sheet(
        name="Sources",
        columns=[
            SheetColumn("Source", "title", width=36),
            SheetColumn("Release", "release", width=12),
            SheetColumn("First period", "first_period", MONTH, width=12),
            SheetColumn("Last period", "last_period", MONTH, width=12),
            SheetColumn("Rows", "rows", VOLUME, width=10),
            SheetColumn("File", "file", width=40),
            SheetColumn("SHA-256", "sha256", width=66),
            SheetColumn("Loaded at (UTC)", "loaded_at", TIMESTAMP, width=17),
            SheetColumn("Licence", "licence", width=30),
        ],
        notes=(OGL_ATTRIBUTION,),
    ),
)

PACK_SECTIONS = (GLOSSARY, SOURCES)


class SectionError(ValueError):
    """Two sections share a key or a place in the pack."""


def pack_sections(registry: Registry = REGISTRY) -> tuple[Section, ...]:
    """Every unit's sections and the pack's own, in pack order.

    Raises:
        SectionError: two sections share a key (an HTML anchor) or an order.
    """
    found: list[Section] = [*PACK_SECTIONS]
    for module in registry.section_modules():
        found += list(getattr(module, "SECTIONS", ()))
    _check(found)
    return tuple(sorted(found, key=lambda s: (s.region == "footer", s.order, s.key)))


def _check(sections: Sequence[Section]) -> None:
    for attribute in ("key", "order"):
        values = [getattr(section, attribute) for section in sections]
        doubled = sorted({v for v in values if values.count(v) > 1})
        if doubled:
            raise SectionError(f"pack sections share a {attribute}: {doubled}")


def find_section(key: str, registry: Registry = REGISTRY) -> Section:
    """The section with this key (the overview, for `make run`'s summary)."""
    return next(section for section in pack_sections(registry) if section.key == key)
