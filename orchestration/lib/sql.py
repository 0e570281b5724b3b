"""Named SQL statements, kept in `.sql` files beside the Python that runs them.

A file holds several statements, each after a line `-- name: <name>` and ending with `;` (so
sqlfluff reads the file as SQL; the last `;` is dropped, as a statement may be a subquery of
another). Table and catalog names that vary (a source's raw table, an attached catalog) are
`{placeholders}`, filled with `str.format`; values are always bound parameters.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

_NAME = re.compile(r"^-- name: (\w+)[ \t]*$", re.MULTILINE)


@cache
def statements(path: Path) -> dict[str, str]:
    """Every named statement of a `.sql` file."""
    text = path.read_text(encoding="utf-8")
    parts = _NAME.split(text)
    return {
        name: body.strip().removesuffix(";").rstrip()
        for name, body in zip(parts[1::2], parts[2::2], strict=True)
    }


def statement(path: Path, name: str, **names: str) -> str:
    """One statement of `path`, with its `{placeholders}` filled from `names`."""
    text = statements(path)[name]
    return text.format(**names) if names else text
