"""The S3 endpoint down for 30 s during the publish, through the real ``dagster-daemon`` (issue 24 item 5;
docs/ARCHITECTURE.md §4, liveness: outages): the run worker's upload fails as transient, the retry policy
runs the stage again once the endpoint is back, and the task is published exactly once with no
incomplete multipart upload left in the bucket. The endpoint is moto's S3 server behind a loopback proxy
that closes every connection and refuses new ones for the outage."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from media_pipeline_tests.orchestration.daemon import prepared_home, running_daemon
from media_pipeline_tests.orchestration.run_support import one_small_task, stage_state, task_ended
from media_pipeline_tests.outage_proxy import OutageProxy
from media_pipeline_tests.s3server import S3Server
from media_pipeline_tests.serving import wait_for

pytestmark = pytest.mark.slow

OUTAGE_S = 30
RECOVERY_S = OUTAGE_S + 120
"""Upper bound from the outage's start to the task's success: the outage, the policy's 5/10/30 s retry
delays and a few run launches (generous on a busy 2-core machine)."""


def test_s3_down_30_s_during_the_publish_is_retried_and_published_once(
    tmp_path: Path,
    s3: S3Server,
    s3_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    endpoint = urlsplit(s3.endpoint_url)
    with OutageProxy((endpoint.hostname or "127.0.0.1", endpoint.port or 80)) as proxy:
        env = {
            **s3.env(),
            "AWS_ENDPOINT_URL": proxy.url,  # every process of the daemon tree goes through the proxy
            "MEDIA_PIPELINE_STORAGE_URL": f"s3://{s3_bucket}/media",
            "MEDIA_PIPELINE_STORAGE_S3_PATH_STYLE": "true",
            "MEDIA_PIPELINE_STORAGE_ROOT": str(tmp_path / "empty-root"),
            "MEDIA_PIPELINE_SCRATCH_DIR": str(tmp_path / "scratch"),
        }
        home = prepared_home("sqlite", tmp_path, monkeypatch, request, **env)
        task_id, tasks = one_small_task(home)
        published = f"media/published/{task_id}/video.mp4"
        proxy.cut_on(f"PUT /{s3_bucket}/{published}".encode(), OUTAGE_S)  # the publisher's upload

        with running_daemon(home) as daemon:
            assert wait_for(proxy.down.is_set, timeout=300, what="the outage to begin", process=daemon)
            began = time.monotonic()
            task = task_ended(tasks, task_id, daemon, timeout=RECOVERY_S + 30)
            recovered_s = time.monotonic() - began
        assert task.status == "succeeded", task.last_error
        assert proxy.up.is_set()
        assert OUTAGE_S <= recovered_s < RECOVERY_S  # waited for the endpoint, then recovered promptly

    publish = stage_state(tasks, task_id, "youtube_video")
    assert publish.status == "completed" and publish.auto_retries >= 1  # failed in the outage, retried
    assert len(tasks.contents(task_id, kind="publish", generation=task.generation)) == 1
    client = s3.client()  # straight to the server
    assert client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []
    listed = client.list_objects_v2(Bucket=s3_bucket, Prefix=f"media/published/{task_id}/")["Contents"]
    keys = [item["Key"] for item in listed]
    assert keys.count(published) == 1 and not [key for key in keys if ".tmp" in key]
    video = client.get_object(Bucket=s3_bucket, Key=published)["Body"].read()
    rendered = tasks.contents(task_id, kind="video", generation=task.generation)[0].path
    assert video == client.get_object(Bucket=s3_bucket, Key=f"media/{rendered}")["Body"].read()
