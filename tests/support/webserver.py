"""A real Dagster webserver (and daemon) for the browser tests, started and always stopped.

Each process starts in its own session, so its process group holds everything it spawns (the
code server, run workers) and stopping it cannot leave a child behind: SIGTERM to the group,
then SIGKILL to whatever is left. Output goes to log files, whose tails are quoted whenever a
process dies or does not come up.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VENV_BIN = Path(sys.executable).parent

# Runs leave the queue only when the daemon's run coordinator takes them; the default instance
# (and the project's dagster.yaml, which does not name one) uses the QueuedRunCoordinator.
QUEUED_RUN_COORDINATOR = "QUEUED_RUN_COORDINATOR"


class ProcessFailed(RuntimeError):
    """A server process exited or did not become ready; the message quotes its log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dagster_env(
    *, dagster_home: Path, raw_dir: Path, warehouse_dir: Path, borough: str = "Barnet"
) -> dict[str, str]:
    """The environment `make ui` gives the pipeline, pointed at private directories."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCP_", "DAGSTER_"))}
    env.update(
        DAGSTER_HOME=str(dagster_home),
        SCP_RAW_DIR=str(raw_dir),
        SCP_WAREHOUSE_DIR=str(warehouse_dir),
        SCP_BOROUGH=borough,
        # dagster-dbt looks for the `dbt` executable on PATH.
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        PYTHONUNBUFFERED="1",
    )
    return env


def folder_env(root: Path, **extra: str) -> dict[str, str]:
    """`dagster_env` for a project laid out under `root` (raw/, warehouse/, dagster_home/)."""
    env = dagster_env(
        dagster_home=root / "dagster_home", raw_dir=root / "raw", warehouse_dir=root / "warehouse"
    )
    env.update(extra)
    return env


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return "(no output)"
    return "\n".join(text.splitlines()[-lines:]) or "(no output)"


@dataclass
class ManagedProcess:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def check_alive(self) -> None:
        code = self.process.poll()
        if code is not None:
            raise ProcessFailed(
                f"{self.name} exited with code {code}; last lines of {self.log}:\n{tail(self.log)}"
            )

    def failure(self, message: str) -> ProcessFailed:
        return ProcessFailed(f"{self.name}: {message}; last lines of {self.log}:\n{tail(self.log)}")


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop(managed: ManagedProcess, grace_seconds: float) -> None:
    """SIGTERM to the process's group, SIGKILL to whatever is left after the grace period."""
    pgid = managed.process.pid  # start_new_session: the group id is the leader's pid
    if _group_alive(pgid):
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        managed.process.poll()
        if managed.process.returncode is not None and not _group_alive(pgid):
            return
        time.sleep(0.2)
    if _group_alive(pgid):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        managed.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        managed.process.kill()
        managed.process.wait(timeout=10)


@contextmanager
def managed_process(
    name: str, args: list[str], *, cwd: Path, env: Mapping[str, str], log: Path
) -> Iterator[ManagedProcess]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            args,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    managed = ManagedProcess(name, process, log)
    try:
        yield managed
    finally:
        _stop(managed, grace_seconds=30)


@dataclass
class DagsterUI:
    """A running webserver: its address and a GraphQL client."""

    base_url: str
    server: ManagedProcess

    def url(self, path: str) -> str:
        return self.base_url + path

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """POSTs to /graphql; returns `data`, raising on transport or GraphQL errors."""
        body = json.dumps({"query": query, "variables": dict(variables or {})}).encode()
        request = urllib.request.Request(
            self.url("/graphql"),
            data=body,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                payload = json.load(response)
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")[:2000]
            raise self.server.failure(f"GraphQL HTTP {error.code}: {detail}") from error
        if payload.get("errors"):
            raise self.server.failure(f"GraphQL errors: {json.dumps(payload['errors'])[:2000]}")
        return payload["data"]


def wait_until(
    condition: Callable[[], Any],
    *,
    timeout: float,
    what: str,
    processes: list[ManagedProcess],
    interval: float = 0.5,
) -> Any:
    """Polls `condition` until it returns something truthy; fails with the processes' logs."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        for managed in processes:
            managed.check_alive()
        try:
            result = condition()
        except (OSError, ProcessFailed, ValueError) as error:
            last_error = error
            result = None
        if result:
            return result
        time.sleep(interval)
    logs = "\n\n".join(f"--- {m.name} ({m.log}):\n{tail(m.log)}" for m in processes)
    raise ProcessFailed(
        f"timed out after {timeout:.0f} s waiting for {what}"
        + (f" (last error: {last_error})" if last_error else "")
        + f"\n{logs}"
    )


LOCATIONS = """
{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message stack }
        }
      }
    }
    ... on PythonError { message }
  }
}
"""


def _locations_loaded(ui: DagsterUI) -> bool:
    workspace = ui.graphql(LOCATIONS)["workspaceOrError"]
    if workspace["__typename"] != "Workspace":
        raise ui.server.failure(f"workspace failed to load: {workspace.get('message')}")
    entries = workspace["locationEntries"]
    if not entries or any(e["loadStatus"] != "LOADED" for e in entries):
        return False
    for entry in entries:
        location = entry["locationOrLoadError"] or {}
        if location.get("__typename") == "PythonError":
            # A code location that fails to import: fail now, with Dagster's own traceback.
            raise ProcessFailed(
                f"code location {entry['name']} failed to load:\n"
                f"{location['message']}{''.join(location.get('stack') or [])}"
            )
    return True


@contextmanager
def dagster_webserver(
    *, project_root: Path, env: Mapping[str, str], log_dir: Path, timeout: float = 180
) -> Iterator[DagsterUI]:
    """`dagster-webserver -w workspace.yaml` on a free local port, ready and loaded."""
    port = free_port()
    args = [
        str(VENV_BIN / "dagster-webserver"),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "-w",
        str(project_root / "workspace.yaml"),
    ]
    with managed_process(
        "dagster-webserver", args, cwd=project_root, env=env, log=log_dir / "webserver.log"
    ) as server:
        ui = DagsterUI(base_url=f"http://127.0.0.1:{port}", server=server)

        def server_info() -> bool:
            with urllib.request.urlopen(ui.url("/server_info"), timeout=5) as response:
                return "dagster_webserver_version" in json.load(response)

        wait_until(
            server_info, timeout=timeout, what=f"{ui.url('/server_info')}", processes=[server]
        )
        wait_until(
            lambda: _locations_loaded(ui),
            timeout=timeout,
            what="the code location to load",
            processes=[server],
        )
        yield ui


DAEMON_HEALTH = """
{
  instance {
    runLauncher { name }
    runQueuingSupported
    daemonHealth {
      allDaemonStatuses { daemonType required healthy }
    }
  }
}
"""


def run_queue_needs_daemon(ui: DagsterUI) -> bool:
    """True when runs launched from the webserver wait in a queue the daemon empties."""
    instance = ui.graphql(DAEMON_HEALTH)["instance"]
    return bool(instance["runQueuingSupported"])


@contextmanager
def dagster_daemon(
    ui: DagsterUI,
    *,
    project_root: Path,
    env: Mapping[str, str],
    log_dir: Path,
    timeout: float = 180,
) -> Iterator[ManagedProcess]:
    """`dagster-daemon run -w workspace.yaml`, running until its run coordinator is healthy."""
    args = [str(VENV_BIN / "dagster-daemon"), "run", "-w", str(project_root / "workspace.yaml")]
    with managed_process(
        "dagster-daemon", args, cwd=project_root, env=env, log=log_dir / "daemon.log"
    ) as daemon:

        def coordinator_healthy() -> bool:
            statuses = ui.graphql(DAEMON_HEALTH)["instance"]["daemonHealth"]["allDaemonStatuses"]
            return any(s["daemonType"] == QUEUED_RUN_COORDINATOR and s["healthy"] for s in statuses)

        wait_until(
            coordinator_healthy,
            timeout=timeout,
            what="the daemon's run coordinator to report healthy",
            processes=[ui.server, daemon],
            interval=1,
        )
        yield daemon
