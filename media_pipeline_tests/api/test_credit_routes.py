"""Credits and image jobs over HTTP: 402 with nothing queued, admin grants, ledger, estimates, and the
per-image status of a running paid job, also after a reload (a new API process)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from media_pipeline.settings import Settings
from media_pipeline.store import Owner
from media_pipeline.usecases_tokens import mint_token
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.api.support import add_jobs, assert_error, queue_of
from media_pipeline_tests.net import free_port
from media_pipeline_tests.orchestration.paid_support import PAID_OPTIONS, make_images
from media_pipeline_tests.providers.fake_images import PaidImagesFake
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.serving import serves, wait_for
from media_pipeline_tests.store.support import snapshot

SECRET = "test-secret-0123456789abcdef0123456789"
START_TIMEOUT_S = 30.0
V2 = "/api/v2/videos"


@pytest.fixture
def api_settings(tmp_path: Path) -> Settings:
    """A DALL·E source configured (never called by these API-only tests) at 1 credit per image."""
    return Settings(
        data_dir=tmp_path,
        jwt_secret=SECRET,
        images_base_url="http://127.0.0.1:9/v1",
        images_api_key=SecretStr("sk-test"),
        credit_prices={"dalle3": 1},
    )


def _admin(api: LiveApi, owner: Owner) -> httpx.Client:
    token = api.token(owner, scopes=("read", "write", "admin"))
    return httpx.Client(base_url=api.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _create_job(http: httpx.Client, video: str) -> httpx.Response:
    return http.post(f"{V2}/{video}/render-jobs", json={"script_id": f"{video}-script"})


def _grant(http: httpx.Client, workspace: str, amount: int) -> httpx.Response:
    return http.post("/api/v1/admin/credits/grants", json={"workspaceId": workspace, "amount": amount})


def test_render_job_without_enough_credits_is_402_and_queues_nothing(
    client: httpx.Client, db_engine: Engine
) -> None:
    (job,) = add_jobs(client, ["a"], PAID_OPTIONS)["jobs"]
    before = snapshot(db_engine)
    error = assert_error(_create_job(client, job["id"]), 402, "INSUFFICIENT_CREDITS")
    assert error["details"]["required"] == 5 and error["details"]["available"] == 0
    queue = queue_of(client)
    run = client.post(f"/api/queue/{queue['id']}/run", json={"version": queue["version"]})
    assert_error(run, 402, "INSUFFICIENT_CREDITS")
    assert snapshot(db_engine) == before


def test_admin_grant_then_run_reserves_and_shows_in_balance_and_ledger(
    api: LiveApi, client: httpx.Client, owner: Owner
) -> None:
    assert_error(_grant(client, owner.workspace_id, 7), 403, "FORBIDDEN")
    with _admin(api, owner) as admin:
        granted = _grant(admin, owner.workspace_id, 7)
    assert granted.status_code == 201, granted.text
    assert granted.json() == {"workspaceId": owner.workspace_id, "granted": 7, "balance": 7}
    (job,) = add_jobs(client, ["a"], PAID_OPTIONS)["jobs"]
    created = _create_job(client, job["id"])
    assert created.status_code == 202, created.text
    assert client.get("/api/v1/credits").json() == {
        "workspaceId": owner.workspace_id,
        "balance": 2,
        "reserved": 5,
    }
    usage = client.get("/api/v1/credits/usage", params={"videoId": job["id"]}).json()
    assert usage == {"taskId": job["id"], "consumed": 0, "reserved": 5}
    ledger = client.get("/api/v1/credits/ledger", params={"videoId": job["id"], "limit": 2}).json()
    assert ledger["total"] == 5 and len(ledger["items"]) == 2
    entry = ledger["items"][0]
    assert (entry["kind"], entry["amount"], entry["taskId"], entry["generation"], entry["imageIndex"]) == (
        "reserve",
        1,
        job["id"],
        1,
        4,
    )
    jobs = client.get(f"/api/v1/videos/{job['id']}/image-jobs", params={"status": "PENDING,PROCESSING"})
    (active,) = jobs.json()["items"]
    assert active["id"] == f"{job['id']}-g1" and active["status"] == "PENDING"
    assert [t["status"] for t in active["tasks"]] == ["PENDING"] * 5
    # cancel with nothing in progress: a plain stop, everything refunded
    stopped = client.post(f"{V2}/{job['id']}/render-jobs/{active['id']}/stop-after-current-image")
    assert stopped.status_code == 200 and stopped.json()["status"] == "CANCELED"
    assert stopped.json()["job_id"] == active["id"]
    assert client.get("/api/v1/credits").json()["balance"] == 7
    usage = client.get("/api/v1/credits/usage", params={"videoId": job["id"]}).json()
    assert (usage["consumed"], usage["reserved"]) == (0, 0)
    assert client.get(f"/api/v1/videos/{job['id']}/image-jobs", params={"status": "PENDING"}).json() == {
        "items": []
    }


def test_stop_after_current_image_in_v1(
    api: LiveApi, client: httpx.Client, other_client: httpx.Client, owner: Owner
) -> None:
    with _admin(api, owner) as admin:
        assert _grant(admin, owner.workspace_id, 5).status_code == 201
    (job,) = add_jobs(client, ["a"], PAID_OPTIONS)["jobs"]
    assert _create_job(client, job["id"]).status_code == 202
    stop = f"/api/v1/videos/{job['id']}/image-jobs/{job['id']}-g1/stop-after-current-image"
    assert_error(other_client.post(stop), 404, "NOT_FOUND")
    assert_error(client.post(stop.replace("-g1/", "-g2/")), 404, "NOT_FOUND")
    stopped = client.post(stop)  # nothing in progress: a plain stop, everything refunded
    assert stopped.status_code == 200, stopped.text
    assert (stopped.json()["id"], stopped.json()["status"], stopped.json()["creditsRefunded"]) == (
        f"{job['id']}-g1",
        "CANCELED",
        5,
    )
    assert client.post(stop).json() == stopped.json()  # idempotent
    assert client.get("/api/v1/credits").json()["balance"] == 5


def test_estimate_and_bad_filters(client: httpx.Client) -> None:
    body = {"mode": "SINGLE", "styles": ["sunset", "ocean", "neon", "mono"], "roles": ["groom", "bride"]}
    estimate = client.post("/api/v1/credits/estimate", json=body)
    assert estimate.status_code == 200, estimate.text
    assert estimate.json()["summary"] == "4 styles × 2 roles = 8 images · 8 credits"
    product = {"mode": "BATCH", "type": "product", "styles": ["sunset"], "totalImages": 3}
    plan = client.post("/api/v1/credits/estimate", json=product).json()["plan"]
    assert [image["role"] for image in plan] == ["product", "presenter", "product"]
    batch = client.post("/api/v1/credits/estimate", json={**body, "mode": "BATCH"})
    assert assert_error(batch, 422, "VALIDATION_ERROR")["details"]["errors"][0]["field"] == "totalImages"
    (job,) = add_jobs(client, ["a"])["jobs"]
    bad = client.get(f"/api/v1/videos/{job['id']}/image-jobs", params={"status": "RUNNING"})
    assert_error(bad, 422, "VALIDATION_ERROR")
    assert_error(client.get(f"/api/v1/videos/{job['id']}/image-jobs/{job['id']}-g1"), 404, "NOT_FOUND")
    assert_error(client.get("/api/v1/credits/usage"), 422, "VALIDATION_ERROR")
    assert_error(client.get("/api/v1/credits/usage", params={"videoId": "../x"}), 422, "VALIDATION_ERROR")


@contextmanager
def _api_process(env: dict[str, str]) -> Iterator[str]:
    """``python -m media_pipeline.api`` in its own process (a reload of the API is a new one)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "media_pipeline.api"],
        env={**env, "MEDIA_PIPELINE_API_PORT": str(port)},
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: serves(f"{base}/health"), timeout=START_TIMEOUT_S, what="the API", process=process)
        yield base
    finally:
        process.terminate()
        process.wait(START_TIMEOUT_S)


def _job(base: str, token: str, video: str) -> dict:
    response = httpx.get(
        f"{base}/api/v1/videos/{video}/image-jobs",
        params={"status": "PENDING,PROCESSING"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    (job,) = response.json()["items"]
    return job


@pytest.mark.slow
def test_status_api_shows_per_image_progress_while_running_and_after_a_reload(
    db_url: str, owner: Owner, tmp_path: Path
) -> None:
    fake = PaidImagesFake(hold_call=3)
    with FakeServer(fake) as server:
        settings = Settings(
            data_dir=tmp_path,
            app_db_url=db_url,
            jwt_secret=SECRET,
            images_base_url=f"{server.base_url}/v1",
            images_api_key=SecretStr("sk-test"),
            credit_prices={"dalle3": 1},
        )
        env = {
            **os.environ,
            "MEDIA_PIPELINE_DATA_DIR": str(tmp_path),
            "MEDIA_PIPELINE_APP_DB_URL": db_url,
            "MEDIA_PIPELINE_JWT_SECRET": SECRET,
            "MEDIA_PIPELINE_API_HOST": "127.0.0.1",
            "MEDIA_PIPELINE_IMAGES_BASE_URL": f"{server.base_url}/v1",
            "MEDIA_PIPELINE_IMAGES_API_KEY": "sk-test",
            "MEDIA_PIPELINE_CREDIT_PRICES": '{"dalle3": 1}',
        }
        env.pop("DAGSTER_HOME", None)
        token = mint_token(owner.user_id, owner.workspace_id, settings, scopes=("read", "write", "admin"))
        auth = {"Authorization": f"Bearer {token}"}
        worker: threading.Thread | None = None
        with _api_process(env) as base, httpx.Client(base_url=base, headers=auth, timeout=30) as http:
            assert _grant(http, owner.workspace_id, 5).status_code == 201
            (draft,) = add_jobs(http, ["a"], PAID_OPTIONS)["jobs"]
            video = draft["id"]
            assert _create_job(http, video).status_code == 202
            worker = threading.Thread(target=make_images, args=(db_url, settings, video), daemon=True)
            worker.start()
            assert fake.held.wait(60), "the worker never asked for image 3"
            running = _job(base, token, video)
            assert running["status"] == "PROCESSING" and running["completedImages"] == 2
            assert [t["status"] for t in running["tasks"]] == ["COMPLETED"] * 2 + ["PROCESSING"] + [
                "PENDING"
            ] * 2
            first = http.get(running["tasks"][0]["url"])
            assert first.status_code == 200 and first.content.startswith(b"\x89PNG")
            assert running["tasks"][2]["url"] is None
        with _api_process(env) as base:  # the reload: a new API process sees the same progress
            assert _job(base, token, video) == running
            fake.release()
            worker.join(60)
            assert not worker.is_alive()
            response = httpx.get(
                f"{base}/api/v1/videos/{video}/image-jobs/{video}-g1", headers=auth, timeout=30
            )
            usage = httpx.get(
                f"{base}/api/v1/credits/usage", params={"videoId": video}, headers=auth, timeout=30
            )
    done = response.json()
    assert done["status"] == "COMPLETED" and done["completedImages"] == 5 and done["creditsConsumed"] == 5
    assert all(task["url"].endswith(f"/images/{task['index']}") for task in done["tasks"])
    assert fake.paid == [0, 1, 2, 3, 4]
    assert usage.json() == {"taskId": video, "consumed": 5, "reserved": 0}
