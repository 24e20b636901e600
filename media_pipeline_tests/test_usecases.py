"""The use cases shared by the API and the CLI: one readiness rule before anything is queued."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import Engine

from media_pipeline.domain import TaskPaths
from media_pipeline.settings import Settings
from media_pipeline.store import Owner, PipelineState, QueueService, TaskStatus, ValidationFailed
from media_pipeline.usecases import UseCases
from media_pipeline_tests.store.support import add_drafts, finish_stages, queue_tasks, snapshot


@pytest.fixture
def usecases(make_service: Callable[..., Any], owner: Owner) -> UseCases:
    return make_service(UseCases, owner)


def test_run_refuses_unconfigured_image_providers_and_queues_nothing(
    usecases: UseCases, queue_service: QueueService, db_engine: Engine
) -> None:
    local, dalle = (
        add_drafts(queue_service, 1)[0],
        add_drafts(queue_service, 1, {"mediaMode": "dalle3"}, "ai")[0],
    )
    before = snapshot(db_engine)
    with pytest.raises(ValidationFailed) as info:
        usecases.run_drafts(queue_service.list_drafts().version)
    assert info.value.errors == [
        {
            "field": "mediaMode",
            "message": info.value.errors[0]["message"],
            "type": "provider_not_configured",
            "taskId": dalle.id,
        }
    ]
    assert "images_base_url" in info.value.errors[0]["message"] or "IMAGES" in info.value.errors[0]["message"]
    assert snapshot(db_engine) == before
    assert [t.id for t in usecases.run_drafts(queue_service.list_drafts().version, [local.id]).queued] == [
        local.id
    ]


def test_run_refuses_voices_of_unconfigured_narration_providers(
    make_service: Callable[..., Any],
    owner: Owner,
    queue_service: QueueService,
    settings: Settings,
    db_engine: Engine,
) -> None:
    espeak = add_drafts(queue_service, 1, {"voice": "espeak:ko"}, "offline")[0]
    openai = add_drafts(queue_service, 1, {"voice": "openai:alloy"}, "cloud")[0]
    before = snapshot(db_engine)
    with pytest.raises(ValidationFailed) as info:
        make_service(UseCases, owner).run_drafts(queue_service.list_drafts().version)
    (error,) = info.value.errors
    assert (error["field"], error["type"], error["taskId"]) == ("voice", "provider_not_configured", openai.id)
    assert "MEDIA_PIPELINE_TTS_BASE_URL" in error["message"]
    assert snapshot(db_engine) == before
    configured = settings.model_copy(update={"tts_base_url": "http://127.0.0.1:9/v1"})
    ready = make_service(UseCases, owner, settings=configured)
    assert {t.id for t in ready.run_drafts(queue_service.list_drafts().version).queued} == {
        espeak.id,
        openai.id,
    }


def test_run_refuses_upload_drafts_until_an_image_is_uploaded(
    usecases: UseCases, queue_service: QueueService, db_engine: Engine, settings: Settings
) -> None:
    (draft,) = add_drafts(queue_service, 1, {"mediaMode": "upload"})
    before = snapshot(db_engine)
    with pytest.raises(ValidationFailed) as info:
        usecases.run_drafts(queue_service.list_drafts().version)
    assert [(e["field"], e["type"], e["taskId"]) for e in info.value.errors] == [
        ("mediaMode", "uploads_missing", draft.id)
    ]
    assert snapshot(db_engine) == before
    uploads = TaskPaths(settings.resolved_storage_root, draft.id).uploads_dir
    uploads.mkdir(parents=True)
    Image.new("RGB", (8, 8), "red").save(uploads / "photo.png")
    assert [t.id for t in usecases.run_drafts(queue_service.list_drafts().version).queued] == [draft.id]


def test_retry_checks_readiness_before_queueing(
    usecases: UseCases, queue_service: QueueService, pipeline_state: PipelineState, db_engine: Engine
) -> None:
    (task,) = queue_tasks(queue_service, 1, {"mediaMode": "dalle3"})  # configured when it was queued
    finish_stages(pipeline_state, task.id, ["script"])
    pipeline_state.stage_started(task.id, 1, "images", "run-i", None)
    pipeline_state.stage_failed(task.id, 1, "images", "run-i", "provider gone", transient=False)
    before = snapshot(db_engine)
    with pytest.raises(ValidationFailed) as info:
        usecases.retry(task.id)
    assert info.value.errors[0]["type"] == "provider_not_configured"
    assert snapshot(db_engine) == before
    assert usecases.tasks.get(task.id).status is TaskStatus.FAILED
