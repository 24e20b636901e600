"""Reviews in the browser, with the real stages run in-process (StageDriver) and DALL·E pointed at a
loopback fake: a storyboard review with one edited line, one scene switched to its still (with stock
keywords) and one regenerated image (the provider called exactly once more, one more credit consumed),
approved, then the final review approved -> published; and a final review rejected -> nothing published.
The waiting task is in the automation tabs' review tab."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import dagster as dg
import pytest
from playwright.sync_api import Page, expect

from media_pipeline.orchestration.resources import build_resources
from media_pipeline.settings import Settings
from media_pipeline.store.credits import CreditAdmin
from media_pipeline_tests.conftest import EntryPointEnv
from media_pipeline_tests.console.conftest import Console, User, screenshot, sign_in
from media_pipeline_tests.console.stage_driver import FAST_OPTIONS, StageDriver
from media_pipeline_tests.providers.fake_images import PaidImagesFake
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.review_support import assert_ledger_balances

TIMEOUT_S = 120.0
Images = tuple[FakeServer, PaidImagesFake]


@pytest.fixture
def images_fake() -> Iterator[Images]:
    fake = PaidImagesFake(identify=lambda _prompt: "image")
    with FakeServer(fake) as server:
        yield server, fake


@pytest.fixture
def console_settings(
    console_settings: Settings, images_fake: Images, entry_point_env: EntryPointEnv
) -> Settings:
    """The console's settings with DALL·E pointed at the loopback fake, 1 credit per image (the images
    stage runs in-process: its Dagster resources read them from the environment)."""
    return entry_point_env.set(
        images_base_url=f"{images_fake[0].base_url}/v1", images_api_key="sk-test", credit_prices={"dalle3": 1}
    )


def _queue(console: Console, user: User, asset: str, options: dict[str, Any]) -> str:
    with console.client(user) as api:
        queue = api.get("/api/queue").json()
        added = api.post(
            f"/api/queue/{queue['id']}/jobs",
            json={"assetIds": [asset], "options": {**FAST_OPTIONS, **options}, "version": queue["version"]},
        )
        added.raise_for_status()
        api.post(
            f"/api/queue/{queue['id']}/run", json={"version": added.json()["version"]}
        ).raise_for_status()
        return str(added.json()["jobs"][0]["id"])


def _until(console: Console, user: User, task_id: str, status: str, waiting: str | None) -> None:
    """Wait until the task has ``status`` and waits for the ``waiting`` review (the stages run in a
    thread: the API is the only way to see them)."""
    deadline = time.monotonic() + TIMEOUT_S
    with console.client(user) as api:
        while True:
            board = api.get(f"/api/v1/videos/{task_id}/review").json()
            if board["status"] == status and board["waiting"] == waiting:
                return
            assert board["status"] not in {"failed", "canceled"} or status == board["status"], board
            assert time.monotonic() < deadline, board
            time.sleep(0.2)


def _balance(console: Console, user: User) -> int:
    with console.client(user) as api:
        return int(api.get("/api/v1/credits").json()["balance"])


@pytest.mark.slow
def test_storyboard_review_then_final_approval_publishes(
    page: Page, console: Console, images_fake: Images
) -> None:
    alice = console.alice
    CreditAdmin(console.db_url).grant(alice.owner.workspace_id, 5, "test grant")
    options = {
        "mediaMode": "dalle3",
        "imageCount": 2,
        "language": "en",
        "review": {"storyboard": True, "final": True},
    }
    task_id = _queue(console, alice, "reviewed", options)
    fake = images_fake[1]
    resources = build_resources(console.settings.model_copy(update={"app_db_url": console.db_url}))
    sign_in(page, console, alice)
    with (
        dg.instance_for_test() as instance,
        StageDriver(resources, instance, {"script", "images"}).running() as driver,
    ):
        _until(console, alice, task_id, "review", "storyboard")
        assert (fake.calls, _balance(console, alice)) == (2, 3)
        page.goto(f"{console.base_url}/#/automation/review")
        expect(page.locator('[data-count="review"]')).to_have_text("1")
        page.locator(f'tr[data-task-id="{task_id}"] [data-action=review]').click()
        expect(page.locator("#review-state")).to_contain_text("스토리보드 검토를 기다리는 중입니다.")
        expect(page.locator("#scenes li.scene")).to_have_count(2)
        expect(page.get_by_role("img", name="장면 1 이미지")).to_be_visible()
        screenshot(page, "review-storyboard")

        second = page.locator('li.scene[data-scene="1"]')
        second.get_by_label("장면 2 내레이션").fill("A line the creator rewrote.")
        second.locator("[data-action=save-line]").click()
        expect(page.locator("#banner")).to_have_text("장면 2의 문장을 저장했습니다.")
        first = page.locator('li.scene[data-scene="0"]')
        expect(first.get_by_label("장면 1 화면")).to_have_value("clip")
        first.get_by_label("장면 1 화면").select_option("still")
        first.get_by_label("스톡 영상 검색어 (쉼표로 구분)").fill("calm, lake")
        first.locator("[data-action=save-media]").click()
        expect(page.locator("#banner")).to_have_text("장면 1의 화면을 저장했습니다.")
        expect(first.get_by_label("장면 1 화면")).to_have_value("still")
        story = console.settings.resolved_storage_root / "tasks" / task_id / "story.json"
        scene = json.loads(story.read_text(encoding="utf-8"))["scenes"][0]
        assert (scene["media"], scene["keywords"]) == ("still", ["calm", "lake"])
        page.locator('li.scene[data-scene="0"] [data-action=regenerate]').click()
        page.locator("dialog [data-confirm=yes]").click()
        expect(page.locator("#banner")).to_have_text("장면 1의 이미지를 다시 만들었습니다.")
        assert (fake.calls, _balance(console, alice)) == (3, 2)  # exactly one more paid image

        driver.allow("video", "thumbnail", "youtube_video")
        page.locator("#approve-storyboard").click()
        page.locator("dialog [data-confirm=yes]").click()
        expect(page.locator("#banner")).to_have_text("승인했습니다.")
        _until(console, alice, task_id, "review", "final")
        page.reload()
        expect(page.locator("#review-player")).to_be_visible()
        screenshot(page, "review-final")
        page.locator("#approve-final").click()
        page.locator("dialog [data-confirm=yes]").click()
        expect(page.locator("#banner")).to_have_text("승인했습니다.")
        _until(console, alice, task_id, "succeeded", None)
    expect(page.locator("#review-decisions li")).to_have_count(2)
    expect(page.locator('#review-decisions li[data-status="approved"]', has_text="alice")).to_have_count(2)
    subtitles = console.settings.resolved_storage_root / "tasks" / task_id / "subtitles.srt"
    assert "A line the creator rewrote." in " ".join(subtitles.read_text(encoding="utf-8").split())
    with console.client(alice) as api:
        video = api.get(f"/api/v1/videos/{task_id}").json()
        job = api.get(f"/api/v2/videos/{task_id}/render-jobs/{task_id}-g1").json()
    assert video["status"] == "succeeded" and job["assets"]["video_url"]
    assert fake.calls == 3 and _balance(console, alice) == 2
    assert assert_ledger_balances(console.db_url, alice.owner.workspace_id) == {
        "grant": 5,
        "reserve": 3,
        "consume": 3,
    }


@pytest.mark.slow
def test_final_review_reject_publishes_nothing(page: Page, console: Console) -> None:
    alice = console.alice
    task_id = _queue(console, alice, "rejected", {"review": {"final": True}})
    resources = build_resources(console.settings.model_copy(update={"app_db_url": console.db_url}))
    sign_in(page, console, alice)
    with (
        dg.instance_for_test() as instance,
        StageDriver(
            resources, instance, {"script", "images", "video", "thumbnail", "youtube_video"}
        ).running(),
    ):
        _until(console, alice, task_id, "review", "final")
        page.goto(f"{console.base_url}/#/tasks/{task_id}")
        page.locator("#open-review").click()
        expect(page.locator("#review-state")).to_contain_text("최종 검토를 기다리는 중입니다.")
        page.locator("#reject-final").click()
        page.locator("dialog [data-confirm=yes]").click()
        expect(page.locator("#banner")).to_have_text("반려했습니다. 게시하지 않습니다.")
        expect(page.locator('#review-decisions li[data-kind="final"]')).to_have_attribute(
            "data-status", "rejected"
        )
        expect(page.locator('#review-decisions li[data-kind="final"]')).to_contain_text("alice")
    with console.client(alice) as api:
        video = api.get(f"/api/v1/videos/{task_id}").json()
        stages = api.get(f"/api/v1/videos/{task_id}/progress").json()["stages"]
    assert (video["status"], video["youtubeUrl"]) == ("canceled", None)
    assert [stage["status"] for stage in stages if stage["stage"] == "youtube_video"] == ["canceled"]
    assert not (console.settings.resolved_storage_root / "tasks" / task_id / "publish.json").exists()
