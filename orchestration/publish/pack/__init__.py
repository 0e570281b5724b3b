"""The board pack: one self-contained HTML file and a workbook, rendered from the marts.

See `docs/pack.md`. The pipeline calls `build_pack`; a new section is a `Section` in
`orchestration.publish.pack.sections.SECTIONS` (a query and a template).
"""

from orchestration.publish.pack.build import PackOutput, PackUnavailable, build_pack
from orchestration.publish.pack.sections import SECTIONS, PackContext, Section, Sheet, SheetColumn

__all__ = [
    "SECTIONS",
    "PackContext",
    "PackOutput",
    "PackUnavailable",
    "Section",
    "Sheet",
    "SheetColumn",
    "build_pack",
]
