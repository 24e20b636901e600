"""The task page shows what a paid task's images cost: credits reserved while they are made, then used."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from media_pipeline_tests.console.conftest import Console, sign_in
from media_pipeline_tests.console.paid_images_support import console_settings  # noqa: F401 (fixture)
from media_pipeline_tests.orchestration.paid_support import make_images, queue_paid_task
from media_pipeline_tests.providers.fake_images import PaidImagesFake
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.store.ledger_support import assert_balanced_ledger

Images = tuple[FakeServer, PaidImagesFake]


@pytest.fixture
def images_fake() -> Iterator[Images]:
    fake = PaidImagesFake()
    with FakeServer(fake) as server:
        yield server, fake


def test_task_page_shows_credits_reserved_then_used(
    page: Page, console: Console, images_fake: Images
) -> None:
    task_id = queue_paid_task(console.db_url, console.alice.owner, console.settings, credits=7)
    sign_in(page, console, console.alice)
    page.goto(f"{console.base_url}/#/tasks/{task_id}")
    expect(page.locator("#task-credits")).to_have_text("사용한 크레딧 0 · 예약 5")

    make_images(console.db_url, console.settings, task_id)  # the images stage's paid loop
    assert images_fake[1].paid == [0, 1, 2, 3, 4]
    page.reload()
    expect(page.locator("#task-credits")).to_have_text("사용한 크레딧 5")
    assert_balanced_ledger(console.db_url, console.alice.owner.workspace_id)
