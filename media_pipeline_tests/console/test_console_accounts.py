"""Channels and accounts in the console: connecting YouTube channels against the loopback FakeYouTube
(real OAuth 2.0 redirects with code and state), the default channel, disconnecting, a wrong state refused
and an upload to the connected channel; a workspace admin creates a user who then signs in, resets a
password, disables a user (sign-in refused), grants credits, and reads it all in the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from media_pipeline.settings import Settings
from media_pipeline.store.users import UserService
from media_pipeline_tests.console.conftest import PASSWORD, Console, ConsoleErrors, User, screenshot, sign_in
from media_pipeline_tests.providers.fake_youtube import FakeYouTube
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.providers.oauth_support import oauth_settings, publish_to_channel
from media_pipeline_tests.settings_support import with_values

NEW_PASSWORD = "a brand new password"


@pytest.fixture
def youtube() -> Iterator[FakeYouTube]:
    fake = FakeYouTube(channel_title="Cooking with Mina")
    with FakeServer(fake) as server:
        fake.base_url = server.base_url
        yield fake


@pytest.fixture
def console_settings(
    console_settings: Settings, youtube: FakeYouTube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """The console's settings with Google's OAuth and Data API pointed at the loopback fake."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake speaks plain http on loopback
    return with_values(console_settings, **oauth_settings(youtube, tmp_path))


def _rows(page: Page, table: str) -> list[str]:
    return [text.strip() for text in page.locator(f"{table} tbody tr").all_inner_texts()]


def test_connect_channels_choose_default_disconnect_and_upload(
    page: Page, console: Console, youtube: FakeYouTube, page_errors: ConsoleErrors, tmp_path: Path
) -> None:
    sign_in(page, console, console.alice)
    page.get_by_role("link", name="채널").click()
    expect(page.locator("#channel-rows")).to_contain_text("연결된 채널이 없습니다.")
    screenshot(page, "channels-empty")

    page.get_by_role("button", name="채널 연결하기").click()  # Google's consent, then back to the console
    first = page.locator("#channel-rows tr", has_text="Cooking with Mina")
    expect(first.locator(".channel-default")).to_have_text("기본")
    expect(page.locator("#banner")).to_have_text("'Cooking with Mina' 채널을 연결했습니다.")
    assert page.url.endswith("#/channels")
    first_id = first.get_attribute("data-channel-id")
    assert first_id

    result = publish_to_channel(console.settings, tmp_path / "storage", first_id)
    assert result.uploaded_to_youtube
    assert youtube.token_refresh_token[youtube.uploaded_with[str(result.video_id)]] == youtube.refresh_token

    youtube.channel_id, youtube.channel_title = "UCsecond", "Travel Diaries"
    page.get_by_role("button", name="채널 연결하기").click()
    second = page.locator("#channel-rows tr", has_text="Travel Diaries")
    expect(second.locator(".channel-default")).to_have_text("")
    second.get_by_role("button", name="기본으로 지정").click()
    expect(second.locator(".channel-default")).to_have_text("기본")
    expect(first.locator(".channel-default")).to_have_text("")
    screenshot(page, "channels-two")

    first.get_by_role("button", name="연결 해제").click()
    page.locator("dialog [data-confirm=yes]").click()
    expect(first).to_have_count(0)
    expect(page.locator("#banner")).to_have_text("'Cooking with Mina' 채널의 연결을 해제했습니다.")
    assert youtube.revoked == [youtube.refresh_token]
    assert _rows(page, "#channel-table")[0].startswith("Travel Diaries")

    page.goto(f"{console.base_url}/api/channels/oauth/callback?code=stolen&state=forged-state")
    expect(page.locator("#channels-error")).to_have_text(
        "연결 요청이 올바르지 않거나 만료되었습니다. 다시 연결해 주세요."
    )
    expect(page.locator("#channel-rows tr")).to_have_count(1)
    screenshot(page, "channels-refused")


def _sign_in_as(page: Page, console: Console, username: str, password: str) -> None:
    page.goto(f"{console.base_url}/#/queue")
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호").fill(password)
    page.get_by_role("button", name="로그인").click()


def _sign_out(page: Page) -> None:
    page.locator("#signout").click()
    page.get_by_role("button", name="로그인").wait_for()


def test_admin_manages_users_credits_and_reads_the_audit_log(
    page: Page, console: Console, page_errors: ConsoleErrors
) -> None:
    page_errors.allow_status(401)  # the disabled user's refused sign-in
    root = User("root", UserService(console.db_url).add("root", PASSWORD, is_admin=True))
    sign_in(page, console, console.alice)
    expect(page.get_by_role("link", name="관리")).to_have_count(0)  # not an admin
    _sign_out(page)

    sign_in(page, console, root)
    page.get_by_role("link", name="관리").click()
    create = page.locator("#admin-create")
    create.locator("input[name=username]").fill("carol")
    create.locator("input[name=password]").fill(PASSWORD)
    create.get_by_role("button", name="사용자 만들기").click()
    expect(page.locator("#banner")).to_have_text("사용자 'carol'을(를) 만들었습니다.")
    expect(page.locator("#admin-users tr[data-username=carol]")).to_contain_text("사용 중")
    screenshot(page, "admin-users")

    _sign_out(page)
    _sign_in_as(page, console, "carol", PASSWORD)
    page.locator("#drafts").wait_for()  # carol is in
    _sign_out(page)

    sign_in(page, console, root)
    page.get_by_role("link", name="관리").click()
    reset = page.locator("#admin-reset")
    reset.get_by_label("사용자").select_option(label="carol")
    reset.locator("input[name=password]").fill(NEW_PASSWORD)
    reset.get_by_role("button", name="비밀번호 재설정").click()
    expect(page.locator("#banner")).to_have_text("'carol'의 비밀번호를 바꿨습니다.")
    carol = page.locator("#admin-users tr[data-username=carol]")
    carol.get_by_role("button", name="사용 중지").click()
    page.locator("dialog [data-confirm=yes]").click()
    expect(carol.locator(".user-state")).to_have_text("사용 중지됨")

    grant = page.locator("#admin-grant")
    grant.get_by_label("지급할 크레딧").fill("25")
    grant.get_by_label("메모").fill("welcome")
    grant.get_by_role("button", name="크레딧 지급").click()
    expect(page.locator("#admin-balance")).to_have_text("잔액 25 크레딧")
    expect(page.locator("#admin-audit-rows tr")).to_have_count(4)
    assert [row.split("\t")[2:] for row in _rows(page, "#admin-audit")] == [
        ["크레딧 지급", "default"],
        ["사용 중지", "carol"],
        ["비밀번호 재설정", "carol"],
        ["사용자 만들기", "carol"],
    ]
    assert all(row.split("\t")[1] == "root" for row in _rows(page, "#admin-audit"))
    screenshot(page, "admin-audit")

    _sign_out(page)
    _sign_in_as(page, console, "carol", NEW_PASSWORD)
    expect(page.locator("#signin-error")).to_contain_text("wrong username or password")
