"""``media-pipeline up`` starts API + console, Dagster webserver and daemon, prints both URLs, and on
SIGTERM stops exactly its children's process groups."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from media_pipeline.store import upgrade_db
from media_pipeline.supervisor import group_alive
from media_pipeline_tests.net import free_port
from media_pipeline_tests.orchestration.daemon import REPO
from media_pipeline_tests.serving import serves, wait_for

pytestmark = pytest.mark.slow


def test_up_serves_everything_and_stops_its_process_groups(tmp_path: Path) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    api_port, dagster_port = free_port(), free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "MEDIA_PIPELINE_DATA_DIR": str(tmp_path / "var"),
        "MEDIA_PIPELINE_API_PORT": str(api_port),
    }
    (tmp_path / "var").mkdir()
    upgrade_db(f"sqlite:///{tmp_path / 'var' / 'app.db'}")
    cli = str(Path(sys.executable).with_name("media-pipeline"))
    output = tmp_path / "up.log"  # a file: the children share it and must never block on a full pipe
    with output.open("wb") as log:
        supervisor = subprocess.Popen(
            [cli, "up", "--dagster-port", str(dagster_port)],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: "press Ctrl-C" in output.read_text(), timeout=30, what="the URLs to be printed")
        lines = [line.strip() for line in output.read_text().splitlines()]
        pids = {
            m.group(1): int(m.group(2))
            for m in map(re.compile(r"started (\S+) \(pid (\d+)\)").match, lines)
            if m
        }
        assert set(pids) == {"api", "dagster-webserver", "dagster-daemon"}
        assert f"console and API: http://127.0.0.1:{api_port}/" in lines
        assert f"Dagster UI:      http://127.0.0.1:{dagster_port}/" in lines
        wait_for(lambda: serves(f"http://127.0.0.1:{api_port}/health"), timeout=60, what="the API")
        assert "media_pipeline" in httpx.get(f"http://127.0.0.1:{api_port}/").text
        wait_for(
            lambda: serves(f"http://127.0.0.1:{dagster_port}/server_info"), timeout=120, what="Dagster UI"
        )

        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=60) == 0
        assert [name for name, pid in pids.items() if group_alive(pid)] == []
    finally:
        if supervisor.poll() is None:
            os.killpg(supervisor.pid, signal.SIGKILL)
            supervisor.wait()
