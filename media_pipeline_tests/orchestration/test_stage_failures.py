"""The failure path of real stage runs (Dagster in-process, a loopback image API) reaches the app DB:
transient failures wait for the retry policy's delay, the server's Retry-After defers, permanent ones fail."""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path

import dagster as dg
import pytest

from media_pipeline.store import Owner, QueueService, TaskService, upgrade_db
from media_pipeline.store.credits import CreditAdmin
from media_pipeline_tests.conftest import EntryPointEnv
from media_pipeline_tests.orchestration.stage_run_support import queued_stage_run
from media_pipeline_tests.providers.fakeserver import FakeServer, Reply, scripted
from media_pipeline_tests.providers.helpers import image_bytes

OWNER = Owner(user_id="u1", workspace_id="w1")
IMAGE = Reply.json(
    {"created": 1, "data": [{"b64_json": base64.b64encode(image_bytes("PNG", (256, 448))).decode()}]}
)


@pytest.mark.parametrize(
    ("reply", "status", "delay", "error"),
    [
        (Reply(503, b"upstream unavailable"), "waiting", 5, "HTTP 503"),
        (Reply(429, b"quota", {"Retry-After": "120"}), "waiting", 120, "HTTP 429"),
        (Reply(400, b'{"error": "invalid size"}'), "failed", None, "HTTP 400"),
    ],
)
def test_a_failed_stage_run_is_recorded_as_transient_deferred_or_permanent(
    reply: Reply,
    status: str,
    delay: int | None,
    error: str,
    tmp_path: Path,
    entry_point_env: EntryPointEnv,
    instance: dg.DagsterInstance,
) -> None:
    with FakeServer(scripted(reply, IMAGE)) as server:
        settings = entry_point_env.set(  # the stage's Dagster resources read them from the environment
            data_dir=tmp_path / "var",
            publisher="local",
            images_base_url=f"{server.base_url}/v1",
            images_api_key="test-key",
            http_attempts=1,
        )
        url = settings.resolved_app_db_url
        upgrade_db(url)
        CreditAdmin(url).grant(OWNER.workspace_id, 10, "paid images of this test")
        queue = QueueService(url, OWNER, settings=settings)
        added = queue.add_assets(["a"], {"language": "en", "imageCount": 2, "mediaMode": "dalle3"}, 1)
        [task] = queue.run(added.version).queued
        tasks = TaskService(url, OWNER, settings=settings)

        assert queued_stage_run(settings, instance, task.id, "script", 0)
        assert not queued_stage_run(settings, instance, task.id, "images", 0)
        images = tasks.progress(task.id).stages[1]
        assert images.status == status and error in (images.error or "")
        if delay is None:
            failed = tasks.get(task.id)
            assert failed.status == "failed" and error in (failed.last_error or "")
            assert tasks.logs(task.id, action="retry") == []
            return
        [retry] = tasks.logs(task.id, action="retry")
        assert retry.metadata["delaySeconds"] == delay and images.attempt == 1
        assert images.next_retry_at == retry.created_at + timedelta(seconds=delay)
        assert queued_stage_run(settings, instance, task.id, "images", 1)  # the retry succeeds
        assert tasks.progress(task.id).stages[1].status == "completed"
