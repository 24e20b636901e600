"""Console tests of paid images: the API's DALL·E source pointed at the test module's loopback fake
(fixture ``images_fake``: a FakeServer and its PaidImagesFake), 1 credit per image. Import
``console_settings`` into the test module to use it."""

from __future__ import annotations

import pytest

from media_pipeline.settings import Settings
from media_pipeline_tests.providers.fake_images import PaidImagesFake
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.settings_support import with_values


@pytest.fixture
def console_settings(console_settings: Settings, images_fake: tuple[FakeServer, PaidImagesFake]) -> Settings:
    """The console's settings with DALL·E at the fake and a price of 1 credit per dalle3 image."""
    server, _fake = images_fake
    return with_values(
        console_settings,
        images_base_url=f"{server.base_url}/v1",
        images_api_key="sk-test",
        credit_prices={"dalle3": 1},
    )
