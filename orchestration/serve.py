"""The served deployment: the Dagster webserver and daemon as two background processes.

    python -m orchestration.serve start [--host 127.0.0.1] [--port 3000] [--read-only]
    python -m orchestration.serve stop
    python -m orchestration.serve status

`make serve` and `make stop` call these. Each process writes its log and its pid file to
`warehouse/logs/` (`SCP_WAREHOUSE_DIR`): `webserver.log`, `webserver.pid`, `daemon.log`,
`daemon.pid`. Both start in a session of their own and carry a marker in their environment
(`SCP_SERVE_ID`), which the processes they start (the code server, the runs) inherit: `stop`
ends those processes and no other, whatever started them.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from orchestration.lib.config import PROJECT_ROOT, Settings
from orchestration.lib.instance import (
    DAGSTER_PG_ENV,
    name_the_driver,
    uses_postgres,
    write_dagster_yaml,
)

MARKER_ENV = "SCP_SERVE_ID"
PROCESSES = ("webserver", "daemon")
START_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 30


class ServeError(RuntimeError):
    """The deployment cannot start or stop; the message says why."""


def log_dir(settings: Settings) -> Path:
    return settings.warehouse_dir / "logs"


def _bin(name: str) -> str:
    local = Path(sys.executable).with_name(name)
    return str(local) if local.exists() else name


def _marker_of(pid: int) -> str | None:
    """The SCP_SERVE_ID in process `pid`'s environment, or None."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None
    for entry in environ.split(b"\0"):
        if entry.startswith(MARKER_ENV.encode() + b"="):
            return entry.split(b"=", 1)[1].decode()
    return None


def marked_processes(marker: str) -> list[int]:
    """Every live process (not a zombie) that carries `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        if _marker_of(int(entry.name)) != marker:
            continue
        try:
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def _pid_file(settings: Settings, name: str) -> Path:
    return log_dir(settings) / f"{name}.pid"


def _recorded(settings: Settings) -> dict[str, tuple[int, str]]:
    """name -> (pid, marker) for each pid file whose process still runs with its marker."""
    running = {}
    for name in PROCESSES:
        path = _pid_file(settings, name)
        if not path.exists():
            continue
        pid_text, _, marker = path.read_text(encoding="utf-8").strip().partition(" ")
        if pid_text.isdigit() and _marker_of(int(pid_text)) == marker:
            running[name] = (int(pid_text), marker)
    return running


def _commands(host: str, port: int, read_only: bool) -> dict[str, list[str]]:
    workspace = str(PROJECT_ROOT / "workspace.yaml")
    webserver = [_bin("dagster-webserver"), "-h", host, "-p", str(port), "-w", workspace]
    if read_only:
        webserver.append("--read-only")
    return {"webserver": webserver, "daemon": [_bin("dagster-daemon"), "run", "-w", workspace]}


def _prepare_instance(settings: Settings) -> str:
    """Writes dagster.yaml when absent and opens the instance once, so its tables exist
    before two processes open it; returns the storage's name."""
    write_dagster_yaml(settings.dagster_home)
    postgres = uses_postgres(settings.dagster_home)
    if os.environ.get(DAGSTER_PG_ENV) and not postgres:
        raise ServeError(
            f"{DAGSTER_PG_ENV} is set but {settings.dagster_home / 'dagster.yaml'} keeps SQLite "
            "storage: remove that file (make writes it again) or add the storage section of "
            "docs/deployment.md"
        )
    if postgres and not os.environ.get(DAGSTER_PG_ENV):
        raise ServeError(f"the instance's storage is PostgreSQL: set {DAGSTER_PG_ENV}")
    import dagster as dg

    try:
        with dg.DagsterInstance.get() as instance:
            instance.get_runs_count()
    except Exception as exc:  # the storage's own errors: an unreachable server, a bad URL
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ServeError(f"the Dagster instance cannot be opened: {first}") from exc
    return "PostgreSQL" if postgres else "SQLite"


def _wait_until_up(url: str, processes: dict[str, subprocess.Popen[bytes]], logs: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                raise ServeError(f"the {name} stopped while starting: see {logs / f'{name}.log'}")
        try:
            with urllib.request.urlopen(f"{url}/server_info", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise ServeError(f"the webserver did not answer in {START_TIMEOUT_SECONDS} s: see {logs}")


def start(settings: Settings, host: str, port: int, read_only: bool) -> str:
    """Starts both processes unless they run; returns the webserver's address."""
    if running := _recorded(settings):
        listed = ", ".join(f"{name} {pid}" for name, (pid, _) in running.items())
        raise ServeError(f"already serving ({listed}): `make stop` first")
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    name_the_driver()
    storage = _prepare_instance(settings)
    logs = log_dir(settings)
    logs.mkdir(parents=True, exist_ok=True)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{shown}:{port}"
    marker = uuid.uuid4().hex
    env = {**os.environ, MARKER_ENV: marker, "DAGSTER_HOME": str(settings.dagster_home)}
    env.setdefault("SCP_DAGSTER_URL", url)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    for name, command in _commands(host, port, read_only).items():
        with (logs / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _pid_file(settings, name).write_text(f"{process.pid} {marker}\n", encoding="utf-8")
        processes[name] = process
    try:
        _wait_until_up(url, processes, logs)
    except ServeError:
        stop(settings)
        raise
    mode = " (read-only)" if read_only else ""
    return (
        f"Serving {url}{mode}: webserver {processes['webserver'].pid}, "
        f"daemon {processes['daemon'].pid}, "
        f"{storage} storage in {settings.dagster_home}; logs and pid files in {logs}"
    )


def stop(settings: Settings) -> str:
    """Ends the served processes and everything they started; removes the pid files."""
    markers = set()
    for name in PROCESSES:
        path = _pid_file(settings, name)
        if path.exists():
            _, _, marker = path.read_text(encoding="utf-8").strip().partition(" ")
            if marker:
                markers.add(marker)
    pids = [pid for marker in markers for pid in marked_processes(marker)]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + (STOP_TIMEOUT_SECONDS if sig == signal.SIGTERM else 5)
        while time.monotonic() < deadline:
            pids = [pid for marker in markers for pid in marked_processes(marker)]
            if not pids:
                break
            time.sleep(0.2)
        if not pids:
            break
    for name in PROCESSES:
        _pid_file(settings, name).unlink(missing_ok=True)
    if pids:
        raise ServeError(f"processes still running after SIGKILL: {pids}")
    return "stopped" if markers else "not serving"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="orchestration.serve", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    start_parser = commands.add_parser("start", help="start the webserver and the daemon")
    start_parser.add_argument("--host", default="127.0.0.1")
    start_parser.add_argument("--port", type=int, default=3000)
    start_parser.add_argument("--read-only", action="store_true")
    commands.add_parser("stop", help="end the served processes")
    commands.add_parser("status", help="which served processes run")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    try:
        if args.command == "start":
            print(start(settings, args.host or "127.0.0.1", args.port, args.read_only))
        elif args.command == "stop":
            print(stop(settings))
        else:
            running = _recorded(settings)
            print(", ".join(f"{name} {pid}" for name, (pid, _) in running.items()) or "not serving")
    except ServeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
