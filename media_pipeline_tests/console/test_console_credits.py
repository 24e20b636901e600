"""The task page shows what a paid task's images cost: credits reserved while they are made, then used."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from media_pipeline.settings import Settings, get_settings
from media_pipeline_tests.console.conftest import Console, sign_in
from media_pipeline_tests.orchestration.paid_support import make_images, queue_paid_task
from media_pipeline_tests.providers.fake_images import PaidImagesFake
from media_pipeline_tests.providers.fakeserver import FakeServer

Images = tuple[FakeServer, PaidImagesFake]


@pytest.fixture
def images_fake() -> Iterator[Images]:
    fake = PaidImagesFake()
    with FakeServer(fake) as server:
        yield server, fake


@pytest.fixture
def console_settings(
    console_settings: Settings,
    images_fake: tuple[FakeServer, PaidImagesFake],
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:
    """The console's settings with DALL·E pointed at the loopback fake, 1 credit per image."""
    server, _fake = images_fake
    monkeypatch.setenv("MEDIA_PIPELINE_IMAGES_BASE_URL", f"{server.base_url}/v1")
    monkeypatch.setenv("MEDIA_PIPELINE_IMAGES_API_KEY", "sk-test")
    monkeypatch.setenv("MEDIA_PIPELINE_CREDIT_PRICES", '{"dalle3": 1}')
    get_settings.cache_clear()
    return get_settings()


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
