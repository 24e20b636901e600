"""/health (app DB and Dagster instance, short timeouts) and /metrics (Prometheus text format)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from alembic import command
from prometheus_client.parser import text_string_to_metric_families

from media_pipeline.api.app import create_app
from media_pipeline.settings import Settings
from media_pipeline.store import STAGES, Owner, PipelineState
from media_pipeline.store.db import alembic_config, current_revision, head_revision
from media_pipeline.usecases_tokens import mint_token
from media_pipeline_tests.api.conftest import LiveApi, serving
from media_pipeline_tests.api.support import add_jobs, queued_task
from media_pipeline_tests.store.support import finish_stages


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_health_reports_the_database_and_dagster(api: LiveApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    response = httpx.get(f"{api.base_url}/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["db"]["status"] == "ok" and body["checks"]["db"]["latencyMs"] >= 0
    assert body["checks"]["dagster"]["status"] == "not_configured"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_health_with_a_dagster_instance(
    api: LiveApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    body = httpx.get(f"{api.base_url}/health", timeout=30).json()
    if body["checks"]["dagster"]["status"] == "error":  # first load may exceed the short timeout
        body = httpx.get(f"{api.base_url}/health", timeout=30).json()
    assert (body["status"], body["checks"]["dagster"]["status"]) == ("ok", "ok")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "missing"))
    api.app.state.context.dagster.close()
    broken = httpx.get(f"{api.base_url}/health", timeout=30)
    assert (broken.status_code, broken.json()["status"]) == (200, "degraded")
    assert broken.json()["checks"]["dagster"]["status"] == "error"


def test_health_is_503_when_the_database_is_down(
    api_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    app = create_app(api_settings, engine_url="postgresql+psycopg2://nobody@127.0.0.1:1/none")
    with serving(app) as base_url:
        response = httpx.get(f"{base_url}/health", timeout=30)
    assert response.status_code == 503
    assert response.json()["status"] == "error" and response.json()["checks"]["db"]["status"] == "error"


def test_metrics(api: LiveApi, client: httpx.Client, pipeline: PipelineState) -> None:
    add_jobs(client, ["draft-1", "draft-2"])
    waiting = queued_task(client, "a")
    done = queued_task(client, "b")
    assert pipeline.stage_started(waiting, 1, "script", "r")
    finish_stages(pipeline, done, STAGES)
    client.get("/api/v1/videos/t-unknown")
    response = httpx.get(f"{api.base_url}/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    assert samples[("media_pipeline_app_db_up", ())] == 1
    assert samples[("media_pipeline_tasks", (("status", "draft"),))] == 2
    assert samples[("media_pipeline_tasks", (("status", "running"),))] == 1
    assert samples[("media_pipeline_tasks", (("status", "succeeded"),))] == 1
    assert samples[("media_pipeline_queue_length", (("queue", "draft"), ("state", "waiting")))] == 2
    assert samples[("media_pipeline_queue_length", (("queue", "script"), ("state", "processing")))] == 1
    assert samples[("media_pipeline_queue_length", (("queue", "video"), ("state", "waiting")))] == 0
    assert samples[("media_pipeline_stage_duration_seconds_count", (("stage", "video"),))] == 1
    assert (
        samples[("media_pipeline_stage_duration_seconds_bucket", (("le", "+Inf"), ("stage", "video")))] == 1
    )
    assert samples[("media_pipeline_stage_duration_seconds_bucket", (("le", "1.0"), ("stage", "video")))] == 1
    not_found = ("method", "GET"), ("route", "/api/v1/videos/{videoId}"), ("status", "404")
    assert samples[("media_pipeline_http_request_duration_seconds_count", not_found)] == 1
    runs = (("method", "POST"), ("route", "/api/queue/{queueId}/run"), ("status", "200"))
    assert samples[("media_pipeline_http_request_duration_seconds_count", runs)] == 2


def test_metrics_count_retries_rescues_stalls_and_the_oldest_waiting_task(
    api: LiveApi, client: httpx.Client, pipeline: PipelineState
) -> None:
    first, second = queued_task(client, "a"), queued_task(client, "b")
    for run, error in (("r1", "HTTP 503 from the provider"), ("r2", "rescued: heartbeat 50 s old")):
        assert pipeline.stage_started(first, 1, "script", run)
        assert pipeline.stage_failed(first, 1, "script", run, error, transient=True)
    assert pipeline.stage_started(second, 1, "script", "r3")
    assert pipeline.stage_failed(
        second, 1, "script", "r3", "rescued: stalled: no progress for 600 s", transient=True
    )
    samples = _samples(httpx.get(f"{api.base_url}/metrics").text)
    script, video = (("stage", "script"),), (("stage", "video"),)
    assert samples[("media_pipeline_stage_retries_total", script)] == 3
    assert samples[("media_pipeline_stage_rescues_total", script)] == 2  # a stalled run is rescued too
    assert samples[("media_pipeline_stage_stalls_total", script)] == 1
    assert samples[("media_pipeline_stage_retries_total", video)] == 0
    assert 0 <= samples[("media_pipeline_oldest_waiting_task_age_seconds", script)] < 60
    assert samples[("media_pipeline_oldest_waiting_task_age_seconds", video)] == 0


def test_the_api_migrates_a_never_migrated_db_on_start_and_health_reports_the_revision(
    api_settings: Settings, empty_db_url: str, owner: Owner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    app = create_app(api_settings, engine_url=empty_db_url)
    token = mint_token(owner.user_id, owner.workspace_id, api_settings)
    with serving(app) as base_url:
        queue = httpx.get(f"{base_url}/api/queue", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        health = httpx.get(f"{base_url}/health", timeout=30).json()
    assert queue.status_code == 200, queue.text
    assert health["status"] == "ok" and health["checks"]["db"]["revision"] == head_revision()


def test_health_fails_when_the_schema_is_behind(api: LiveApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    engine = api.app.state.context.engine
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "-1")
    behind = current_revision(engine)
    response = httpx.get(f"{api.base_url}/health", timeout=30)
    assert response.status_code == 503
    db = response.json()["checks"]["db"]
    assert (db["status"], db["revision"]) == ("error", behind) and "db-upgrade" in db["detail"]
