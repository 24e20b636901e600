"""`make dev`'s webserver serves the asset graph: five partitioned assets, checks and sensors over GraphQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from media_pipeline_tests.net import free_port
from media_pipeline_tests.orchestration.daemon import REPO, make_home, wait_for

pytestmark = pytest.mark.slow

QUERY = """
{ assetNodes { assetKey { path } isPartitioned assetChecksOrError { ... on AssetChecks { checks { name } } } }
  sensorsOrError(repositorySelector: {
      repositoryName: "__repository__", repositoryLocationName: "media_pipeline"})
  { ... on Sensors { results { name sensorState { status } } } } }
"""


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/server_info", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_webserver_shows_partitioned_assets_checks_and_running_sensors(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    webserver = str(Path(sys.executable).with_name("dagster-webserver"))
    server = subprocess.Popen(
        [webserver, "-w", str(REPO / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO,
        env=home.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(lambda: _ready(url), timeout=90, what="dagster-webserver to serve")
        data = httpx.post(f"{url}/graphql", json={"query": QUERY}, timeout=30).json()["data"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    assert set(nodes) == {"script", "images", "video", "playback", "thumbnail", "youtube_video"}
    assert all(node["isPartitioned"] for node in nodes.values())
    assert sorted(c["name"] for c in nodes["video"]["assetChecksOrError"]["checks"]) == [
        "video_loudness",
        "video_spec",
    ]
    assert [c["name"] for c in nodes["thumbnail"]["assetChecksOrError"]["checks"]] == ["thumbnail_spec"]
    sensors = {s["name"]: s["sensorState"]["status"] for s in data["sensorsOrError"]["results"]}
    assert sensors == {
        "stale_run_rescue_sensor": "RUNNING",
        "queued_tasks_sensor": "RUNNING",
        "stage_chain_sensor": "RUNNING",
        "run_status_writer_sensor": "RUNNING",
        "due_schedules_sensor": "RUNNING",
    }
