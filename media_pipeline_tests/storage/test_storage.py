"""Both storage backends against the same contract (local folder; S3 protocol on a loopback moto server),
then what only object storage does: multipart, presigned URLs, start-up checks, killed uploads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from media_pipeline.settings import Settings
from media_pipeline.storage import (
    LocalStorage,
    Storage,
    StorageConfigError,
    StorageKeyError,
    open_storage,
)
from media_pipeline_tests.net import free_port
from media_pipeline_tests.s3server import S3Server, authenticating_s3_server

MiB = 1024 * 1024


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return open_storage(_settings(storage_url=f"file://{tmp_path / 'root'}"))
    bucket = request.getfixturevalue("s3_bucket")
    return open_storage(_settings(storage_url=f"s3://{bucket}/media"))


def test_round_trip_list_move_delete(storage: Storage, tmp_path: Path) -> None:
    storage.check()
    source = tmp_path / "story.json"
    source.write_text('{"title": "서울"}', encoding="utf-8")
    storage.upload(source, "tasks/t1/story.json")
    storage.write_bytes("tasks/t1/scene_00.png", b"png bytes")
    assert storage.exists("tasks/t1/story.json")
    assert not storage.exists("tasks/t1/output.mp4")
    assert storage.list_keys("tasks/t1") == ["tasks/t1/scene_00.png", "tasks/t1/story.json"]
    assert storage.list_keys("tasks/t") == []  # folder prefix, not string prefix

    copy = storage.download("tasks/t1/story.json", tmp_path / "scratch" / "story.json")
    assert copy.read_text(encoding="utf-8") == '{"title": "서울"}'

    storage.move("tasks/t1/story.json", "tasks/t1/history/1/story.json")
    assert storage.list_keys("tasks/t1") == ["tasks/t1/history/1/story.json", "tasks/t1/scene_00.png"]
    assert storage.read_bytes("tasks/t1/history/1/story.json") == source.read_bytes()

    storage.delete(["tasks/t1/scene_00.png", "tasks/t1/never.txt"])
    assert storage.list_keys("tasks/t1") == ["tasks/t1/history/1/story.json"]
    with pytest.raises(StorageKeyError):
        storage.download("tasks/t1/scene_00.png", tmp_path / "gone.png")
    assert not (tmp_path / "gone.png").exists()


@pytest.mark.parametrize("key", ["", "/etc/passwd", "tasks/../x", "tasks//x", "tasks/./x", "a\\b"])
def test_keys_are_relative_paths(storage: Storage, key: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        storage.exists(key)


def test_local_backend_is_the_default_folder(tmp_path: Path) -> None:
    storage = open_storage(_settings(storage_root=tmp_path / "root"))
    assert isinstance(storage, LocalStorage)
    assert storage.local_path("tasks/t1/output.mp4") == tmp_path / "root" / "tasks" / "t1" / "output.mp4"
    assert storage.presigned_url("tasks/t1/output.mp4", 60) is None
    plain = open_storage(_settings(storage_url=str(tmp_path / "plain")))
    assert plain.local_path("tasks/a") == tmp_path / "plain" / "tasks" / "a"


@pytest.mark.parametrize("url", ["ftp://host/x", "s3://", "s3:///prefix", "file://host/x", "s3://b/p?x=1"])
def test_bad_storage_url_names_the_setting(url: str) -> None:
    with pytest.raises(StorageConfigError, match="MEDIA_PIPELINE_STORAGE_URL"):
        open_storage(_settings(storage_url=url))


def test_multipart_upload_with_checksums_and_presigned_download(s3_bucket: str, tmp_path: Path) -> None:
    storage = open_storage(
        _settings(storage_url=f"s3://{s3_bucket}/p", storage_multipart_chunk_bytes=5 * MiB)
    )
    big = tmp_path / "output.mp4"
    big.write_bytes(os.urandom(11 * MiB + 123))
    storage.upload(big, "tasks/t1/output.mp4")

    url = storage.presigned_url("tasks/t1/output.mp4", 300)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    response = httpx.get(url)
    assert response.status_code == 200 and response.content == big.read_bytes()

    assert storage.download("tasks/t1/output.mp4", tmp_path / "back.mp4").read_bytes() == big.read_bytes()


def test_presigned_urls_use_the_public_endpoint(s3_bucket: str, s3: S3Server) -> None:
    public = s3.endpoint_url.replace("127.0.0.1", "localhost")
    storage = open_storage(_settings(storage_url=f"s3://{s3_bucket}", storage_public_endpoint_url=public))
    storage.write_bytes("tasks/t1/thumbnail.jpg", b"jpeg")
    url = storage.presigned_url("tasks/t1/thumbnail.jpg", 3600)
    assert url.startswith(public) and "X-Amz-Expires=3600" in url
    assert httpx.get(url).content == b"jpeg"


def test_startup_check_names_the_setting(s3_bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(StorageConfigError, match=r"bucket 'no-such-bucket' of MEDIA_PIPELINE_STORAGE_URL"):
        open_storage(_settings(storage_url="s3://no-such-bucket/x")).check()

    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StorageConfigError, match=r"cannot reach the object store .* AWS_ENDPOINT_URL"):
        open_storage(_settings(storage_url=f"s3://{s3_bucket}")).check()

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(key)
    with pytest.raises(StorageConfigError, match=r"no credentials .* AWS_ACCESS_KEY_ID"):
        open_storage(_settings(storage_url=f"s3://{s3_bucket}")).check()


def test_startup_check_reports_rejected_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    with authenticating_s3_server() as server:
        for key, value in server.env().items():
            monkeypatch.setenv(key, value)
        with pytest.raises(StorageConfigError, match=r"rejected the credentials .* AWS_ACCESS_KEY_ID"):
            open_storage(_settings(storage_url="s3://media-pipeline/x")).check()


def _wait_for(path: Path, proc: subprocess.Popen, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while not path.exists():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the upload never sent a part"
        time.sleep(0.05)


def test_worker_killed_mid_upload_leaves_no_object_and_retry_completes(
    s3_bucket: str, s3: S3Server, tmp_path: Path
) -> None:
    source = tmp_path / "output.mp4"
    source.write_bytes(os.urandom(12 * MiB))
    marker = tmp_path / "part-sent"
    env = {
        **os.environ,
        "MEDIA_PIPELINE_STORAGE_URL": f"s3://{s3_bucket}/p",
        "MEDIA_PIPELINE_STORAGE_MULTIPART_CHUNK_BYTES": str(5 * MiB),
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "media_pipeline_tests.storage.upload_child", str(source), "tasks/t/output.mp4",
         str(marker)],
        env=env, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        _wait_for(marker, child)
        client = s3.client()
        assert client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads")  # really mid-upload
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()

    storage = open_storage(
        _settings(storage_url=f"s3://{s3_bucket}/p", storage_multipart_chunk_bytes=5 * MiB)
    )
    assert not storage.exists("tasks/t/output.mp4")
    assert storage.list_keys("tasks") == []

    storage.upload(source, "tasks/t/output.mp4")  # the retry
    assert storage.read_bytes("tasks/t/output.mp4") == source.read_bytes()
