"""sqlfluff over the project's SQL, skipping the files it has already passed unchanged.

    .venv/bin/python scripts/lint_sql.py     # what `make lint` runs

Two runs, as `make lint` always made them: dbt's models, macros and tests, the gate's suites and
the tests' SQL with the Jinja templater (`.sqlfluff`, `expectations/.sqlfluff`), and the SQL the
Python code runs with the placeholder templater (`orchestration/.sqlfluff`), one process a core.

A file sqlfluff passed is remembered under `.lint-cache/` by a SHA-256 of its path and text and
of everything else its verdict depends on: sqlfluff's version, every `.sqlfluff` and
`.sqlfluffignore`, and the dbt project's macros and `dbt_project.yml` (the Jinja templater reads
them). Change any of those and every file is linted again; change one model and only it is. A
fresh clone has no cache and lints everything. Nothing is loosened: a file is skipped only when
sqlfluff passed exactly that file under exactly those rules.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".lint-cache"
SQLFLUFF = str(Path(sys.executable).with_name("sqlfluff"))
RUNS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("dbt_project", "expectations", "tests"), ()),
    (("orchestration",), ("--templater", "placeholder")),
)
# What a verdict depends on beyond the file itself.
RULES = (".sqlfluff", ".sqlfluffignore", "dbt_project/dbt_project.yml")


def ignored() -> list[str]:
    """The folders .sqlfluffignore names, relative to the project."""
    lines = (ROOT / ".sqlfluffignore").read_text(encoding="utf-8").splitlines()
    return [line.strip().rstrip("/") + "/" for line in lines if line.strip()]


def sql_files(folders: tuple[str, ...]) -> list[Path]:
    skip = ignored()
    return sorted(
        path
        for folder in folders
        for path in (ROOT / folder).rglob("*.sql")
        if not path.relative_to(ROOT).as_posix().startswith(tuple(skip))
        and not {"target", "logs", "dbt_packages", "node_modules"}
        & set(path.relative_to(ROOT).parts)
    )


def rules_digest() -> str:
    digest = hashlib.sha256()
    version = subprocess.run([SQLFLUFF, "version"], capture_output=True, text=True, check=True)
    digest.update(version.stdout.encode())
    extra = [ROOT / name for name in RULES]
    extra += sorted(ROOT.rglob(".sqlfluff"))
    extra += sorted((ROOT / "dbt_project" / "macros").rglob("*"))
    for path in extra:
        if path.is_file() and ".venv" not in path.parts:
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def stamp(rules: str, path: Path) -> Path:
    digest = hashlib.sha256(rules.encode())
    digest.update(path.relative_to(ROOT).as_posix().encode())
    digest.update(path.read_bytes())
    return CACHE / digest.hexdigest()


def main() -> int:
    rules = rules_digest()
    CACHE.mkdir(exist_ok=True)
    failed = 0
    for folders, options in RUNS:
        files = sql_files(folders)
        pending = [path for path in files if not stamp(rules, path).exists()]
        print(
            f"sqlfluff {' '.join(folders)}: {len(pending)} of {len(files)} file(s) to lint "
            f"({len(files) - len(pending)} passed before, unchanged)",
            flush=True,
        )
        if not pending:
            continue
        done = subprocess.run(
            [SQLFLUFF, "lint", "--processes", "0", *options, *map(str, pending)], cwd=ROOT
        )
        if done.returncode:
            failed = done.returncode
            continue
        for path in pending:
            stamp(rules, path).touch()
    return failed


if __name__ == "__main__":
    sys.exit(main())
