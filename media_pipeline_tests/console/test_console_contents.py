"""A produced video in the browser, on the local folder and on S3 (moto server): it plays on the task page and
in "my contents" through signed HLS (hls.js, Media Source Extensions) without a whole-file download; my
contents lists it with its files and filters, and deleting it there removes its files and records."""

from __future__ import annotations

import re

import dagster as dg
import pytest
from playwright.sync_api import Page, expect

from media_pipeline.orchestration.resources import build_resources
from media_pipeline.settings import Settings
from media_pipeline.storage import Storage, open_storage
from media_pipeline.store import STAGES
from media_pipeline_tests.conftest import EntryPointEnv
from media_pipeline_tests.console.conftest import Console, on_storage, screenshot, sign_in, wait_js
from media_pipeline_tests.console.stage_driver import FAST_OPTIONS, StageDriver

TIMEOUT_MS = 180_000
TITLE = "재생할 영상"
_RENDITION = re.compile(r"^[0-9]{2,4}p/index\.m3u8$", re.MULTILINE)


@pytest.fixture(params=["local", "s3"])
def console_settings(
    request: pytest.FixtureRequest, console_settings: Settings, entry_point_env: EntryPointEnv
) -> Settings:
    """The console's settings on the local folder, or on a fresh bucket of the moto S3 server."""
    return on_storage(request.param, request, entry_point_env)


def _produce(console: Console) -> str:
    """Add one draft, Run it and produce it for real (every stage in this process); returns its id."""
    with console.client(console.alice) as api:
        queue = api.get("/api/queue").json()
        added = api.post(
            f"/api/queue/{queue['id']}/jobs",
            json={
                "assetIds": ["hls-1"],
                "options": {**FAST_OPTIONS, "title": TITLE},
                "version": queue["version"],
            },
        )
        added.raise_for_status()
        task_id = added.json()["jobs"][0]["id"]
        api.post(
            f"/api/queue/{queue['id']}/run", json={"version": added.json()["version"]}
        ).raise_for_status()
    return task_id


def _play(page: Page, selector: str) -> None:
    """Start the muted player and wait until it decoded frames and advanced."""
    wait_js(page, f"document.querySelector('{selector}').readyState >= 2")
    page.evaluate(
        f"() => {{ const v = document.querySelector('{selector}'); v.muted = true; return v.play(); }}"
    )
    wait_js(page, f"document.querySelector('{selector}').getVideoPlaybackQuality().totalVideoFrames > 0")
    wait_js(page, f"document.querySelector('{selector}').currentTime > 0.2")


def _renditions(storage: Storage, task_id: str) -> int:
    return len(_RENDITION.findall(storage.read_bytes(f"tasks/{task_id}/hls/master.m3u8").decode()))


@pytest.mark.slow
def test_play_through_hls_find_in_my_contents_and_delete(page: Page, console: Console) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    task_id = _produce(console)
    sign_in(page, console, console.alice)
    resources = build_resources(console.settings.model_copy(update={"app_db_url": console.db_url}))
    with dg.instance_for_test() as instance, StageDriver(resources, instance, set(STAGES)).running():
        page.goto(f"{console.base_url}/#/tasks/{task_id}")
        expect(page.locator("#task-state")).to_have_text("완료", timeout=TIMEOUT_MS)
    storage = open_storage(console.settings)
    with console.client(console.alice) as api:
        job = f"/api/v2/videos/{task_id}/render-jobs/{task_id}-g1"
        files = {file["kind"]: file for file in api.get(f"{job}/assets").json()["files"]}

    # Task page: hls.js plays the signed ladder; playlists and segments are fetched, never the MP4.
    _play(page, "#player")
    quality = page.locator("#media [data-role=quality] option")
    expect(quality).to_have_count(1 + _renditions(storage, task_id))
    playlist_requests = [url for url in requests if "/playback/master.m3u8?" in url]
    segment_requests = [url for url in requests if re.search(r"/segment_[0-9]+\.ts(\?|$)", url)]
    assert playlist_requests and segment_requests, requests
    assert all("sig=" in url for url in playlist_requests)
    presigned = storage.presigned_url("probe", 60)  # on S3 segments come straight from the store
    origin = (presigned or f"{console.base_url}/").split("/", 3)[:3]
    assert all(url.split("/", 3)[:3] == origin for url in segment_requests), segment_requests
    assert not [url for url in requests if url.endswith(f"/assets/{files['video']['id']}") or ".mp4" in url]

    # My contents: the item with its progress, duration, script, files; filters; playback; delete.
    page.get_by_role("link", name="내 콘텐츠").click()
    card = page.locator(f"li.content[data-task-id='{task_id}']")
    expect(card).to_have_attribute("data-step", "published")
    expect(card.locator("h2")).to_have_text(TITLE)
    expect(card.locator(".steps li.done")).to_have_count(3)
    wait_js(
        page, f"document.querySelector(\"li.content[data-task-id='{task_id}'] img.cover\")?.naturalWidth > 0"
    )
    card.locator("summary").click()
    expect(card.locator("details li").first).to_be_visible()
    expect(card.locator("[data-download]")).to_have_count(3)
    filters = page.locator("#contents-filters")
    filters.get_by_label("상태").select_option("failed")
    filters.get_by_role("button", name="찾기").click()
    expect(page.locator("#contents-list")).to_have_text("콘텐츠가 없습니다.")
    filters.get_by_label("상태").select_option("published")
    filters.get_by_label("제목 검색").fill("재생")
    filters.get_by_role("button", name="찾기").click()
    expect(card).to_be_visible()
    card.get_by_role("button", name="재생").click()
    content_id = card.get_attribute("data-content-id")
    _play(page, f"#play-{content_id}")
    page.evaluate(f"document.querySelector('#play-{content_id}').pause()")
    screenshot(page, "contents")

    assert len(storage.list_keys(f"tasks/{task_id}")) > 10
    card.get_by_role("button", name="삭제").click()
    expect(page.locator("dialog")).to_contain_text("작업은 남습니다")
    page.locator("dialog [data-confirm=yes]").click()
    expect(page.locator("#banner")).to_contain_text(f"'{TITLE}'을(를) 삭제했습니다")
    expect(card).to_have_count(0)
    assert storage.list_keys(f"tasks/{task_id}") == [f"tasks/{task_id}/task.json"]
    with console.client(console.alice) as api:
        assert api.get("/api/contents", params={"taskId": task_id}).json()["items"] == []
        assert api.get(f"{job}/assets").json()["files"] == []
        task = api.get(f"/api/v1/videos/{task_id}").json()
        assert (task["status"], task["contentId"]) == ("succeeded", None)
