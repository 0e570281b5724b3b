"""A real PostgreSQL server for a test: Debian's binaries (scripts/install_postgres.sh), a
temporary data directory, a free port on 127.0.0.1, trust authentication for local TCP.

PostgreSQL refuses to run as root: as root the server runs as the `postgres` user (or `nobody`
when there is none), which owns the data directory; as anyone else, as that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries: run scripts/install_postgres.sh (make postgres)."""


@dataclass(frozen=True)
class PostgresServer:
    port: int
    superuser: str
    data_dir: Path

    def url(self, database: str = "postgres", user: str | None = None) -> str:
        return f"postgresql://{user or self.superuser}@127.0.0.1:{self.port}/{database}"


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise PostgresUnavailable("no /usr/lib/postgresql/*/bin/initdb: run `make postgres`")
    return Path(found[-1]).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_user() -> str | None:
    """The user to run the server as when this process is root, else None (ourselves)."""
    if os.getuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise PostgresUnavailable("running as root, and no `postgres` or `nobody` user to run as")


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Starts a server for the block; stops it and removes its data directory after."""
    bin_dir = _bin_dir()
    user = _server_user()
    # Under /tmp directly: a root-owned pytest folder is not readable by the server's user.
    root = Path(tempfile.mkdtemp(prefix="scp-pg-"))
    data = root / "data"
    data.mkdir()
    if user:
        entry = pwd.getpwnam(user)
        for path in (root, data):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    superuser = user or pwd.getpwuid(os.getuid()).pw_name
    prefix = ["runuser", "-u", user, "--"] if user else []
    port = free_port()

    def run(*command: str) -> None:
        subprocess.run([*prefix, *command], check=True, capture_output=True, cwd=root)

    run(str(bin_dir / "initdb"), "-D", str(data), "-U", superuser, "-A", "trust", "-E", "UTF8")
    options = f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c full_page_writes=off"
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-o", options,
        "-w", "-t", "60", "start")  # fmt: skip
    try:
        yield PostgresServer(port=port, superuser=superuser, data_dir=data)
    finally:
        subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            cwd=root,
        )
        shutil.rmtree(root, ignore_errors=True)
