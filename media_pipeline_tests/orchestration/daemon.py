"""Test helper: a real ``dagster-daemon`` on a temporary DAGSTER_HOME and app DB, in its own process group."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from media_pipeline.settings import Settings
from media_pipeline.store import Owner, QueueService, upgrade_db
from media_pipeline.store.credits import CreditAdmin
from media_pipeline_tests.net import free_port
from media_pipeline_tests.serving import serves, wait_for

REPO = Path(__file__).resolve().parents[2]
OWNER = Owner(user_id="u1", workspace_id="w1")
SMALL = {"language": "en", "imageCount": 2, "targetDurationS": 5, "renderHeight": 240, "fps": 10}
"""Options of a small, quick task (a 134x240 video at 10 fps)."""


@dataclass
class DaemonHome:
    """Paths and environment of one daemon under test."""

    dagster_home: Path
    data_dir: Path
    env: dict[str, str]
    log: Path

    def settings(self) -> Settings:
        """The settings the daemon's processes read from ``env``, for the services this test process
        builds (the same ``MEDIA_PIPELINE_*`` values, JSON ones decoded as the environment source does)."""
        prefix = "MEDIA_PIPELINE_"
        values = {
            name.removeprefix(prefix).lower(): _decoded(value)
            for name, value in self.env.items()
            if name.startswith(prefix)
        }
        return Settings(**values)


def _decoded(value: str) -> Any:
    """A JSON object or list decoded; any other value as given (pydantic parses scalars)."""
    return json.loads(value) if value[:1] in "[{" else value


def make_home(tmp_path: Path, **extra_env: str) -> DaemonHome:
    """A DAGSTER_HOME with the project's dagster.yaml and an isolated data dir."""
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(REPO / "dagster.yaml", dagster_home / "dagster.yaml")
    data_dir = tmp_path / "var"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(dagster_home),
        "MEDIA_PIPELINE_DATA_DIR": str(data_dir),
        "MEDIA_PIPELINE_PUBLISHER": "local",
        **extra_env,
    }
    return DaemonHome(dagster_home, data_dir, env, tmp_path / "daemon.log")


def use_postgres(home: DaemonHome, app_url: str, dagster_url: str) -> None:
    """Put the app DB and the Dagster instance (dagster-postgres) of ``home`` on PostgreSQL."""
    home.env["MEDIA_PIPELINE_APP_DB_URL"] = app_url
    # keep the +psycopg2 driver: SQLAlchemy 2.1 maps a bare postgresql:// URL to psycopg 3
    with (home.dagster_home / "dagster.yaml").open("a") as config:
        config.write(f"storage:\n  postgres:\n    postgres_url: {dagster_url}\n")


def app_db_url(home: DaemonHome) -> str:
    """The app DB URL the daemon's processes use."""
    return home.env.get("MEDIA_PIPELINE_APP_DB_URL") or f"sqlite:///{home.data_dir / 'app.db'}"


def prepared_home(
    backend: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    **extra_env: str,
) -> DaemonHome:
    """A home on ``backend`` ("sqlite" or "postgres": throwaway databases on the test PostgreSQL), used
    by this test process too (DAGSTER_HOME), with the app DB migrated."""
    home = make_home(tmp_path, **extra_env)
    if backend == "postgres":
        server = request.getfixturevalue("postgres_server")
        suffix = tmp_path.name.replace("-", "_").lower()
        use_postgres(
            home, server.create_database(f"app_{suffix}"), server.create_database(f"dagster_{suffix}")
        )
    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster_home))
    upgrade_db(app_db_url(home))
    return home


def queue_assets(home: DaemonHome, assets: list[str], options: dict) -> list[str]:
    """Add one draft per asset with ``options`` and run them; the task ids in queue order. The workspace
    gets credits for paid image sources (reserved when the images stage starts)."""
    url = app_db_url(home)
    CreditAdmin(url).grant(OWNER.workspace_id, 10 * len(assets) * int(options.get("imageCount", 8)))
    queue = QueueService(url, OWNER, settings=home.settings())
    added = queue.add_assets(assets, options, queue.get_or_create_default_queue().version)
    return [task.id for task in queue.run(added.version).queued]


@contextmanager
def running_daemon(home: DaemonHome) -> Iterator[subprocess.Popen]:
    """Start ``dagster-daemon run`` for the project's workspace; stop its process group on exit."""
    daemon_bin = Path(sys.executable).with_name("dagster-daemon")
    with home.log.open("wb") as log:
        process = subprocess.Popen(
            [str(daemon_bin), "run", "-w", str(REPO / "workspace.yaml")],
            cwd=REPO,
            env=home.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            stop_group(process)


@contextmanager
def running_webserver(home: DaemonHome, timeout: float = 120) -> Iterator[str]:
    """Start ``dagster-webserver`` for the project's workspace on a free loopback port; yields its URL once
    it serves, stops its process group on exit."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    webserver = str(Path(sys.executable).with_name("dagster-webserver"))
    process = subprocess.Popen(
        [webserver, "-w", str(REPO / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO,
        env=home.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(
            lambda: serves(f"{url}/server_info"), timeout=timeout, what="dagster-webserver", process=process
        )
        yield url
    finally:
        stop_group(process)


def stop_group(process: subprocess.Popen, sig: signal.Signals = signal.SIGTERM) -> None:
    """Signal the daemon's process group (its code server and run workers), SIGKILL it after 30 s; a group
    that is already gone (killed by the test) is fine."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def code_server_pid(daemon: subprocess.Popen) -> int | None:
    """PID of the daemon's code server (its ``dagster api grpc`` child), read from /proc."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if parent == daemon.pid and b"api" in argv and b"grpc" in argv:
            return int(proc.name)
    return None


def ffmpeg_for(data_dir: Path) -> list[int]:
    """PIDs of ffmpeg processes working on files under ``data_dir`` (read from /proc; nothing is killed)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"ffmpeg") and any(str(data_dir).encode() in a for a in argv):
            pids.append(int(proc.name))
    return pids
