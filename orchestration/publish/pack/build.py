"""Builds the board pack (one HTML file, the same laid out as an A4 PDF, and one workbook) from
the published marts.

The pipeline calls `build_pack` from its publish asset once every blocking check has passed.
The renderer only reads the published DuckDB file, read-only, so analysts' connections and a
refresh in progress never block it, and it writes each output atomically so a reader never
sees half a pack.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from orchestration.landing.discovery import Registry
from orchestration.lib.boroughs import Borough
from orchestration.lib.duck import published
from orchestration.publish.pack.pdf import pdf_bytes
from orchestration.publish.pack.sections import pack_sections
from orchestration.publish.pack.workbook import SheetData, workbook_bytes
from orchestration.sections import OGL_ATTRIBUTION, PackContext, Period, Row, Section
from orchestration.sections.age import Age, unit_cycles
from orchestration.sections.formatting import (
    NOT_AVAILABLE,
    borough_slug,
    exception_symbol,
    format_change_pct,
    format_count,
    format_percent,
    format_points,
    format_rank,
    format_rate,
    format_share,
    month_label,
    month_long,
)
from orchestration.sections.summary import PAGE_ONE, page_one
from orchestration.sources import REGISTRY

# Found from this file, not the working directory: the project is installed editable and
# Dagster may run from anywhere. A section's own template sits beside its source's pack.py and
# is named from the sources' folder (`met_recorded_crime/overview.html.j2`).
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
SOURCES_DIR = Path(__file__).resolve().parents[2] / "sources"

TITLE = "Safer Communities Partnership Board \u2014 Performance Dashboard"


@dataclass(frozen=True)
class PackOutput:
    """What `build_pack` wrote.

    Attributes:
        html_path: the self-contained HTML pack.
        xlsx_path: the workbook with the same tables.
        overview_rows: rows in the overview table on page one (one per measure).
        pdf_path: the board paper, the HTML laid out on A4 (None when not asked for).
    """

    html_path: Path
    xlsx_path: Path
    overview_rows: int
    stale_sections: list[str] = field(default_factory=list)  # section keys
    pdf_path: Path | None = None
    # Keys of the sections whose figures end before their source's cycle would have them.
    out_of_date_sections: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RenderedSection:
    """A section with its query's rows, the template variables built from them, and where its
    figures come from."""

    section: Section
    rows: list[Row]
    extras: dict[str, Any]
    provenance: Row | None = None
    # Why a section has no rows, in words ("" when it has some).
    empty_note: str = ""
    # The months its rows cover, and how old they are against the pack's month.
    period: Period | None = None
    age: Age | None = None

    @property
    def provenance_note(self) -> str:
        """'Source: <title>, release <r>.', after 'Stale: <why>.' when the source is stale."""
        source = self.provenance
        if source is None:
            return ""
        release = f", release {source['release']}" if source.get("release") else ""
        note = f"Source: {source['title']}{release}."
        if source.get("illustrative_files"):
            note = f"{ILLUSTRATIVE_WORDS} {note}"
        if source.get("is_stale"):
            note = f"Stale: {source['reason']}. {note}"
        return note


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader([TEMPLATES_DIR, SOURCES_DIR]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        pct=format_change_pct,
        count=format_count,
        percent=format_percent,
        points=format_points,
        rate=format_rate,
        share=format_share,
        symbol=exception_symbol,
        month_label=lambda m: NOT_AVAILABLE if m is None else month_label(m),
        month_long=lambda m: NOT_AVAILABLE if m is None else month_long(m),
    )
    env.globals.update(rank=format_rank)
    return env


def _query(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[Row]:
    """Runs a section query with only the parameters it names (DuckDB rejects extras)."""
    names = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", sql))
    cursor = con.execute(sql, {k: v for k, v in params.items() if k in names})
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]


class PackUnavailable(ValueError):
    """The published marts cannot make this pack; the message says what is missing."""


ILLUSTRATIVE_WORDS = "Illustrative figures, made up for the sample, not real data."
# A file its publisher marks as made up (the sample's stand-ins for feeds the public cannot
# download): its section says so, so illustrative figures never read as real ones.
ILLUSTRATIVE = "illustrative"


def publication(con: duckdb.DuckDBPyConnection) -> dict[str, Row]:
    """Source key -> its `meta_publication` row (release, stale, reason), as published, with
    `illustrative_files`: the files it comes from whose name marks them illustrative."""
    units = {row["source"]: row for row in _query(con, "select * from meta_publication", {})}
    marked = _query(
        con,
        "select source, file from meta_source_files "
        f"where lower(file) like '%{ILLUSTRATIVE}%' order by source, file",
        {},
    )
    for row in units.values():
        row["illustrative_files"] = [m["file"] for m in marked if m["source"] == row["source"]]
    return units


def _empty_note(
    con: duckdb.DuckDBPyConnection, section: Section, ctx: PackContext, tables: set[str]
) -> str:
    """Why a section has no rows for the pack's borough and month, in words."""
    unit = ctx.publication.get(section.source or "")
    if unit and unit.get("status") == "not set up":
        return f"no data yet ({unit['reason']})"
    if section.table not in tables:
        return "nothing is published for this section yet (its source has not published)"
    columns = {
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns where table_name = ?",
            [section.table],
        ).fetchall()
    }
    if "reporting_month" not in columns:
        return "the published table has no rows for it"
    first, last = con.execute(
        f"select min(reporting_month), max(reporting_month) from {section.table}"
    ).fetchall()[0]
    if first is None:
        return "nothing is published for this section yet"
    return (
        f"the published data gives this section for {first:%B %Y} to {last:%B %Y}, not for "
        f"{ctx.labels['month_long']}"
    )


def _published_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {name for (name,) in con.execute("select table_name from duckdb_tables()").fetchall()}


def _collect(
    con: duckdb.DuckDBPyConnection,
    ctx: PackContext,
    sections: Sequence[Section],
    cycles: dict[str, Any] | None = None,
) -> list[RenderedSection]:
    rendered = []
    tables = _published_tables(con)
    for section in sections:
        # A source that has never published (not set up, or its first file refused) has no
        # tables yet: its sections say so, with the reason, and the rest of the pack is built.
        missing = section.table not in tables
        rows = [] if missing else _query(con, section.query_for(tables), ctx.params)
        if section.required and not rows and not missing:
            months = con.execute(
                f"select min(reporting_month), max(reporting_month) from {section.table}"
            ).fetchone()
            have = (
                f"the published {section.table} has months {months[0]:%Y-%m} to {months[1]:%Y-%m}"
                if months and months[0]
                else f"the published {section.table} is empty"
            )
            raise PackUnavailable(
                f"No {section.title.lower()} rows for {ctx.borough.name} ({ctx.borough.code}) "
                f"and reporting month {ctx.reporting_month:%Y-%m}: {have} (a month needs the "
                "24 months up to it)"
            )
        rows = section.derive(rows, ctx)
        provenance = ctx.publication.get(section.source) if section.source else None
        note = "" if rows else _empty_note(con, section, ctx, tables)
        period = section.period(rows, ctx) if section.source else None
        age = (
            Age(period.end, ctx.reporting_month, (cycles or {}).get(section.source or ""))
            if period
            else None
        )
        rendered.append(
            RenderedSection(section, rows, section.extras(rows, ctx), provenance, note, period, age)
        )
    return rendered


def with_page_one(ctx: PackContext, rendered: Sequence[RenderedSection]) -> list[RenderedSection]:
    """The sections with page one first: built from their rows, not from another query."""
    return [RenderedSection(PAGE_ONE, [], page_one(rendered, ctx)), *rendered]


def render_html(ctx: PackContext, rendered: Sequence[RenderedSection]) -> str:
    """Renders the pack: each section's template, then the page around them.

    Args:
        ctx: the pack's borough, month and generation time.
        rendered: sections in pack order, with their rows.
    """
    env = _environment()
    common = {"ctx": ctx, "labels": ctx.labels, "borough": ctx.borough.name}
    parts: list[dict[str, Any]] = []
    for item in rendered:
        unit = item.provenance or {}
        # A source not set up has no tables: one line says so, whatever its section's shape.
        template = (
            "sections/_no_data.html.j2"
            if unit.get("status") == "not set up"
            else item.section.template
        )
        html = env.get_template(template).render(
            **common,
            section=item.section,
            rows=item.rows,
            provenance=item.provenance,
            provenance_note=item.provenance_note,
            empty_note=item.empty_note,
            period=item.period,
            age=item.age,
            **item.extras,
        )
        parts.append(
            {"section": item.section, "html": Markup(html), "period": item.period, "age": item.age}
        )
    generated = ctx.generated_at.astimezone(dt.UTC)
    return env.get_template("pack.html.j2").render(
        **common,
        title=TITLE,
        body=[p for p in parts if p["section"].region == "body"],
        footer=[p for p in parts if p["section"].region == "footer"],
        generated_at=f"{generated.day} {generated:%B %Y, %H:%M} UTC",
        generated_iso=generated.isoformat(timespec="seconds"),
        attribution=OGL_ATTRIBUTION,
    )


def _write_atomically(path: Path, data: bytes) -> None:
    """Writes beside the target, then renames over it: readers see the old or the new file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _normalise_generated_at(generated_at: dt.datetime | None) -> dt.datetime:
    if generated_at is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    if generated_at.tzinfo is None:
        # A naive time is taken as UTC, the pipeline's clock.
        return generated_at.replace(tzinfo=dt.UTC)
    return generated_at.astimezone(dt.UTC)


def build_pack(
    published_db: Path,
    out_dir: Path,
    borough: Borough,
    reporting_month: dt.date,
    generated_at: dt.datetime | None = None,
    registry: Registry = REGISTRY,
    pdf: bool = True,
) -> PackOutput:
    """Renders the board pack for one borough and month from the published marts.

    Args:
        published_db: the published DuckDB file (opened read-only).
        out_dir: where the pack goes, e.g. `warehouse/published/packs/2021-05/`; created.
        borough: the borough the pack is for.
        reporting_month: the first day of the pack's last complete month.
        generated_at: shown in the footer and stamped on the workbook; defaults to now (UTC).
            Equal inputs and an equal `generated_at` give byte-identical files.
        registry: the units whose sections the pack shows.
        pdf: also write the PDF board paper (about 4 s of CPU); tests that read only the HTML
            and the workbook skip it.

    Returns:
        The paths written and the number of rows on page one.

    Raises:
        PackUnavailable: the month is not a first of month, or the overview has no rows for the
            borough and month.
        FileNotFoundError: `published_db` does not exist.
    """
    if isinstance(reporting_month, dt.datetime) or reporting_month.day != 1:
        raise PackUnavailable(f"reporting_month must be a date on the 1st, got {reporting_month!r}")
    published_db = Path(published_db)
    if not published_db.is_file():
        raise FileNotFoundError(f"Published marts not found: {published_db}")
    with published(published_db) as con:
        sources = publication(con)
        as_of = next((row["as_of"] for row in sources.values() if row.get("as_of")), None)
        ctx = PackContext(
            borough=borough,
            reporting_month=reporting_month,
            generated_at=_normalise_generated_at(generated_at),
            publication=sources,
            as_of=as_of.date() if isinstance(as_of, dt.datetime) else as_of,
        )
        rendered = _collect(con, ctx, pack_sections(registry), unit_cycles(registry))

    html = render_html(ctx, with_page_one(ctx, rendered))
    xlsx = workbook_bytes(
        ctx,
        [
            SheetData(r.section.sheet, r.rows, (r.provenance_note,) if r.provenance_note else ())
            for r in rendered
            if r.section.sheet
        ],
    )

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"board_pack_{borough_slug(borough.name)}_{reporting_month:%Y-%m}"
    html_path = out_dir / f"{stem}.html"
    xlsx_path = out_dir / f"{stem}.xlsx"
    # Laid out before anything is written, so a PDF that cannot be made leaves the last pack.
    pdf_path = out_dir / f"{stem}.pdf" if pdf else None
    paper = pdf_bytes(html, ctx.generated_at) if pdf else b""
    _write_atomically(html_path, html.encode("utf-8"))
    _write_atomically(xlsx_path, xlsx)
    if pdf_path:
        _write_atomically(pdf_path, paper)
    first = rendered[0]
    return PackOutput(
        html_path=html_path,
        xlsx_path=xlsx_path,
        overview_rows=len(first.rows),
        stale_sections=[
            r.section.key for r in rendered if r.provenance and r.provenance.get("is_stale")
        ],
        pdf_path=pdf_path,
        out_of_date_sections=[r.section.key for r in rendered if r.age and r.age.is_out_of_date],
    )
