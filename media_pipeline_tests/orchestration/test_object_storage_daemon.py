"""End to end through the Dagster daemon with the task storage in a bucket (moto's S3 server on loopback)
and an empty local storage root: stateless run workers, presigned downloads and signed HLS playback."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from media_pipeline.api.app import create_app
from media_pipeline.media.probe import check_video, summarize
from media_pipeline.media.process import run_process
from media_pipeline.storage import open_storage
from media_pipeline.store import Owner, QueueService, TaskService, upgrade_db
from media_pipeline.usecases_tokens import mint_token
from media_pipeline_tests.api.conftest import serving
from media_pipeline_tests.media.clips import ffmpeg_cmd
from media_pipeline_tests.orchestration.daemon import app_db_url, make_home, running_daemon
from media_pipeline_tests.orchestration.layout import rule_based_keys
from media_pipeline_tests.s3server import S3Server
from media_pipeline_tests.serving import wait_for
from media_pipeline_tests.settings_support import with_values

pytestmark = pytest.mark.slow

OWNER = Owner(user_id="u1", workspace_id="w1")
# 720x1280: a two-rung ladder (720p, 480p).
KOREAN_SHORT = {"language": "ko", "imageCount": 2, "targetDurationS": 5, "renderHeight": 1280, "fps": 10}
SECRET = "daemon-s3-secret-0123456789abcdef0123"


def _uris(playlist: str) -> list[str]:
    lines = [line for line in playlist.splitlines() if line and not line.startswith("#")]
    return lines + re.findall(r'URI="([^"]+)"', playlist)


def _signed(uri: str) -> bool:
    """A URL a client may use against a private bucket: our signed API URL or a presigned object URL."""
    return ("sig=" in uri and "/playback/" in uri) or "X-Amz-Signature=" in uri


def test_korean_short_on_object_storage_through_the_daemon(
    tmp_path: Path, s3: S3Server, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty_root = tmp_path / "empty-root"
    env = {
        **s3.env(),
        "MEDIA_PIPELINE_STORAGE_URL": f"s3://{s3_bucket}/media",
        "MEDIA_PIPELINE_STORAGE_ROOT": str(empty_root),
        "MEDIA_PIPELINE_SCRATCH_DIR": str(tmp_path / "scratch"),
    }
    home = make_home(tmp_path, **env)  # this process reaches the bucket with s3_bucket's AWS_* variables
    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster_home))
    url = app_db_url(home)
    upgrade_db(url)
    queue = QueueService(url, OWNER, settings=home.settings())
    added = queue.add_assets(
        ["s1"], {**KOREAN_SHORT, "title": "가을 바다 산책"}, queue.get_or_create_default_queue().version
    )
    (task_id,) = [task.id for task in queue.run(added.version).queued]
    tasks = TaskService(url, OWNER, settings=home.settings())

    with running_daemon(home):
        done = wait_for(
            lambda: (row := tasks.get(task_id)).status in ("succeeded", "failed", "canceled") and row,
            timeout=600,
            what="the task to finish",
        )
    assert done.status == "succeeded", done.last_error

    # Nothing relied on a shared disk: the local storage root was never created, scratch folders are gone.
    assert not empty_root.exists()
    assert list((tmp_path / "scratch").iterdir()) == []
    settings = with_values(home.settings(), jwt_secret=SECRET)
    storage = open_storage(settings)
    keys = set(storage.list_keys(f"tasks/{task_id}"))
    assert rule_based_keys(task_id, 2) <= keys
    assert {k for k in keys if k.endswith("/index.m3u8")} == {
        f"tasks/{task_id}/hls/720p/index.m3u8",
        f"tasks/{task_id}/hls/480p/index.m3u8",
    }

    app = create_app(settings, engine_url=url)
    headers = {"Authorization": f"Bearer {mint_token(OWNER.user_id, OWNER.workspace_id, settings)}"}
    with serving(app) as base, httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        published = client.get(f"/api/v2/videos/{task_id}/assets/published").json()
        assert "X-Amz-Signature=" in published["video_url"] and "X-Amz-Expires=3600" in published["video_url"]
        video = tmp_path / "download" / "video.mp4"
        video.parent.mkdir()
        video.write_bytes(httpx.get(published["video_url"]).raise_for_status().content)
        assert check_video(summarize(video), width=720, height=1280, fps=10) == []
        for kind in ("subtitle_url", "thumbnail_url"):
            assert httpx.get(published[kind]).raise_for_status().content

        playback = client.get(published["playback_url"]).raise_for_status().json()
        master = httpx.get(playback["masterUrl"]).raise_for_status()
        assert master.headers["content-type"].startswith("application/vnd.apple.mpegurl")
        renditions = _uris(master.text)
        assert len(renditions) == 2 and all(_signed(uri) for uri in renditions)
        for rendition in renditions:
            media = httpx.get(rendition).raise_for_status().text
            assert _uris(media) and all("X-Amz-Signature=" in uri for uri in _uris(media))
            # ffmpeg decodes the whole rendition through the handed-out URL (fails on any error).
            run_process(ffmpeg_cmd("-v", "error", "-xerror", "-i", rendition, "-f", "null", "-"), timeout=120)
        assert httpx.get(playback["masterUrl"].replace("sig=", "sig=x")).status_code == 403
