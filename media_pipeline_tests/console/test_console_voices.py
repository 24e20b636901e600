"""Cloned voices on the channels page against the loopback ElevenLabs fake: the form refuses to clone without
the speaker's consent (nothing is sent), then clones with it; the consent record is listed and the new voice
is offered as a channel's default voice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from media_pipeline.settings import Settings
from media_pipeline_tests.console.conftest import Console, ConsoleErrors, screenshot, sign_in
from media_pipeline_tests.media.clips import make_track
from media_pipeline_tests.providers.fake_elevenlabs import FakeElevenLabs
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.settings_support import with_values

STATEMENT = "김지수는 이 채널의 영상 내레이션에 자신의 목소리를 복제해 쓰는 데 동의합니다."


@pytest.fixture
def fake() -> FakeElevenLabs:
    return FakeElevenLabs()


@pytest.fixture
def provider(fake: FakeElevenLabs) -> Iterator[FakeServer]:
    with FakeServer(fake) as server:
        yield server


@pytest.fixture
def console_settings(console_settings: Settings, provider: FakeServer) -> Settings:
    """The console pointing at the ElevenLabs fake."""
    return with_values(
        console_settings, elevenlabs_base_url=provider.base_url, elevenlabs_api_key="xi-test-key"
    )


def test_clone_a_voice_with_consent(
    page: Page,
    console: Console,
    page_errors: ConsoleErrors,
    provider: FakeServer,
    fake: FakeElevenLabs,
    tmp_path: Path,
) -> None:
    with console.client(console.alice) as api:
        api.post("/api/channels", json={"name": "내 채널"})
    sign_in(page, console, console.alice)
    page.get_by_role("link", name="채널").click()
    form = page.locator("#voice-clone")
    expect(page.locator("#voice-list")).to_contain_text("복제한 음성이 없습니다.")
    sample = make_track(tmp_path / "jisu.mp3", 6).read_bytes()
    form.locator("input[type=file]").set_input_files(
        [{"name": "jisu.mp3", "mimeType": "audio/mpeg", "buffer": sample}]
    )
    form.get_by_label("음성 이름").fill("지수")
    form.get_by_label("동의한 사람(화자)").fill("김지수")
    form.get_by_label("동의 문구").fill(STATEMENT)
    form.get_by_role("button", name="음성 복제").click()
    expect(form.locator("[data-error-for=consent]")).to_have_text("화자의 동의 없이는 복제할 수 없습니다.")
    assert provider.requests == []

    form.get_by_label("화자가 음성 복제에 동의했습니다.").check()
    form.get_by_role("button", name="음성 복제").click()
    expect(page.locator("#banner")).to_have_text("'지수' 음성을 복제했습니다.")
    (voice_id,) = fake.samples
    assert fake.samples[voice_id] == [sample]
    expect(page.locator("#voice-list")).to_contain_text("김지수 동의")
    offered = page.locator("#channel-table ~ datalist option")
    expect(offered).to_have_attribute("value", f"elevenlabs:{voice_id}")
    screenshot(page, "voices")
