"""The music page in the browser: a bad mood and a fake audio file are refused (the browser's check, then
the server's 422 message), a real track is uploaded with its moods and licence note, plays from the API,
has its moods edited, shows up in the bulk-settings music picker, and is deleted after confirmation; a
channel's video defaults (made for kids, voice) are set on the channels page."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from media_pipeline_tests.console.conftest import Console, ConsoleErrors, screenshot, sign_in, wait_js
from media_pipeline_tests.media.clips import make_track


def _pick(page: Page, name: str, data: bytes, mime: str) -> None:
    page.locator("#music-upload input[type=file]").set_input_files(
        [{"name": name, "mimeType": mime, "buffer": data}]
    )


def test_music_page_upload_play_tag_pick_delete(
    page: Page, console: Console, page_errors: ConsoleErrors, tmp_path: Path
) -> None:
    sign_in(page, console, console.alice)
    page.get_by_role("link", name="음악").click()
    expect(page.locator("#music-rows")).to_contain_text("올린 곡이 없습니다.")
    form = page.locator("#music-upload")

    form.get_by_label("제목").fill("잔잔한 피아노")
    form.get_by_label("분위기 (쉼표로 구분)").fill("calm, 슬픔")
    _pick(page, "fake.mp3", b"ID3" + b"not audio " * 100, "audio/mpeg")
    form.get_by_role("button", name="올리기").click()
    expect(form.locator("[data-error-for=moods]")).to_contain_text("슬픔")  # checked in the browser

    form.get_by_label("분위기 (쉼표로 구분)").fill("Calm, piano")
    page_errors.allow_status(422)
    form.get_by_role("button", name="올리기").click()
    expect(form.locator("[data-error-for=file]")).to_contain_text("not")  # the server's 422 message

    _pick(page, "piano.mp3", make_track(tmp_path / "piano.mp3", 6).read_bytes(), "audio/mpeg")
    form.get_by_label("라이선스 메모").fill("CC BY 4.0")
    form.get_by_role("button", name="올리기").click()
    expect(page.locator("#banner")).to_have_text("'잔잔한 피아노'을(를) 올렸습니다.")
    row = page.locator("#music-rows tr[data-track-id]")
    expect(row).to_have_count(1)
    expect(row.get_by_label("분위기 (쉼표로 구분)")).to_have_value("calm, piano")
    expect(row).to_contain_text("0:06")

    row.get_by_role("button", name="재생").click()
    wait_js(page, "document.querySelector('#music-rows audio').currentTime > 0.2", 20)

    row.get_by_label("분위기 (쉼표로 구분)").fill("calm, Epic")
    row.get_by_role("button", name="저장").click()
    expect(page.locator("#banner")).to_have_text("'잔잔한 피아노'을(를) 저장했습니다.")
    with console.client(console.alice) as api:
        (track,) = api.get("/api/music").json()["items"]
    assert track["moods"] == ["calm", "epic"] and track["licence"] == "CC BY 4.0"
    screenshot(page, "music")

    # The bulk-settings dialog offers the track and its moods.
    with console.client(console.alice) as api:
        queue = api.get("/api/queue").json()
        api.post(f"/api/queue/{queue['id']}/jobs", json={"assetIds": ["a"], "version": queue["version"]})
    page.get_by_role("link", name="큐").first.click()
    page.locator("#drafts input[type=checkbox]").first.check()
    page.locator("#bulk-open").click()
    dialog = page.locator("#bulk-dialog")
    dialog.get_by_label("음악 곡").select_option(track["id"])
    expect(dialog.get_by_label("음악 분위기").locator("option")).to_have_text(
        ["(변경 안 함)", "calm", "epic"]
    )
    dialog.get_by_role("button", name="적용").click()
    expect(dialog).to_have_count(0)
    with console.client(console.alice) as api:
        queue = api.get("/api/queue").json()
        (job,) = api.get(f"/api/queue/{queue['id']}/jobs").json()["jobs"]
    assert job["settings"]["musicTrackId"] == track["id"]

    page.get_by_role("link", name="음악").click()
    page.locator("#music-rows tr[data-track-id]").get_by_role("button", name="삭제").click()
    page.locator("dialog [data-confirm=yes]").click()
    expect(page.locator("#music-rows")).to_contain_text("올린 곡이 없습니다.")


def test_channel_video_defaults(page: Page, console: Console, page_errors: ConsoleErrors) -> None:
    with console.client(console.alice) as api:
        channel = api.post("/api/channels", json={"name": "키즈 채널"}).json()
    sign_in(page, console, console.alice)
    page.get_by_role("link", name="채널").click()
    row = page.locator(f"#channel-rows tr[data-channel-id={channel['id']}]")
    row.get_by_label("아동용 기본값").select_option("true")
    row.get_by_label("기본 음성").fill("nope:x")
    page_errors.allow_status(422)
    row.get_by_role("button", name="기본값 저장").click()
    expect(row.locator(".actions > .error")).not_to_have_text("")  # the server's 422 on voice
    row.get_by_label("기본 음성").fill("elevenlabs:21m00Tcm4TlvDq8ikWAM")
    row.get_by_role("button", name="기본값 저장").click()
    expect(page.locator("#banner")).to_have_text("'키즈 채널' 채널의 기본값을 저장했습니다.")
    with console.client(console.alice) as api:
        saved = api.get(f"/api/channels/{channel['id']}").json()
    assert (saved["madeForKids"], saved["voice"]) == (True, "elevenlabs:21m00Tcm4TlvDq8ikWAM")
    screenshot(page, "channel-defaults")
