"""Paid images in the console (seed 003): the estimate before Run, the live balance in the header, the image
job page filling in per image over the progress WebSocket, "stop after the current image" with its refund,
a reload mid-job that finds the running job, the ledger page, the cost of a rerun and of a retry, and a Run
refused for lack of credits."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from media_pipeline.orchestration.paid_images import ImagesStopped
from media_pipeline.store import PipelineState
from media_pipeline.store.credits import CreditAdmin
from media_pipeline.usecases import UseCases
from media_pipeline_tests.console.conftest import Console, ConsoleErrors, screenshot, sign_in
from media_pipeline_tests.console.paid_images_support import console_settings  # noqa: F401 (fixture)
from media_pipeline_tests.orchestration.paid_support import make_images
from media_pipeline_tests.providers.fake_images import PaidImagesFake
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.store.ledger_support import assert_balanced_ledger

HELD_IMAGE = 3
"""The fake holds the provider call of the third image until the test releases it."""
WEDDING = {
    "title": "Wedding",
    "mediaMode": "dalle3",
    "imageMode": "BATCH",
    "imageCount": 5,
    "styles": ["sunset", "ocean", "neon"],
    "roles": ["GROOM", "BRIDE"],
    "renderHeight": 320,
    "language": "en",
}
PLAN = [("sunset", "GROOM"), ("sunset", "BRIDE"), ("ocean", "GROOM"), ("ocean", "BRIDE"), ("neon", "GROOM")]


@pytest.fixture
def images_fake() -> Iterator[tuple[FakeServer, PaidImagesFake]]:
    fake = PaidImagesFake(hold_call=HELD_IMAGE)
    with FakeServer(fake) as server:
        yield server, fake
    fake.release(deliver=False)  # never leave a held call behind


def _draft(console: Console, credits: int) -> str:
    """Grant ``credits`` to alice's workspace and add the wedding draft (5 images, 1 credit each)."""
    owner = console.alice.owner
    CreditAdmin(console.db_url).grant(owner.workspace_id, credits, "test grant")
    queues = UseCases(console.db_url, owner, settings=console.settings).queues
    (draft,) = queues.add_assets(["wedding"], WEDDING, queues.list_drafts().version).tasks
    return draft.id


def _run_with_estimate(page: Page, balance: int) -> None:
    page.locator("#run-all").click()
    dialog = page.locator("#estimate-dialog")
    expect(dialog.locator("#estimate-lines")).to_have_text("5장 (3 스타일 × 2 역할 순환) · 5 크레딧")
    expect(dialog.locator("#estimate-total")).to_have_text(f"합계 5 크레딧 · 현재 잔액 {balance}")
    expect(dialog).not_to_contain_text("null")
    dialog.locator("[data-confirm=yes]").click()


def _cards(page: Page) -> list[str | None]:
    return [card.get_attribute("data-status") for card in page.locator(".image-card").all()]


def test_estimate_run_live_cards_stop_after_image_refund_and_resume(
    page: Page, console: Console, images_fake: tuple[FakeServer, PaidImagesFake]
) -> None:
    fake = images_fake[1]
    task_id = _draft(console, credits=7)
    sign_in(page, console, console.alice)
    balance = page.locator("#credit-balance")
    expect(balance).to_have_text("크레딧 7")
    _run_with_estimate(page, 7)
    expect(balance).to_have_text("크레딧 2 · 예약 5")

    page.goto(f"{console.base_url}/#/tasks/{task_id}/images")
    cards = page.locator(".image-card")
    expect(cards).to_have_count(5)
    for card, (style, role) in zip(cards.all(), PLAN, strict=True):
        expect(card).to_contain_text(f"스타일 {style} · 역할 {role}")
    assert _cards(page) == ["PENDING"] * 5

    errors: list[BaseException] = []

    def images_stage() -> None:
        try:
            make_images(console.db_url, console.settings, task_id)
        except ImagesStopped:
            pass
        except BaseException as exc:  # reported by the test below
            errors.append(exc)

    worker = threading.Thread(target=images_stage, daemon=True)
    worker.start()
    assert fake.held.wait(30)
    expect(cards.nth(2)).to_have_attribute("data-status", "PROCESSING")
    expect(cards.nth(1)).to_have_attribute("data-status", "COMPLETED")
    expect(cards.nth(0).locator("img")).to_be_visible()
    expect(cards.nth(0)).to_contain_text("시도 1회")
    expect(balance).to_have_text("크레딧 2 · 예약 3")

    page.reload()  # the running job is found again and followed
    expect(cards.nth(2)).to_have_attribute("data-status", "PROCESSING")
    expect(cards.nth(1).locator("img")).to_be_visible()
    assert _cards(page) == ["COMPLETED", "COMPLETED", "PROCESSING", "PENDING", "PENDING"]

    page.locator("#stop-after-image").click()
    page.locator("dialog [data-confirm=yes]").click()
    expect(page.locator("#imagejob-stopping")).to_be_visible()
    expect(cards.nth(4)).to_have_attribute("data-status", "CANCELED")
    expect(balance).to_have_text("크레딧 4 · 예약 1")

    fake.release()
    worker.join(30)
    assert not worker.is_alive() and errors == []
    expect(page.locator("#imagejob-status")).to_have_text("취소(환불)")
    expect(page.locator("#imagejob-refund")).to_have_text("환불된 크레딧 2")
    expect(page.locator("#imagejob-credits")).to_have_text("예약 0 · 사용 3 · 환불 2 크레딧")
    assert _cards(page) == ["COMPLETED", "COMPLETED", "COMPLETED", "CANCELED", "CANCELED"]
    expect(cards.nth(2).locator("img")).to_be_visible()
    for card, (style, role) in zip(cards.all(), PLAN, strict=True):  # the plan, as estimated, was made
        expect(card).to_contain_text(f"스타일 {style} · 역할 {role}")
    expect(page.locator("#imagejob-summary")).not_to_contain_text("null")
    expect(balance).to_have_text("크레딧 4")
    assert fake.paid == [0, 1, 2]
    screenshot(page, "image-job")

    page.goto(f"{console.base_url}/#/tasks/{task_id}")  # a rerun pays again: its estimate first
    page.locator("[data-action=rerun]").click()
    expect(page.locator("#estimate-lines")).to_have_text("5장 (3 스타일 × 2 역할 순환) · 5 크레딧")
    expect(page.locator("#estimate-short")).to_have_text("잔액이 1 크레딧 부족합니다. 실행하면 거절됩니다.")
    page.locator("#estimate-dialog").get_by_role("button", name="아니요").click()
    expect(page.locator("#estimate-dialog")).to_have_count(0)

    page.goto(f"{console.base_url}/#/credits")
    rows = page.locator("#ledger-table tbody tr")
    expect(rows).to_have_count(11)  # the grant, 5 reserves, 3 consumes and 2 refunds
    page.get_by_label("영상 ID").fill(task_id)
    page.get_by_role("button", name="찾기").click()
    expect(rows).to_have_count(10)
    kinds = [row.get_attribute("data-kind") for row in rows.all()]
    assert kinds == ["consume", "refund", "refund", "consume", "consume", *["reserve"] * 5]
    expect(page.locator("#credits-summary")).to_have_text("크레딧 4")
    screenshot(page, "credits-ledger")
    assert_balanced_ledger(console.db_url, console.alice.owner.workspace_id)


def test_run_without_enough_credits_is_explained_with_the_numbers(
    page: Page, console: Console, page_errors: ConsoleErrors
) -> None:
    page_errors.allow_status(402)
    _draft(console, credits=3)
    sign_in(page, console, console.alice)
    page.locator("#run-all").click()
    expect(page.locator("#estimate-short")).to_have_text("잔액이 2 크레딧 부족합니다. 실행하면 거절됩니다.")
    screenshot(page, "run-estimate")
    page.locator("#estimate-dialog [data-confirm=yes]").click()
    expect(page.get_by_text("크레딧이 부족합니다: 필요 5, 보유 3")).to_be_visible()
    expect(page.locator(".draft")).to_have_count(1)  # nothing was queued
    expect(page.locator("#credit-balance")).to_have_text("크레딧 3")
    assert_balanced_ledger(console.db_url, console.alice.owner.workspace_id)


def test_retry_of_a_failed_paid_task_shows_the_images_it_reserves_again(page: Page, console: Console) -> None:
    task_id = _draft(console, credits=5)
    usecases = UseCases(console.db_url, console.alice.owner, settings=console.settings)
    usecases.run_drafts(usecases.queues.list_drafts().version, [task_id])
    state = PipelineState(console.db_url)
    state.stage_started(task_id, 1, "script", "run-s", None)
    state.stage_failed(task_id, 1, "script", "run-s", "the writer is gone", transient=False)  # refunds all 5
    sign_in(page, console, console.alice)
    expect(page.locator("#credit-balance")).to_have_text("크레딧 5")
    page.goto(f"{console.base_url}/#/tasks/{task_id}")
    page.locator("[data-action=retry]").click()
    expect(page.locator("#estimate-lines")).to_have_text("만들지 못한 이미지 5장 다시 예약 · 5 크레딧")
    expect(page.locator("#estimate-total")).to_have_text("합계 5 크레딧 · 현재 잔액 5")
    page.locator("#estimate-dialog [data-confirm=yes]").click()
    expect(page.locator("#credit-balance")).to_have_text("크레딧 0 · 예약 5")
    assert_balanced_ledger(console.db_url, console.alice.owner.workspace_id)
