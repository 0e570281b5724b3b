"""The layout of the published copy, read from the dbt project rather than written out here.

Every published table is a dbt model of the marts or reporting layer with an enforced contract:
its columns and their types are in the manifest, so a test that builds a published file by
hand (tests/test_pack_render.py) gets every unit's tables, a new source's too, without a list
to keep. The two tables the publish step writes itself (meta_publication, meta_source_files)
are named here.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import PROJECT_ROOT, _ensure_dbt_manifest

Layout = dict[str, tuple[tuple[str, str], ...]]

# What orchestration/publish/marts.py writes beside the units' tables, as DuckDB types them.
META_TABLES: Layout = {
    "meta_source_files": (
        ("source", "VARCHAR"), ("title", "VARCHAR"), ("licence", "VARCHAR"),
        ("file", "VARCHAR"), ("sha256", "VARCHAR"), ("release", "VARCHAR"),
        ("released_on", "DATE"), ("first_period", "DATE"), ("last_period", "DATE"),
        ("rows", "BIGINT"), ("loaded_at", "TIMESTAMP"), ("superseded_by", "VARCHAR"),
    ),
    "meta_publication": (
        ("source", "VARCHAR"), ("title", "VARCHAR"), ("status", "VARCHAR"),
        ("is_stale", "BOOLEAN"), ("reason", "VARCHAR"), ("release", "VARCHAR"),
        ("released_on", "TIMESTAMP"), ("published_at", "TIMESTAMP WITH TIME ZONE"),
        ("as_of", "TIMESTAMP_S"), ("file_count", "BIGINT"), ("licence", "VARCHAR"),
        ("last_month", "DATE"), ("pack_month", "DATE"), ("is_out_of_date", "BOOLEAN"),
        ("out_of_date_reason", "VARCHAR"),
    ),
}  # fmt: skip


def published_layout(project_dir: Path = PROJECT_ROOT / "dbt_project") -> Layout:
    """Table -> its (column, DuckDB type) in order: every published model, then the meta."""
    _ensure_dbt_manifest()
    manifest = json.loads((project_dir / "target" / "manifest.json").read_text())
    layout: Layout = {}
    for node in sorted(manifest["nodes"].values(), key=lambda n: n["name"]):
        if node["resource_type"] != "model" or node["schema"] not in ("marts", "reporting"):
            continue
        assert node["config"]["contract"]["enforced"], f"{node['name']} has no contract"
        layout[node["name"]] = tuple(
            (name, str(column["data_type"]).upper()) for name, column in node["columns"].items()
        )
    return {**layout, **META_TABLES}
