"""The API on S3-compatible storage (moto server on loopback): start-up and Run refuse an unusable store
naming the setting (nothing queued), uploads land in the bucket."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from PIL import Image

from media_pipeline.api.app import create_app
from media_pipeline.settings import Settings
from media_pipeline.storage import StorageConfigError, open_storage
from media_pipeline_tests.api.conftest import UPLOAD_LIMIT, LiveApi
from media_pipeline_tests.api.support import add_jobs, assert_error, queue_of
from media_pipeline_tests.net import free_port
from media_pipeline_tests.s3server import S3Server

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def api_settings(tmp_path: Path, s3_bucket: str) -> Settings:
    return Settings(
        data_dir=tmp_path,
        storage_url=f"s3://{s3_bucket}/media",
        storage_root=tmp_path / "empty-root",
        upload_max_bytes=UPLOAD_LIMIT,
        jwt_secret="test-secret-0123456789abcdef0123456789",
    )


def test_start_up_fails_naming_the_setting(api_settings: Settings, db_url: str, monkeypatch) -> None:
    with pytest.raises(StorageConfigError, match="bucket 'missing' of MEDIA_PIPELINE_STORAGE_URL"):
        create_app(api_settings.model_copy(update={"storage_url": "s3://missing"}), engine_url=db_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StorageConfigError, match="AWS_ENDPOINT_URL"):
        create_app(api_settings, engine_url=db_url)


def test_run_refuses_an_unusable_store_and_queues_nothing(
    api: LiveApi, client: httpx.Client, s3: S3Server, s3_bucket: str
) -> None:
    job = add_jobs(client, ["a"], {"language": "ko"})["jobs"][0]
    s3.client().delete_bucket(Bucket=s3_bucket)  # the store breaks after start-up
    queue = queue_of(client)
    refused = client.post(f"/api/queue/{queue['id']}/run", json={"version": queue["version"]})
    body = assert_error(refused, 422, "VALIDATION_ERROR")
    (error,) = body["details"]["errors"]
    assert error["field"] == "MEDIA_PIPELINE_STORAGE_URL" and s3_bucket in error["message"]
    jobs = client.get(f"/api/queue/{queue['id']}/jobs").json()["jobs"]
    assert [(j["id"], j["status"]) for j in jobs] == [(job["id"], "draft")]


def test_uploads_are_stored_in_the_bucket(api: LiveApi, client: httpx.Client, tmp_path: Path) -> None:
    task_id = add_jobs(client, ["a"], {"mediaMode": "upload"})["jobs"][0]["id"]
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buffer, format="PNG")
    files = [("files", ("첫 장면.png", buffer.getvalue(), "image/png"))]
    stored = client.post(f"/api/v1/videos/{task_id}/uploads", files=files)
    assert stored.status_code == 201, stored.text
    (item,) = stored.json()["items"]
    storage = open_storage(api.settings)
    assert storage.list_keys(f"tasks/{task_id}/uploads") == [f"tasks/{task_id}/uploads/{item['name']}"]
    assert storage.read_bytes(f"tasks/{task_id}/uploads/{item['name']}") == buffer.getvalue()
    listed = client.get(f"/api/v1/videos/{task_id}/uploads").json()["items"]
    assert listed == [{"name": item["name"], "mime": "image/png", "size": len(buffer.getvalue())}]
    assert not (tmp_path / "empty-root").exists()

    bad = client.post(
        f"/api/v1/videos/{task_id}/uploads", files=[("files", ("x.png", b"not an image", "image/png"))]
    )
    assert_error(bad, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert len(storage.list_keys(f"tasks/{task_id}/uploads")) == 1
