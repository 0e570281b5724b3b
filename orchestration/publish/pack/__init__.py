"""The board pack: one self-contained HTML file and a workbook, rendered from the marts.

See `docs/pack.md`. The pipeline calls `build_pack`; a section is a `Section`
(`orchestration/sections/`) declared beside its source (`orchestration/sources/<key>/pack.py`).
"""

from orchestration.publish.pack.build import PackOutput, PackUnavailable, build_pack
from orchestration.publish.pack.sections import pack_sections

__all__ = ["PackOutput", "PackUnavailable", "build_pack", "pack_sections"]
