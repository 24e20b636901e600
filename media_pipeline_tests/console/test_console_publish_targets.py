"""A channel's publish targets in the console: choose TikTok and Instagram Reels next to YouTube, connect
both accounts through the platforms' loopback fakes (real redirects with code and state), and see an account
whose token the platform refused as "reconnect" until it is connected again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Page, expect

from media_pipeline.domain.publication import PublishTarget
from media_pipeline.settings import Settings
from media_pipeline.store.channels import ChannelService
from media_pipeline.store.publish_connections import PublishConnections
from media_pipeline_tests.console.conftest import Console, screenshot, sign_in
from media_pipeline_tests.providers.fake_instagram import FakeInstagram
from media_pipeline_tests.providers.fake_tiktok import FakeTikTok
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.settings_support import with_values


@pytest.fixture
def platforms() -> Iterator[tuple[FakeTikTok, FakeInstagram]]:
    tiktok, instagram = FakeTikTok(), FakeInstagram()
    with FakeServer(tiktok) as tt, FakeServer(instagram) as ig:
        tiktok.base_url, instagram.base_url = tt.base_url, ig.base_url
        yield tiktok, instagram


@pytest.fixture
def console_settings(
    console_settings: Settings,
    platforms: tuple[FakeTikTok, FakeInstagram],
    tmp_path: Path,
) -> Settings:
    """The console's settings with TikTok's and Instagram's OAuth pointed at the loopback fakes."""
    tiktok, instagram = platforms
    values = {
        "token_encryption_key": Fernet.generate_key().decode(),
        "youtube_channels_dir": tmp_path / "channels",
        "tiktok_client_key": tiktok.client_key,
        "tiktok_client_secret": tiktok.client_secret,
        "tiktok_api_base_url": tiktok.base_url,
        "tiktok_auth_uri": f"{tiktok.base_url}/v2/auth/authorize/",
        "instagram_app_id": instagram.app_id,
        "instagram_app_secret": instagram.app_secret,
        "instagram_graph_url": f"{instagram.base_url}/v21.0",
        "instagram_token_uri": f"{instagram.base_url}/oauth/access_token",
        "instagram_auth_uri": f"{instagram.base_url}/oauth/authorize",
    }
    return with_values(console_settings, **values)


def test_choose_targets_connect_tiktok_and_instagram_and_reconnect(page: Page, console: Console) -> None:
    channel = ChannelService(
        console.db_url, console.alice.owner, token_file=console.settings.channel_token_file
    ).create("Main")
    sign_in(page, console, console.alice)
    page.get_by_role("link", name="채널").click()
    row = page.locator(f"#channel-rows tr[data-channel-id='{channel.id}']")
    expect(row.get_by_role("checkbox", name="YouTube")).to_be_checked()
    expect(row.get_by_role("checkbox", name="TikTok")).not_to_be_checked()

    row.get_by_role("checkbox", name="TikTok").check()
    row.get_by_role("checkbox", name="Instagram 릴스").check()
    connections = PublishConnections(console.db_url)
    expect(row.locator(".target[data-target='instagram'] .chip")).to_have_text("연결 안 됨")

    row.get_by_role("button", name="TikTok 연결").click()  # TikTok's consent, then back to the console
    expect(page.locator("#banner")).to_have_text("'Main' 채널에 TikTok 계정을 연결했습니다.")
    row = page.locator(f"#channel-rows tr[data-channel-id='{channel.id}']")
    expect(row.locator(".target[data-target='tiktok'] .chip")).to_have_text("연결됨 · Fake Creator")
    row.get_by_role("button", name="Instagram 릴스 연결").click()
    expect(row.locator(".target[data-target='instagram'] .chip")).to_have_text("연결됨 · fakeig")
    assert connections.targets(channel.id) == [
        PublishTarget.YOUTUBE,
        PublishTarget.TIKTOK,
        PublishTarget.INSTAGRAM,
    ]
    screenshot(page, "channels-targets")

    connections.mark_reconnect(channel.id, PublishTarget.TIKTOK, "TikTok access_token_invalid")
    page.reload()
    row = page.locator(f"#channel-rows tr[data-channel-id='{channel.id}']")
    expect(row.locator(".target[data-target='tiktok'] .chip")).to_have_text("다시 연결 필요 · Fake Creator")
    expect(row.locator(".target[data-target='instagram'] .chip")).to_have_text("연결됨 · fakeig")
    screenshot(page, "channels-targets-reconnect")
    row.get_by_role("button", name="TikTok 다시 연결").click()
    row = page.locator(f"#channel-rows tr[data-channel-id='{channel.id}']")
    expect(row.locator(".target[data-target='tiktok'] .chip")).to_have_text("연결됨 · Fake Creator")
