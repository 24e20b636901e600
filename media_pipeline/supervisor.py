"""``media-pipeline up``: the whole product locally — API + console, Dagster webserver and daemon.

Each service runs in its own process group; Ctrl-C or SIGTERM stops exactly those groups (SIGTERM, then
SIGKILL after a grace period), and if one service dies the others are stopped too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from media_pipeline.settings import Settings

GRACE_S = 20.0
WORKSPACE = """load_from:
  - python_module:
      module_name: media_pipeline.definitions
      location_name: media_pipeline
"""


@dataclass(frozen=True)
class Service:
    """One child process of ``up``."""

    name: str
    argv: list[str]


def _tool(name: str) -> str:
    """A console script installed next to this Python (dagster-webserver, dagster-daemon)."""
    return str(Path(sys.executable).with_name(name))


def services(settings: Settings, dagster_home: Path, dagster_port: int) -> list[Service]:
    """The three services, with a workspace file for the Dagster processes written to ``dagster_home``."""
    workspace = dagster_home / "workspace.yaml"
    workspace.write_text(WORKSPACE, encoding="utf-8")
    return [
        Service("api", [sys.executable, "-m", "media_pipeline.api"]),
        Service(
            "dagster-webserver",
            [
                _tool("dagster-webserver"),
                "-w",
                str(workspace),
                "-h",
                settings.api_host,
                "-p",
                str(dagster_port),
            ],
        ),
        Service("dagster-daemon", [_tool("dagster-daemon"), "run", "-w", str(workspace)]),
    ]


def _prepare_instance(dagster_home: Path) -> None:
    """Create the Dagster instance's storage once, here: the webserver and the daemon creating a fresh
    SQLite storage at the same moment race on its tables."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        instance.get_runs(limit=1)
        instance.all_instigator_state()


def group_alive(pgid: int) -> bool:
    """True while any process of group ``pgid`` exists (zombies included)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    """SIGTERM each child's process group, wait for the whole group (a leader's own children, e.g. the
    daemon's code server, may outlive it), then SIGKILL the groups still alive after the grace period."""
    for process in processes.values():
        if group_alive(process.pid):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_S
    for name, process in processes.items():
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(max(deadline - time.monotonic(), 0))
        while group_alive(process.pid) and time.monotonic() < deadline:
            process.poll()  # reap the leader: a zombie still counts as a member of its group
            time.sleep(0.1)
        if group_alive(process.pid):
            print(f"{name} did not stop in {GRACE_S:.0f}s; killing its process group", file=sys.stderr)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def up(settings: Settings, dagster_home: Path, dagster_port: int = 3000) -> int:
    """Start the services, print their URLs and block until Ctrl-C/SIGTERM or a service exits."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    _prepare_instance(dagster_home)
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home)}
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for service in services(settings, dagster_home, dagster_port):
            processes[service.name] = subprocess.Popen(service.argv, env=env, start_new_session=True)
            print(f"started {service.name} (pid {processes[service.name].pid})", flush=True)
        print(f"console and API: http://{settings.api_host}:{settings.api_port}/", flush=True)
        print(f"Dagster UI:      http://{settings.api_host}:{dagster_port}/", flush=True)
        print("press Ctrl-C to stop everything", flush=True)
        while not stop.wait(0.5):
            exited = {name: p.returncode for name, p in processes.items() if p.poll() is not None}
            if exited:
                print(f"service exited: {exited}; stopping the others", file=sys.stderr)
                return 1
        return 0
    finally:
        _stop(processes)
        print("stopped", flush=True)
