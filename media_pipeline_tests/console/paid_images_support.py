"""Console tests of paid images: the API's DALL·E source pointed at the test module's loopback fake
(fixture ``images_fake``: a FakeServer and its PaidImagesFake), 1 credit per image. Import
``console_settings`` into the test module to use it."""

from __future__ import annotations

import pytest

from media_pipeline.settings import Settings, get_settings
from media_pipeline_tests.providers.fake_images import PaidImagesFake
from media_pipeline_tests.providers.fakeserver import FakeServer


@pytest.fixture
def console_settings(
    console_settings: Settings,
    images_fake: tuple[FakeServer, PaidImagesFake],
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:
    """The console's settings with DALL·E at the fake and a price of 1 credit per dalle3 image."""
    server, _fake = images_fake
    monkeypatch.setenv("MEDIA_PIPELINE_IMAGES_BASE_URL", f"{server.base_url}/v1")
    monkeypatch.setenv("MEDIA_PIPELINE_IMAGES_API_KEY", "sk-test")
    monkeypatch.setenv("MEDIA_PIPELINE_CREDIT_PRICES", '{"dalle3": 1}')
    get_settings.cache_clear()
    return get_settings()
