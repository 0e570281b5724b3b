"""`make source`: the starting files of a new source, which work as they are written.

    python -m orchestration.cli source --key toy_counts --grain month --folder toy/counts \\
        --columns month:date,borough_name:area,calls:count [--title "Toy counts"]

Writes only new files, and edits none: the source is found by discovery, its dbt folders are
its publication unit, and its pack section is found beside it.

- `orchestration/sources/<key>/`: the declaration (`__init__.py`), a parser of the declared
  columns (`parser.py`, the shared `TableParser`), a pack section (`pack.py`, a table of the
  pack borough's latest 12 periods) and a sample file (`sample.csv`);
- its gate: the shared suites `known_areas` and `one_figure_per_period`;
- `dbt_project/models/staging/<key>/`: the dbt source (joined to the ingest asset), the staging
  view `stg_<key>` and their YAML; `dbt_project/models/marts/<key>/`: the mart `fct_<key>`
  (the latest release that holds each area and period), with its contract and tests;
- `tests/test_source_<key>.py`: the sample loads through the gate, and a bad area and a bad
  figure are refused by name, row and rule.

Then `make setup` parses the project and records the new unit's assets in the definitions
snapshot (`tests/snapshots/definitions/<key>.json`), for review. docs/adding_a_source.md says
what to change when the real file is not this simple.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from orchestration.landing.tabular import Column, Kind, parse_columns, value_label
from orchestration.lib.config import DBT_PROJECT_DIR, PROJECT_ROOT
from orchestration.lib.periods import Grain

SOURCES_DIR = PROJECT_ROOT / "orchestration" / "sources"
TESTS_DIR = PROJECT_ROOT / "tests"
_KEY = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
_FOLDER = re.compile(r"^[a-z0-9_]+(/[a-z0-9_]+)*$")
# The pack places a new source's section after the partnership's (500s) and the ASB (700).
FIRST_NEW_ORDER = 800
# The areas and figures of the sample: the pack's default borough, a neighbour and London.
SAMPLE_AREAS = ("Barnet", "Camden", "London")
SAMPLE_PERIODS = 12

DBT_TYPES = {
    Kind.DATE: "date",
    Kind.AREA: "varchar",
    Kind.COUNT: "bigint",
    Kind.NUMBER: "double",
    Kind.PERCENT: "double",
    Kind.TEXT: "varchar",
}
SHEET_FORMATS = {
    Kind.DATE: "MONTH",
    Kind.COUNT: "VOLUME",
    Kind.NUMBER: "DECIMAL",
    Kind.PERCENT: "PERCENT_ONE_PLACE",
    Kind.TEXT: "None",
}


class ScaffoldError(ValueError):
    """The source cannot be scaffolded as asked; the message says why and what to give."""


@dataclass(frozen=True)
class NewSource:
    """What `make source` was asked for, checked."""

    key: str
    title: str
    grain: Grain
    folder: str
    columns: tuple[Column, ...]

    @property
    def period(self) -> Column:
        return next(c for c in self.columns if c.kind is Kind.DATE)

    @property
    def area(self) -> Column:
        return next(c for c in self.columns if c.kind is Kind.AREA)

    @property
    def figures(self) -> list[Column]:
        return [c for c in self.columns if c.kind in (Kind.COUNT, Kind.NUMBER, Kind.PERCENT)]

    @property
    def others(self) -> list[Column]:
        return [c for c in self.columns if c.kind is Kind.TEXT]


def new_source(key: str, grain: str, folder: str, columns: str, title: str = "") -> NewSource:
    """The request, checked against the project as it is.

    Raises:
        ScaffoldError: a key or folder that is not usable or already taken, or columns that
            declare no period, no area or no figure.
    """
    from orchestration.landing.tabular import ColumnSpecError
    from orchestration.sources import SOURCES

    if not _KEY.match(key or ""):
        raise ScaffoldError(
            f"KEY={key!r}: a source key is lower case letters, digits and _, starting with a "
            "letter (toy_counts)"
        )
    if grain not in (g.value for g in Grain):
        raise ScaffoldError(f"GRAIN={grain!r}: month or quarter")
    folder = (folder or "").strip("/")
    if not _FOLDER.match(folder):
        raise ScaffoldError(f"FOLDER={folder!r}: a folder under raw/, lower case, as toy/counts")
    taken = [s.key for s in SOURCES if key in (s.key, f"partner_{key}") or s.folder == folder]
    if taken or (SOURCES_DIR / key).exists():
        raise ScaffoldError(
            f"KEY={key} or FOLDER={folder} is taken already (by {', '.join(taken) or key})"
        )
    try:
        parsed = parse_columns(columns or "")
    except ColumnSpecError as exc:
        raise ScaffoldError(f"COLUMNS={columns!r}: {exc}") from exc
    if not any(c.kind is Kind.AREA for c in parsed):
        raise ScaffoldError(
            f"COLUMNS={columns!r}: a new source needs the column that names its area (kind "
            "area), so the pack can show the borough's rows"
        )
    return NewSource(
        key=key,
        title=title or key.replace("_", " ").capitalize(),
        grain=Grain(grain),
        folder=folder,
        columns=parsed,
    )


# --- the files --------------------------------------------------------------------------------


def _column_code(column: Column) -> str:
    return f'Column("{column.name}", Kind.{column.kind.name})'


def declaration(new: NewSource) -> str:
    figures = ", ".join(f'"{c.name}"' for c in new.figures)
    return f'''"""{new.title}: one row per {new.grain.value} and area, in raw/{new.folder}/.

Written by `make source`; say here where the files come from, who sends them and when.
"""

from orchestration.landing.shared_suites import known_areas, one_figure_per_period
from orchestration.landing.source import Grain, Source
from orchestration.sources.{new.key}.parser import PARSER

SOURCE = Source(
    key="{new.key}",
    title="{new.title}",
    folder="{new.folder}",
    file_types=(".csv", ".xlsx"),
    parser=PARSER,
    columns=PARSER.duckdb_columns,
    percentages=PARSER.percentages,
    figure_keys=("{new.area.name}",),
    figure_columns=({figures},),
    grain=Grain.{new.grain.name},
    release_rule=(
        "A file's release is its last {new.grain.value}. Each area and {new.grain.value} comes "
        "from the latest release that holds it (fct_{new.key})."
    ),
    suites=(
        known_areas(area="{new.area.name}"),
        one_figure_per_period("{new.period.name}", "{new.area.name}", ({figures},)),
    ),
    dbt_staging=("stg_{new.key}",),
    delivery_day=10,
    licence="The licence the figures are used under",
)
'''


def parser_module(new: NewSource) -> str:
    columns = "\n".join(f"        {_column_code(c)}," for c in new.columns)
    header = ",".join(c.name for c in new.columns)
    return f'''"""How a file of the source reads: one row per {new.grain.value} and area.

Header: `{header}`.

The shared parser, told the columns (docs/adding_a_source.md says what it accepts). When the
real file differs (another header, a title line, several sheets), change the columns here or
write the source's own parser beside this file.
"""

from orchestration.landing.tabular import Column, Kind, TableParser
from orchestration.lib.periods import Grain

PARSER = TableParser(
    (
{columns}
    ),
    Grain.{new.grain.name},
)
'''


def pack_module(new: NewSource, order: int) -> str:
    formats = {c.name: SHEET_FORMATS.get(c.kind) for c in new.columns}
    sheet = "\n".join(
        f'                SheetColumn("{c.name}", "{c.name}"'
        + ("" if formats[c.name] in (None, "None") else f", {formats[c.name]}")
        + (", divide_by=100" if c.kind is Kind.PERCENT else "")
        + "),"
        for c in new.columns
        if c.kind is not Kind.AREA
    )
    used = sorted({f for f in formats.values() if f and f != "None"})
    imports = ",\n".join(f"    {name}" for name in [*used, "Section", "Sheet", "SheetColumn"])
    return f'''"""The source's pack section: the borough's latest 12 {new.grain.value}s, as a table.

Written by `make source`: a start. A section of the source's own shape is a reporting model
(`dbt_project/models/reporting/{new.key}/`) and a template beside this file.
"""

from orchestration.sections import (
{imports},
)
from orchestration.sources.{new.key} import SOURCE

SECTIONS = (
    Section(
        key="{new.key}",
        title=SOURCE.title,
        order={order},
        table="fct_{new.key}",
        where=("area_code = $borough_code", "{new.period.name} between $r12_from and $month"),
        order_by="{new.period.name}",
        source=SOURCE.key,
        template="sections/table.html.j2",
        sheet=Sheet(
            name="{new.title[:31]}",
            columns=[
{sheet}
            ],
        ),
    ),
)
'''


def _sample_value(column: Column, area: int, period: int) -> str:
    if column.kind is Kind.COUNT:
        return str(100 * (area + 1) + 3 * period)
    if column.kind is Kind.NUMBER:
        return f"{10 * (area + 1) + period / 4:.2f}"
    if column.kind is Kind.PERCENT:
        return f"{50 + 2 * area + period / 2:.1f}"
    return "illustrative"


def sample_csv(new: NewSource, today: date) -> str:
    """Illustrative rows (`SAMPLE_AREAS` for the 12 periods before `today`'s), not figures of
    any real return: the sample shows the layout and lets the test load something."""
    last = new.grain.previous_period(new.grain.period_start(today))
    periods = [last]
    while len(periods) < SAMPLE_PERIODS:
        periods.insert(0, new.grain.previous_period(periods[0]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.name for c in new.columns])
    for p_index, period in enumerate(periods):
        for a_index, area in enumerate(SAMPLE_AREAS):
            writer.writerow(
                [
                    value_label(period, new.grain)
                    if c.kind is Kind.DATE
                    else area
                    if c.kind is Kind.AREA
                    else _sample_value(c, a_index, p_index)
                    for c in new.columns
                ]
            )
    return buffer.getvalue()


def sources_yaml(new: NewSource) -> str:
    columns = "\n".join(
        f"          - name: {c.name}\n"
        f"            description: {c.kind.value}, as the file gives it."
        for c in new.columns
    )
    stg_columns = "\n".join(
        f"      - name: {name}\n        description: {text}" for name, text in _staging_columns(new)
    )
    return f"""version: 2

sources:
  - name: {new.key}
    description: >
      The table the Dagster ingest asset writes for {new.title.lower()} (raw/{new.folder}/). It
      keeps every accepted file as it arrived, with lineage columns; a refused file never
      reaches it.
    schema: raw
    tables:
      - name: {new.key}
        identifier: {new.key}
        description: One row per source file and row, with the file's release.
        meta:
          dagster:
            asset_key: ["raw", "{new.key}"]
        columns:
{columns}

models:
  - name: stg_{new.key}
    description: >
      One row per source file and row released by the as-of date: the {new.grain.value}, the
      area as the file names it and its code (stg_reference__area_names), and the figures.
    columns:
{stg_columns}
"""


def _staging_columns(new: NewSource) -> list[tuple[str, str]]:
    return [
        ("source_file", "The file the row comes from."),
        ("source_row", "Its line in the file (the header is line 1)."),
        ("release", f"The file's release, its last {new.grain.value}."),
        ("released_on", "When the release could first be published; as_of compares with it."),
        ("loaded_at", "When the file was loaded (UTC)."),
        (new.period.name, f"The {new.grain.value}'s first day."),
        (new.area.name, "The area as the file names it."),
        ("area_code", "The area's ONS code (E09000003), or London's or a BCU's code."),
        *((c.name, f"{c.kind.value}, as the file gives it.") for c in new.figures + new.others),
    ]


def staging_sql(new: NewSource) -> str:
    figures = "".join(f"        source.{c.name},\n" for c in new.figures + new.others)
    return f"""-- {new.title}: every accepted row released by the as-of date, with the area's code.
with

source as (

    select * from {{{{ source('{new.key}', '{new.key}') }}}}

),

area_names as (

    select * from {{{{ ref('stg_reference__area_names') }}}}

),

final as (

    select
        source.source_file,
        source.source_row,
        source.release,
        source.released_on,
        source.loaded_at,
        source.{new.period.name},
        trim(source.{new.area.name}) as {new.area.name},
        area_names.area_code,
{figures.rstrip().rstrip(",")}
    from source
    left join area_names
        on area_names.name_key = lower(trim(source.{new.area.name}))
    where {{{{ released_by_as_of('source.released_on') }}}}

)

select * from final
"""


def mart_sql(new: NewSource) -> str:
    casts = "".join(
        f"        cast({c.name} as {DBT_TYPES[c.kind]}) as {c.name},\n"
        for c in new.figures + new.others
    )
    period = new.period.name
    return f"""-- One row per area and {new.grain.value}: the figures of the latest release that
-- holds them (then the file loaded last), with the release and file they come from.
with

staged as (

    select * from {{{{ ref('stg_{new.key}') }}}}

),

ranked as (

    select
        *,
        row_number() over (
            partition by area_code, {period}
            order by released_on desc, loaded_at desc, source_file desc
        ) as recency
    from staged

),

final as (

    select
        cast(area_code as varchar) as area_code,
        cast({new.area.name} as varchar) as {new.area.name},
        cast({period} as date) as {period},
{casts}        cast(release as varchar) as release,
        cast(source_file as varchar) as source_file
    from ranked
    where recency = 1

)

select * from final
"""


def mart_yaml(new: NewSource) -> str:
    figure_columns = "".join(
        f"      - name: {c.name}\n        data_type: {DBT_TYPES[c.kind]}\n"
        f"        description: {c.kind.value}, from the latest release that holds the "
        f"{new.grain.value}.\n"
        for c in new.figures + new.others
    )
    return f"""version: 2

models:
  - name: fct_{new.key}
    description: >
      One row per area and {new.grain.value}: {new.title.lower()}, each {new.grain.value} from the
      latest release that holds it (then the file loaded last).
    data_tests:
      - unique_combination_of_columns:
          arguments:
            combination_of_columns: ["area_code", "{new.period.name}"]
    columns:
      - name: area_code
        data_type: varchar
        description: The area's ONS code (a London borough), or London's or a BCU's code.
        constraints: [{{type: not_null}}]
      - name: {new.area.name}
        data_type: varchar
        description: The area as the file names it.
      - name: {new.period.name}
        data_type: date
        description: The {new.grain.value}'s first day.
        constraints: [{{type: not_null}}]
{figure_columns}      - name: release
        data_type: varchar
        description: The release the row comes from (its last {new.grain.value}).
      - name: source_file
        data_type: varchar
        description: The file the row comes from.
"""


def test_module(new: NewSource) -> str:
    figure = new.figures[0]
    return f'''"""A source as `make source` wrote it ({new.key}): its sample loads through its
gate, and a bad area and a bad figure are refused by name, row and rule.

What is expected is read from the sample with the csv module, not from the parser.
"""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.landing.load import SyncReport, sync_source
from orchestration.sources import {new.key} as package
from orchestration.sources.{new.key} import SOURCE

SAMPLE = Path(package.__file__).with_name("sample.csv")
LOADED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def _records() -> list[list[str]]:
    with SAMPLE.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _land(tmp_path: Path, records: list[list[str]] | None = None) -> Path:
    folder = SOURCE.landing_folder(tmp_path / "raw")
    folder.mkdir(parents=True)
    if records is None:
        shutil.copy(SAMPLE, folder / "sample.csv")
    else:
        with (folder / "changed.csv").open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, lineterminator="\\n").writerows(records)
    return tmp_path / "raw"


def _sync(tmp_path: Path, raw_dir: Path) -> tuple[SyncReport, int]:
    """The sync's report, and the rows in the source's table after it."""
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        report = sync_source(con, SOURCE, raw_dir, loaded_at=LOADED_AT)
        (rows,) = con.execute(f"select count(*) from {{SOURCE.table}}").fetchone()
        return report, rows
    finally:
        con.close()


def test_the_sample_loads_every_row_through_the_gate(tmp_path: Path) -> None:
    report, rows = _sync(tmp_path, _land(tmp_path))
    assert [v.status for v in report.verdicts] == ["loaded"]
    assert rows == len(_records()) - 1


def test_an_area_nobody_knows_is_refused_by_the_known_areas_suite(tmp_path: Path) -> None:
    records = _records()
    records[1][{new.columns.index(new.area)}] = "Gotham City"
    report, rows = _sync(tmp_path, _land(tmp_path, records))
    (verdict,) = report.refused
    assert (verdict.check, verdict.where) == ("known_areas", "row 2")
    assert "Gotham City" in verdict.rule
    assert rows == 0


def test_a_figure_that_is_not_a_{figure.kind.value}_is_refused_naming_the_cell(
    tmp_path: Path,
) -> None:
    records = _records()
    records[1][{new.columns.index(figure)}] = "n/a"
    report, rows = _sync(tmp_path, _land(tmp_path, records))
    (verdict,) = report.refused
    assert (verdict.check, verdict.where) == ("contract", "row 2, column '{figure.name}'")
    assert rows == 0
'''


def next_order() -> int:
    """The first free place in the pack after the sections already there."""
    from orchestration.publish.pack.sections import pack_sections

    taken = {section.order for section in pack_sections()}
    order = FIRST_NEW_ORDER
    while order in taken:
        order += 10
    return order


def files_for(new: NewSource, today: date, order: int) -> dict[Path, str]:
    """Every file `make source` writes, by path."""
    package = SOURCES_DIR / new.key
    staging = DBT_PROJECT_DIR / "models" / "staging" / new.key
    marts = DBT_PROJECT_DIR / "models" / "marts" / new.key
    return {
        package / "__init__.py": declaration(new),
        package / "parser.py": parser_module(new),
        package / "pack.py": pack_module(new, order),
        package / "sample.csv": sample_csv(new, today),
        staging / f"_{new.key}__sources.yml": sources_yaml(new),
        staging / f"stg_{new.key}.sql": staging_sql(new),
        marts / f"_{new.key}__models.yml": mart_yaml(new),
        marts / f"fct_{new.key}.sql": mart_sql(new),
        TESTS_DIR / f"test_source_{new.key}.py": test_module(new),
    }


def scaffold(new: NewSource, today: date | None = None) -> list[Path]:
    """Writes the new source's files; refuses to overwrite any file.

    Raises:
        ScaffoldError: one of the files exists already; nothing is written.
    """
    files = files_for(new, today or date.today(), next_order())
    existing = [str(path.relative_to(PROJECT_ROOT)) for path in files if path.exists()]
    if existing:
        raise ScaffoldError(f"these files exist already, so nothing was written: {existing}")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(files)


def next_steps(new: NewSource, written: Sequence[Path]) -> str:
    lines = [f"wrote {path.relative_to(PROJECT_ROOT)}" for path in written]
    lines += [
        "",
        f"Next: put a file in raw/{new.folder}/ (the sample shows the layout:",
        f"orchestration/sources/{new.key}/sample.csv), then `make run`; the tables publish as the",
        f"unit {new.key}. docs/adding_a_source.md says what to change when the real file differs.",
    ]
    return "\n".join(lines)
