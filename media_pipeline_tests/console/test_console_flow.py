"""The creator's whole path in the browser: drafts -> bulk settings -> drag reorder -> Run -> the rows move
through the stage tabs (live over the WebSocket) -> done -> the video plays on the task page."""

from __future__ import annotations

import dagster as dg
import pytest
from playwright.sync_api import Page, expect

from media_pipeline.media.probe import summarize
from media_pipeline.orchestration.resources import build_resources
from media_pipeline.store import STAGES
from media_pipeline_tests.console.conftest import Console, screenshot, sign_in, wait_js
from media_pipeline_tests.console.stage_driver import FAST_OPTIONS, StageDriver

DRAFTS = [("asset-1", "첫 번째 영상"), ("asset-2", "두 번째 영상"), ("asset-3", "세 번째 영상")]
TIMEOUT_MS = 120_000


def _draft_titles(page: Page) -> list[str]:
    return [text.split(". ", 1)[1] for text in page.locator("#drafts .draft .title").all_inner_texts()]


@pytest.mark.slow
def test_drafts_to_done_video_in_the_browser(page: Page, console: Console) -> None:
    with console.client(console.alice) as api:
        queue = api.get("/api/queue").json()
        api.patch(
            f"/api/queue/{queue['id']}", json={"defaultOptions": FAST_OPTIONS, "version": queue["version"]}
        )
    sign_in(page, console, console.alice)

    for asset_id, title in DRAFTS:
        page.get_by_label("에셋 ID").fill(asset_id)
        page.get_by_label("제목").fill(title)
        page.get_by_role("button", name="큐에 추가").click()
        expect(page.locator("#drafts .draft .title").last).to_have_text(
            f"{DRAFTS.index((asset_id, title)) + 1}. {title}"
        )
    assert _draft_titles(page) == [title for _, title in DRAFTS]

    page.get_by_label(f"선택: {DRAFTS[0][1]}").check()
    page.get_by_label(f"선택: {DRAFTS[1][1]}").check()
    page.get_by_role("button", name="일괄 설정").click()
    dialog = page.locator("#bulk-dialog")
    dialog.get_by_label("언어").select_option("en")
    dialog.get_by_label("공개 범위").select_option("unlisted")
    dialog.get_by_label("자막 스타일").select_option("shorts")
    dialog.get_by_label("아동용").select_option("true")
    screenshot(page, "queue-bulk-settings")
    dialog.get_by_label("기본 옵션으로 저장").check()
    dialog.get_by_role("button", name="적용").click()
    expect(page.locator("#queue-meta")).to_contain_text("language=en")
    with console.client(console.alice) as api:
        jobs = {job["title"]: job for job in api.get(f"/api/queue/{queue['id']}/jobs").json()["jobs"]}
        defaults = api.get("/api/queue").json()["defaultOptions"]
    assert [jobs[title]["settings"]["language"] for _, title in DRAFTS] == ["en", "en", "ko"]
    assert [jobs[title]["settings"]["privacy"] for _, title in DRAFTS] == ["unlisted", "unlisted", "private"]
    presets = [jobs[title]["settings"]["captionPreset"] for _, title in DRAFTS]
    assert presets == ["shorts", "shorts", "classic"]
    # madeForKids left unset: the channel decides at publish time (docs/ARCHITECTURE.md §12)
    assert [jobs[title]["settings"]["madeForKids"] for _, title in DRAFTS] == [True, True, None]
    assert defaults["language"] == "en" and defaults["privacy"] == "unlisted" and defaults["fps"] == 10

    page.locator(".draft", has_text=DRAFTS[2][1]).drag_to(page.locator(".draft", has_text=DRAFTS[0][1]))
    expected = [DRAFTS[2][1], DRAFTS[0][1], DRAFTS[1][1]]
    expect(page.locator("#drafts .draft .title").first).to_have_text(f"1. {DRAFTS[2][1]}")
    assert _draft_titles(page) == expected
    page.locator(".draft", has_text=DRAFTS[2][1]).focus()
    page.keyboard.press("Alt+ArrowDown")
    expect(page.locator("#drafts .draft .title").first).to_have_text(f"1. {DRAFTS[0][1]}")
    page.get_by_role("button", name=f"위로: {DRAFTS[2][1]}").click()
    expect(page.locator("#drafts .draft .title").first).to_have_text(f"1. {DRAFTS[2][1]}")
    with console.client(console.alice) as api:
        order = [job["title"] for job in api.get(f"/api/queue/{queue['id']}/jobs").json()["jobs"]]
    assert order == expected
    screenshot(page, "queue")

    page.get_by_role("button", name="실행 (Run)").click()
    page.locator("dialog [data-confirm=yes]").click()
    expect(page.locator("#banner")).to_have_text("3개 작업이 대기열에 들어갔습니다.")
    expect(page.locator("#drafts")).to_contain_text("큐에 초안이 없습니다.")

    page.get_by_role("link", name="자동화").click()
    resources = build_resources(console.settings.model_copy(update={"app_db_url": console.db_url}))
    with dg.instance_for_test() as instance, StageDriver(resources, instance, set()).running() as driver:
        for stage in STAGES:
            page.locator(f"#tab-{stage}").click()
            expect(page.locator(f'[data-count="{stage}"]')).to_have_text("3", timeout=TIMEOUT_MS)
            expect(page.locator("#tab-panel tr.task-row")).to_have_count(3)
            if stage == "video":
                expect(page.locator("#live-mode")).to_have_text("실시간 연결")
                screenshot(page, "automation")
            driver.allow(stage)
        page.locator("#tab-done").click()
        expect(page.locator('[data-count="done"]')).to_have_text("3", timeout=TIMEOUT_MS)
    expect(page.locator("#tab-panel tr.task-row")).to_have_count(3)
    expect(page.locator("#log-rows tr").first).to_be_visible()

    page.locator("#tab-panel tr.task-row a", has_text=DRAFTS[2][1]).click()
    player = page.locator("#player")
    expect(player).to_be_visible()
    wait_js(page, "document.querySelector('#player').readyState >= 3")
    page.evaluate("() => { const v = document.querySelector('#player'); v.muted = true; return v.play(); }")
    wait_js(page, "document.querySelector('#player').currentTime > 0.2")
    duration = page.evaluate("document.querySelector('#player').duration")
    task_id = page.url.rsplit("/", 1)[1]
    produced = summarize(console.settings.resolved_storage_root / "tasks" / task_id / "output.mp4")
    # The player streams the HLS ladder (MPEG-TS segments through MSE), whose timeline also covers the
    # AAC encoder delay of each rendition: a few frames longer than the MP4, never shorter.
    assert produced.duration - 0.05 <= duration <= produced.duration + 0.3
    expect(page.locator("#thumbnail")).to_be_visible()
    expect(page.locator("#subtitles")).to_have_attribute("download", f"{task_id}.srt")
    expect(page.locator("#script li")).to_have_count(1)
    expect(page.locator("#publish-target")).to_contain_text("file://")
    expect(page.locator("#task-status")).not_to_contain_text("null")  # a free task has no credits line
    page.evaluate("document.querySelector('#player').pause()")
    screenshot(page, "task")

    page.locator("#task-status [data-action=rerun]").click()
    page.locator("dialog [data-confirm=yes]").click()
    expect(page.locator("#banner")).to_have_text("새로 만들기를 시작했습니다.")
    with console.client(console.alice) as api:
        rerun = api.get(f"/api/v1/videos/{task_id}").json()
    assert rerun["generation"] == 2 and rerun["status"] == "queued"


def test_script_approval_on_the_task_page(page: Page, console: Console) -> None:
    with console.client(console.alice) as api:
        queue = api.get("/api/queue").json()
        added = api.post(
            f"/api/queue/{queue['id']}/jobs",
            json={
                "assetIds": ["needs-approval"],
                "options": {**FAST_OPTIONS, "requiresApproval": True},
                "version": queue["version"],
            },
        )
        added.raise_for_status()
        task_id = added.json()["jobs"][0]["id"]
        api.post(
            f"/api/queue/{queue['id']}/run", json={"version": added.json()["version"]}
        ).raise_for_status()
    resources = build_resources(console.settings.model_copy(update={"app_db_url": console.db_url}))
    sign_in(page, console, console.alice)
    requested: list[str] = []  # one wire format per page: the task page speaks v1 only
    page.on("request", lambda request: requested.append(request.url))
    page.on("websocket", lambda websocket: requested.append(websocket.url))
    with dg.instance_for_test() as instance, StageDriver(resources, instance, {"script"}).running():
        page.goto(f"{console.base_url}/#/tasks/{task_id}")
        expect(page.locator("#approve")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#script")).to_contain_text("대본 승인을 기다리는 중입니다.")
    expect(page.locator("#script li").first).to_be_visible()
    page.locator("#approve").click()
    page.locator("dialog [data-confirm=yes]").click()
    expect(page.locator("#banner")).to_have_text("대본을 승인했습니다.")
    expect(page.locator("#approve")).to_have_count(0)
    with console.client(console.alice) as api:
        assert api.get(f"/api/v1/videos/{task_id}").json()["scriptApprovedAt"] is not None
    for v1 in (f"/api/v1/videos/{task_id}/files", f"/api/v1/videos/{task_id}/script/approve"):
        assert any(v1 in url for url in requested), requested
    assert any(f"/ws/v1/videos/{task_id}/progress" in url for url in requested), requested
    assert [url for url in requested if "/api/v2/" in url or "/ws/videos/" in url] == []
