"""`make dev`'s webserver serves the asset graph (five partitioned assets, checks), the sensors and the
schedules over GraphQL."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from media_pipeline_tests.orchestration.daemon import make_home, running_webserver

pytestmark = pytest.mark.slow

QUERY = """
{ assetNodes { assetKey { path } isPartitioned assetChecksOrError { ... on AssetChecks { checks { name } } } }
  sensorsOrError(repositorySelector: {
      repositoryName: "__repository__", repositoryLocationName: "media_pipeline"})
  { ... on Sensors { results { name sensorState { status } } } }
  schedulesOrError(repositorySelector: {
      repositoryName: "__repository__", repositoryLocationName: "media_pipeline"})
  { ... on Schedules { results { name cronSchedule scheduleState { status } } } } }
"""


def test_webserver_shows_partitioned_assets_checks_running_sensors_and_schedules(tmp_path: Path) -> None:
    with running_webserver(make_home(tmp_path), timeout=90) as url:
        data = httpx.post(f"{url}/graphql", json={"query": QUERY}, timeout=30).json()["data"]

    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    production = {"script", "images", "video", "playback", "thumbnail", "youtube_video"}
    assert set(nodes) == production | {"video_performance"}
    assert all(node["isPartitioned"] for node in nodes.values())
    assert sorted(c["name"] for c in nodes["video"]["assetChecksOrError"]["checks"]) == [
        "video_captions",
        "video_clip_scenes",
        "video_loudness",
        "video_spec",
    ]
    assert [c["name"] for c in nodes["thumbnail"]["assetChecksOrError"]["checks"]] == ["thumbnail_spec"]
    checks = nodes["video_performance"]["assetChecksOrError"]["checks"]
    assert [c["name"] for c in checks] == ["performance_freshness"]
    sensors = {s["name"]: s["sensorState"]["status"] for s in data["sensorsOrError"]["results"]}
    assert sensors == {
        "stale_run_rescue_sensor": "RUNNING",
        "queued_tasks_sensor": "RUNNING",
        "stage_chain_sensor": "RUNNING",
        "run_status_writer_sensor": "RUNNING",
    }
    schedules = {
        s["name"]: (s["cronSchedule"], s["scheduleState"]["status"])
        for s in data["schedulesOrError"]["results"]
    }
    assert schedules == {
        "task_repeats_schedule": ("* * * * *", "RUNNING"),
        "cleanup_drafts_job_schedule": ("17 * * * *", "RUNNING"),
        "video_performance_schedule": ("0 * * * *", "RUNNING"),
    }
