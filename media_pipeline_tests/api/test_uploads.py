"""Uploads: sniffed types, sanitized names, size limits (413), mislabelled data (415), clips checked by
ffprobe and decoding, all-or-nothing, mediaMode check and tenancy; never a 500."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from PIL import Image

from media_pipeline.domain import TaskPaths
from media_pipeline_tests.api.conftest import UPLOAD_LIMIT, LiveApi
from media_pipeline_tests.api.support import add_jobs, assert_error
from media_pipeline_tests.media import bad_clips
from media_pipeline_tests.media.clips import make_clip

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _image(fmt: str = "PNG", size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 90)).save(buffer, format=fmt)
    return buffer.getvalue()


def _upload_task(client: httpx.Client) -> str:
    return add_jobs(client, ["a"], {"mediaMode": "upload"})["jobs"][0]["id"]


def _files_dir(api: LiveApi, task_id: str) -> Path:
    return TaskPaths(api.settings.resolved_storage_root, task_id).uploads_dir


def _stored(api: LiveApi, task_id: str) -> list[str]:
    folder = _files_dir(api, task_id)
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_upload_images_and_list_them(api: LiveApi, client: httpx.Client) -> None:
    task_id = _upload_task(client)
    files = [
        ("files", ("../../etc/passwd.png", _image("JPEG"), "image/png")),  # type from bytes, name sanitized
        ("files", ("사진 1.webp", _image("PNG"), "application/octet-stream")),
    ]
    response = client.post(f"/api/v1/videos/{task_id}/uploads", files=files)
    assert response.status_code == 201, response.text
    first, second = response.json()["items"]
    assert (
        first["mime"] == "image/jpeg"
        and first["name"].startswith("passwd-")
        and first["name"].endswith(".jpg")
    )
    assert second["mime"] == "image/png" and second["name"].endswith(".png") and "/" not in second["name"]
    assert _stored(api, task_id) == sorted([first["name"], second["name"]])
    listed = client.get(f"/api/v1/videos/{task_id}/uploads").json()["items"]
    assert {item["name"] for item in listed} == {first["name"], second["name"]}
    script = {"script_id": f"{task_id}-script"}
    created = client.post(f"/api/v2/videos/{task_id}/render-jobs", json=script)  # uploads present: may render
    assert created.status_code == 202, created.text


def test_a_clip_is_stored_and_a_broken_one_refused_with_its_reason(
    api: LiveApi, client: httpx.Client, tmp_path: Path
) -> None:
    task_id = _upload_task(client)
    good = make_clip(tmp_path / "good.mp4", width=64, height=64, seconds=1.0).read_bytes()
    broken = bad_clips.garbled(tmp_path / "broken.mp4", tmp_path).read_bytes()
    url = f"/api/v1/videos/{task_id}/uploads"
    refused = client.post(
        url, files=[("files", ("a.mp4", good, "video/mp4")), ("files", ("b.mp4", broken, "video/mp4"))]
    )
    body = assert_error(refused, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert "upload 'b.mp4' does not decode" in body["message"]
    assert _stored(api, task_id) == []  # all or nothing
    stored = client.post(url, files={"files": ("a.mp4", good, "video/mp4")})
    assert stored.status_code == 201, stored.text
    assert [item["mime"] for item in stored.json()["items"]] == ["video/mp4"]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"plain text pretending to be an image", "photo.png"),
        (_image()[:40], "truncated.png"),
        (b"GIF89a" + b"\x00" * 100, "broken.gif"),
    ],
)
def test_mislabelled_or_broken_data_is_415(
    api: LiveApi, client: httpx.Client, data: bytes, name: str
) -> None:
    task_id = _upload_task(client)
    response = client.post(f"/api/v1/videos/{task_id}/uploads", files={"files": (name, data, "image/png")})
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert _stored(api, task_id) == []


def test_oversized_uploads_are_413_and_leave_nothing(api: LiveApi, client: httpx.Client) -> None:
    task_id = _upload_task(client)
    big = _image() + b"\x00" * UPLOAD_LIMIT
    files = [("files", ("ok.png", _image(), "image/png")), ("files", ("big.png", big, "image/png"))]
    response = client.post(f"/api/v1/videos/{task_id}/uploads", files=files)
    assert assert_error(response, 413, "PAYLOAD_TOO_LARGE")["details"] == {"limit": UPLOAD_LIMIT}
    assert _stored(api, task_id) == []  # the first file was removed again
    whole_request = [("files", (f"{i}.png", big, "image/png")) for i in range(12)]
    response = client.post(f"/api/v1/videos/{task_id}/uploads", files=whole_request)
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert _stored(api, task_id) == []


def test_bad_multipart_requests_are_4xx(client: httpx.Client) -> None:
    task_id = _upload_task(client)
    url = f"/api/v1/videos/{task_id}/uploads"
    assert_error(client.post(url), 422, "VALIDATION_ERROR")
    assert_error(client.post(url, json={"files": ["x"]}), 422, "VALIDATION_ERROR")
    broken = client.post(
        url, content=b"--xx\r\nnot multipart", headers={"Content-Type": "multipart/form-data; boundary=xx"}
    )
    assert broken.status_code in (400, 422), broken.text
    assert_error(broken, broken.status_code, "VALIDATION_ERROR")
    too_many = [("files", (f"{i}.png", _image(), "image/png")) for i in range(11)]
    assert_error(client.post(url, files=too_many), 400, "VALIDATION_ERROR")


def test_uploads_need_mediamode_upload_and_the_owner(
    client: httpx.Client, other_client: httpx.Client, api: LiveApi
) -> None:
    local = add_jobs(client, ["b"])["jobs"][0]["id"]
    response = client.post(
        f"/api/v1/videos/{local}/uploads", files={"files": ("a.png", _image(), "image/png")}
    )
    assert assert_error(response, 409, "CONFLICT")["details"] == {"mediaMode": "local"}
    task_id = _upload_task(client)
    foreign = other_client.post(
        f"/api/v1/videos/{task_id}/uploads", files={"files": ("a.png", _image(), "image/png")}
    )
    assert_error(foreign, 404, "NOT_FOUND")
    assert_error(other_client.get(f"/api/v1/videos/{task_id}/uploads"), 404, "NOT_FOUND")
    assert _stored(api, task_id) == []
