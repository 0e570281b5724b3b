"""Which publication unit a dbt node belongs to: the folder it sits in.

A model in `models/<layer>/<unit>/` (`models/marts/met_recorded_crime/kpi_crime_overview.sql`)
belongs to the unit `<unit>`: a source's key, a combined unit's key, or `reference`. Seeds are
`reference`. A test belongs to the unit of what it tests. Nothing else is kept by hand: a new
source's models publish with it because of where they are, and a model in a folder that names
no unit stops the code location from loading, so it can never be a table that silently never
publishes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

REFERENCE = "reference"
# What a node of these kinds depends on decides its unit (a test's is its model's).
_BUILT = ("model.", "seed.", "snapshot.")


class UnitFolderError(ValueError):
    """A model whose folder names no declared unit."""


def _node(manifest: Mapping[str, Any], unique_id: str) -> Mapping[str, Any]:
    return manifest["nodes"].get(unique_id) or manifest.get("unit_tests", {}).get(unique_id) or {}


def folder_unit(original_file_path: str) -> str | None:
    """'models/<layer>/<unit>/...' -> '<unit>'; a seed -> 'reference'; otherwise None."""
    parts = PurePosixPath(original_file_path.replace("\\", "/")).parts
    if parts and parts[0] == "seeds":
        return REFERENCE
    if len(parts) >= 4 and parts[0] == "models":
        return parts[2]
    return None


def node_unit(manifest: Mapping[str, Any], unique_id: str) -> str:
    """The unit that owns a node: its folder's, or for a test, that of what it tests."""
    node = _node(manifest, unique_id)
    if node.get("resource_type") in ("model", "seed", "snapshot"):
        return folder_unit(node.get("original_file_path", "")) or ""
    for parent in node.get("depends_on", {}).get("nodes", []):
        if parent.startswith(_BUILT):
            return node_unit(manifest, parent)
    return ""


def check_unit_folders(manifest: Mapping[str, Any], units: Iterable[str]) -> None:
    """Every model sits in the folder of a declared unit.

    Raises:
        UnitFolderError: naming each model that does not, and the units there are.
    """
    known = set(units)
    wrong = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        unit = folder_unit(node["original_file_path"])
        if unit not in known:
            wrong.append(f"{node['original_file_path']} ({unit or 'in no unit folder'})")
    if wrong:
        raise UnitFolderError(
            "every dbt model belongs in models/<layer>/<unit>/, where <unit> is a declared "
            f"source, a combined unit or {REFERENCE!r}; these are not: {', '.join(sorted(wrong))}"
            f". The units are: {', '.join(sorted(known))}"
        )


def affected_units(manifest: Mapping[str, Any], unique_id: str) -> set[str]:
    """The units a node's failure holds back: its own (a test's is its model's), and every unit
    with a model downstream of it (built on what failed)."""
    node = _node(manifest, unique_id)
    starts = (
        [p for p in node.get("depends_on", {}).get("nodes", []) if p.startswith(_BUILT)]
        if unique_id.startswith(("test.", "unit_test."))
        else [unique_id]
    )
    units = {node_unit(manifest, unique_id)}
    seen: set[str] = set()
    while starts:
        current = starts.pop()
        if current in seen:
            continue
        seen.add(current)
        units.add(node_unit(manifest, current))
        starts += [
            child
            for child in manifest.get("child_map", {}).get(current, [])
            if child.startswith(_BUILT)
        ]
    return {unit for unit in units if unit}


def unit_nodes(manifest: Mapping[str, Any], units: Iterable[str]) -> list[str]:
    """The models and seeds that belong to `units`."""
    wanted = set(units)
    return sorted(
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed") and node_unit(manifest, unique_id) in wanted
    )
