"""The library API (``/api/library``): items with product fields, source URLs, uploaded images and clips
(sniffed, clips checked by ffprobe and decoding, size-limited, all or none, local folder and S3), cover,
history, filters, delete (409 while a task made from it runs), per-owner isolation, and the queue taking
library ids (unknown/foreign -> 404, nothing added); every bad input is a clear ``{code, message,
details}`` and leaves nothing behind."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from media_pipeline.api.library import COVER_CACHE
from media_pipeline.domain import TaskPaths
from media_pipeline.settings import Settings
from media_pipeline.storage import open_storage
from media_pipeline.store import PipelineState
from media_pipeline_tests.api.conftest import UPLOAD_LIMIT, LiveApi
from media_pipeline_tests.api.support import assert_error, produce, queue_of, run_jobs
from media_pipeline_tests.conftest import TEST_PLANS
from media_pipeline_tests.media import bad_clips
from media_pipeline_tests.media.clips import make_clip

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
PRODUCT = {
    "title": "텀블러 광고",
    "type": "product",
    "product": {
        "name": "보온 텀블러",
        "price": "19900",
        "features": ["12시간 보온"],
        "link": "https://shop.test/t",
    },
    "sourceUrls": ["https://shop.test/tumbler"],
}


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A good clip (ffmpeg testsrc) and the bad ones seed 004's checks refuse."""
    tmp = tmp_path_factory.mktemp("clips")
    made = {
        "good": make_clip(tmp / "good.mp4", width=64, height=64, seconds=1.0),
        "zero": bad_clips.zero_seconds(tmp / "zero.mp4"),
        "audio": bad_clips.audio_only(tmp / "audio.mp4"),
        "8k": bad_clips.eight_k(tmp / "8k.mp4"),
        "garbled": bad_clips.garbled(tmp / "garbled.mp4", tmp),
    }
    return {name: path.read_bytes() for name, path in made.items()}


@pytest.fixture
def api_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """The API's settings on the local folder, or (``indirect`` param ``"s3"``) on a moto bucket."""
    storage = {}
    if getattr(request, "param", "local") == "s3":
        bucket = request.getfixturevalue("s3_bucket")
        storage = {"storage_url": f"s3://{bucket}/media", "storage_root": tmp_path / "empty-root"}
    return Settings(
        data_dir=tmp_path,
        plans=TEST_PLANS,
        upload_max_bytes=UPLOAD_LIMIT,
        jwt_secret="test-secret-0123456789abcdef0123456789",
        **storage,
    )


def _image(fmt: str = "PNG", color: tuple[int, int, int] = (200, 40, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format=fmt)
    return buffer.getvalue()


def _create(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/library", json={"title": "영상", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def _add(client: httpx.Client, asset_ids: list[str], **extra: Any) -> httpx.Response:
    queue = queue_of(client)
    return client.post(
        f"/api/queue/{queue['id']}/jobs", json={"assetIds": asset_ids, "version": queue["version"], **extra}
    )


def _drafts(client: httpx.Client) -> list[dict[str, Any]]:
    queue = queue_of(client)
    return client.get(f"/api/queue/{queue['id']}/jobs").json()["jobs"]


def _upload(client: httpx.Client, item_id: str, *files: tuple[str, bytes]) -> httpx.Response:
    return client.post(
        f"/api/library/{item_id}/files",
        files=[("files", (name, data, "application/octet-stream")) for name, data in files],
    )


def test_create_list_filter_get_update_delete(client: httpx.Client, other_client: httpx.Client) -> None:
    plain = _create(client, title="여행 브이로그")
    product = _create(client, **PRODUCT)
    assert plain["id"].startswith("lib") and plain["type"] == "shortform" and plain["history"] == []
    assert (plain["latestStatus"], plain["youtubeUrl"], plain["cover"]) == (None, None, "placeholder")
    assert product["product"]["price"] == "19900" and product["sourceUrls"] == ["https://shop.test/tumbler"]

    listed = client.get("/api/library").json()
    assert [item["id"] for item in listed["items"]] == [product["id"], plain["id"]] and listed["total"] == 2
    for text in ("텀블러", "보온"):  # in the title, in the product name only
        assert [i["id"] for i in client.get("/api/library", params={"q": text}).json()["items"]] == [
            product["id"]
        ]
    assert [i["id"] for i in client.get("/api/library", params={"type": "shortform"}).json()["items"]] == [
        plain["id"]
    ]
    page = client.get("/api/library", params={"limit": 1, "offset": 1}).json()
    assert ([i["id"] for i in page["items"]], page["total"]) == ([plain["id"]], 2)
    assert client.get("/api/library", params={"status": "queued"}).json()["total"] == 0

    changed = client.patch(f"/api/library/{plain['id']}", json={"title": "바다 여행", "type": "longform"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["title"], changed.json()["type"]) == ("바다 여행", "longform")
    assert client.get(f"/api/library/{plain['id']}").json()["title"] == "바다 여행"
    cover = client.get(f"/api/library/{plain['id']}/cover")
    assert cover.headers["content-type"].startswith("image/svg+xml") and b"<svg" in cover.content
    assert cover.headers["cache-control"] == "no-store"  # no version named: not kept
    drawn = client.get(f"/api/library/{plain['id']}").json()["placeholder"]  # what a client draws itself
    assert drawn["letter"] == "바" and f'fill="{drawn["color"]}"' in cover.text and ">바</text>" in cover.text

    # ``coverUrl`` names the cover's version: kept by the browser at that URL, a new URL when it changes.
    listed_url = client.get(f"/api/library/{plain['id']}").json()["coverUrl"]
    assert listed_url.startswith(f"/api/library/{plain['id']}/cover?v=")
    versioned = client.get(listed_url)
    assert versioned.content == cover.content and versioned.headers["cache-control"] == COVER_CACHE
    assert client.get(f"/api/library/{plain['id']}/cover?v=0123").headers["cache-control"] == "no-store"
    assert client.patch(f"/api/library/{plain['id']}", json={"title": "산 여행"}).status_code == 200
    relettered = client.get(f"/api/library/{plain['id']}").json()["coverUrl"]
    assert relettered != listed_url and client.get(listed_url).headers["cache-control"] == "no-store"

    # Another user (same workspace) sees none of it.
    assert other_client.get("/api/library").json()["total"] == 0
    for response in (
        other_client.get(f"/api/library/{plain['id']}"),
        other_client.patch(f"/api/library/{plain['id']}", json={"title": "x"}),
        other_client.delete(f"/api/library/{plain['id']}"),
        other_client.get(f"/api/library/{plain['id']}/cover"),
    ):
        assert_error(response, 404, "NOT_FOUND")

    assert client.delete(f"/api/library/{plain['id']}").status_code == 200
    assert_error(client.get(f"/api/library/{plain['id']}"), 404, "NOT_FOUND")
    assert client.get("/api/library").json()["total"] == 1


@SQLITE
@pytest.mark.parametrize("api_settings", ["local", "s3"], indirect=True)
def test_files_are_sniffed_stored_listed_downloaded_and_deleted(
    api: LiveApi, client: httpx.Client, clips: dict[str, bytes]
) -> None:
    item = _create(client)
    first, second = _image("JPEG"), _image("PNG", (10, 200, 30))
    response = _upload(
        client, item["id"], ("../../앞 표지.png", first), ("two.gif", second), ("clip.bin", clips["good"])
    )
    assert response.status_code == 201, response.text
    files = response.json()["items"]
    assert [f["mime"] for f in files] == ["image/jpeg", "image/png", "video/mp4"]
    assert (
        files[0]["name"].endswith(".jpg")
        and "/" not in files[0]["name"]
        and files[2]["name"].endswith(".mp4")
    )
    storage = open_storage(api.settings)
    assert len(storage.list_keys(f"library/{item['id']}/files")) == 3

    got = client.get(f"/api/library/{item['id']}").json()
    assert got["cover"] == "upload" and [f["name"] for f in got["files"]] == [f["name"] for f in files]
    assert got["coverUrl"] != item["coverUrl"]
    with httpx.Client(base_url=api.base_url, headers=client.headers, follow_redirects=True) as follow:
        assert follow.get(f"/api/library/{item['id']}/cover").content == first
        kept = follow.get(got["coverUrl"])
        assert kept.content == first
        # a local file is kept by the browser; an object store's answer is a presigned redirect, never kept
        assert (kept.history == []) == (kept.headers.get("cache-control") == COVER_CACHE)
        assert follow.get(files[2]["url"]).content == clips["good"]
    assert client.delete(f"/api/library/{item['id']}/files/{files[0]['name']}").status_code == 204
    assert_error(client.delete(f"/api/library/{item['id']}/files/{files[0]['name']}"), 404, "NOT_FOUND")
    assert [f["name"] for f in client.get(f"/api/library/{item['id']}/files").json()["items"]] == [
        files[1]["name"],
        files[2]["name"],
    ]
    assert client.get(f"/api/library/{item['id']}").json()["coverUrl"] != got["coverUrl"]
    with httpx.Client(base_url=api.base_url, headers=client.headers, follow_redirects=True) as follow:
        assert follow.get(f"/api/library/{item['id']}/cover").content == second

    # Adding the item to the queue copies its images and clips into the draft's uploads (mediaMode upload).
    added = _add(client, [item["id"]])
    assert added.status_code == 200, added.text
    (job,) = added.json()["jobs"]
    assert job["settings"]["mediaMode"] == "upload" and job["assetId"] == item["id"]
    uploads = storage.list_keys(TaskPaths.keys(job["id"]).uploads_dir.as_posix())
    assert [Path(key).name for key in uploads] == sorted([files[1]["name"], files[2]["name"]])

    assert client.delete(f"/api/library/{item['id']}").status_code == 200
    assert storage.list_keys(f"library/{item['id']}") == []


@SQLITE
def test_bad_input_is_refused_clearly_and_leaves_nothing(
    api: LiveApi, client: httpx.Client, clips: dict[str, bytes]
) -> None:
    bad_items = {
        "sourceUrls": (["javascript:alert(1)"], "URL scheme should be 'http' or 'https'"),
        "product.price": ({"name": "컵", "price": "만원"}, "price must be a number"),
        "product": (None, "type 'product' needs product fields"),
    }
    for field, (value, message) in bad_items.items():
        key = field.split(".")[0]
        body = {"title": "x", "type": "product" if key == "product" else "shortform", key: value}
        error = assert_error(client.post("/api/library", json=body), 422, "VALIDATION_ERROR")
        assert message in str(error["details"]) or message in error["message"], error
    assert_error(client.post("/api/library", json={"title": "  "}), 422, "VALIDATION_ERROR")
    assert client.get("/api/library").json()["total"] == 0

    item = _create(client)
    storage = open_storage(api.settings)
    ok = ("ok.png", _image())
    cases = [
        (("notes.png", b"just some text, not an image"), 415, "UNSUPPORTED_MEDIA_TYPE", "is not a JPEG"),
        (("empty.png", b""), 415, "UNSUPPORTED_MEDIA_TYPE", "is empty"),
        (("big.png", _image() + bytes(UPLOAD_LIMIT)), 413, "PAYLOAD_TOO_LARGE", "larger than"),
        (("zero.mp4", clips["zero"]), 415, "UNSUPPORTED_MEDIA_TYPE", "'zero.mp4' lasts 0 s"),
        (("tone.mp4", clips["audio"]), 415, "UNSUPPORTED_MEDIA_TYPE", "'tone.mp4' has no video stream"),
        (("8k.mp4", clips["8k"]), 415, "UNSUPPORTED_MEDIA_TYPE", "is 7680x4320, larger than 4K"),
        (("bad.mp4", clips["garbled"]), 415, "UNSUPPORTED_MEDIA_TYPE", "'bad.mp4' does not decode"),
    ]
    for bad, status, code, message in cases:
        body = assert_error(_upload(client, item["id"], ok, bad), status, code)
        assert message in body["message"], body
    assert storage.list_keys(f"library/{item['id']}") == []
    assert_error(client.post(f"/api/library/{item['id']}/files"), 422, "VALIDATION_ERROR")
    bad_patch = client.patch(f"/api/library/{item['id']}", json={"sourceUrls": ["file:///etc/passwd"]})
    assert_error(bad_patch, 422, "VALIDATION_ERROR")
    assert client.get(f"/api/library/{item['id']}").json()["sourceUrls"] == []


@SQLITE
def test_queue_takes_library_ids(
    api: LiveApi, client: httpx.Client, other_client: httpx.Client, pipeline: PipelineState
) -> None:
    product = _create(client, **PRODUCT)
    plain = _create(client, title="산책")
    foreign = _create(other_client, title="남의 영상")
    before = queue_of(client)["version"]

    unknown = "lib000000000000"
    body = assert_error(_add(client, [plain["id"], unknown, foreign["id"]]), 404, "NOT_FOUND")
    assert unknown in body["message"] and foreign["id"] in body["message"]
    assert body["details"]["assetIds"] == [unknown, foreign["id"]]
    assert _drafts(client) == [] and queue_of(client)["version"] == before
    assert_error(_add(client, []), 422, "VALIDATION_ERROR")
    many = [_create(client, title=f"영상 {n}")["id"] for n in range(TEST_PLANS["free"].items_per_add + 1)]
    assert_error(_add(client, many), 422, "LIMIT_EXCEEDED")
    assert _drafts(client) == []

    added = _add(client, [product["id"], plain["id"], "free-text-asset"], options={"language": "en"})
    assert added.status_code == 200, added.text
    jobs = {job["assetId"]: job for job in added.json()["jobs"]}
    made = jobs[product["id"]]
    assert (made["title"], made["type"]) == ("텀블러 광고", "product")
    assert made["product"] == {
        "name": "보온 텀블러",
        "description": "",
        "price": "19900",
        "features": ["12시간 보온"],
        "url": "https://shop.test/t",
    }
    assert made["settings"]["mediaMode"] == "crawl"
    assert made["settings"]["imageUrls"] == ["https://shop.test/tumbler"]
    assert made["settings"]["language"] == "en"
    assert (jobs[plain["id"]]["title"], jobs[plain["id"]]["settings"]["mediaMode"]) == ("산책", "local")
    assert jobs["free-text-asset"]["title"] == "free-text-asset"

    # History and latest status follow the tasks made from the item; delete waits for them to end.
    run_jobs(client, [jobs[plain["id"]]["id"]])
    got = client.get(f"/api/library/{plain['id']}").json()
    assert [(h["taskId"], h["status"]) for h in got["history"]] == [(jobs[plain["id"]]["id"], "queued")]
    assert got["latestStatus"] == "queued"
    assert [i["id"] for i in client.get("/api/library", params={"status": "queued"}).json()["items"]] == [
        plain["id"]
    ]
    body = assert_error(client.delete(f"/api/library/{plain['id']}"), 409, "CONFLICT")
    assert "산책" in body["message"] and body["details"]["taskIds"] == [jobs[plain["id"]]["id"]]
    assert client.get(f"/api/library/{plain['id']}").status_code == 200

    # Produced and published: the card's status, YouTube link and cover (the task's thumbnail) follow.
    produce(api.settings, pipeline, jobs[plain["id"]]["id"])
    got = client.get(f"/api/library/{plain['id']}").json()
    assert (got["latestStatus"], got["youtubeUrl"], got["cover"]) == (
        "succeeded",
        "https://youtu.be/abc",
        "thumbnail",
    )
    assert client.get(f"/api/library/{plain['id']}/cover").content == b"thumbnail of generation 1"
    produced = client.get(got["coverUrl"])
    assert (
        produced.content == b"thumbnail of generation 1" and produced.headers["cache-control"] == COVER_CACHE
    )
    assert client.delete(f"/api/library/{plain['id']}").status_code == 200
    assert client.get(f"/api/v1/videos/{jobs[plain['id']]['id']}").status_code == 200  # the task stays
