"""The brand kit panel of the channels page: a font without Hangul is refused with the server's message,
a Hangul font and a logo made in the test are stored, colours saved, and the 3-second preview plays."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from media_pipeline_tests.brand_support import hangul_font, latin_font, png_logo
from media_pipeline_tests.console.conftest import Console, ConsoleErrors, screenshot, sign_in, wait_js


def test_brand_kit_panel_uploads_saves_and_previews(
    page: Page, console: Console, page_errors: ConsoleErrors, tmp_path: Path
) -> None:
    with console.client(console.alice) as api:
        channel = api.post("/api/channels", json={"name": "Brand channel"}).json()["id"]
    files = {
        "latin.ttf": latin_font(),
        "kit.ttf": hangul_font("KitBoxes"),
        "logo.png": png_logo((0, 0, 255)),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)

    sign_in(page, console, console.alice)
    page.get_by_role("link", name="채널").click()
    page.locator("#channel-rows tr", has_text="Brand channel").get_by_role(
        "button", name="브랜드 키트"
    ).click()
    panel = page.locator("#brand-kit")
    expect(panel.get_by_role("heading")).to_have_text("브랜드 키트: Brand channel")

    page_errors.allow_status(422)
    panel.get_by_label("글꼴 (TTF/OTF, 한글 KS X 1001 전체)").set_input_files(tmp_path / "latin.ttf")
    expect(panel.locator('[data-error-for="font"]')).to_contain_text("the font lacks Hangul")
    expect(panel.locator('[data-stored="font"]')).to_have_text("저장됨: 없음")
    panel.get_by_label("글꼴 (TTF/OTF, 한글 KS X 1001 전체)").set_input_files(tmp_path / "kit.ttf")
    expect(panel.locator('[data-stored="font"]')).to_have_text("저장됨: KitBoxes")
    expect(panel.locator('[data-error-for="font"]')).to_have_text("")
    panel.get_by_label("로고 (PNG/JPEG)").set_input_files(tmp_path / "logo.png")
    expect(panel.locator('[data-stored="logo"]')).to_have_text("저장됨: png")

    panel.get_by_label("자막 색").fill("#00ff00")
    panel.get_by_label("자막 프리셋").select_option("shorts")
    panel.get_by_role("button", name="저장").click()
    expect(page.locator("#banner")).to_have_text("브랜드 키트를 저장했습니다.")
    with console.client(console.alice) as api:
        kit = api.get(f"/api/channels/{channel}/brand-kit").json()
    assert (kit["textColour"], kit["captionPreset"], kit["files"]["font"]["family"]) == (
        "#00FF00",
        "shorts",
        "KitBoxes",
    )

    panel.get_by_role("button", name="3초 미리보기").click()
    expect(page.locator("#brand-preview")).to_be_visible()
    wait_js(page, "document.querySelector('#brand-preview').currentTime > 0.5")
    duration = page.evaluate("document.querySelector('#brand-preview').duration")
    assert abs(duration - 3.0) < 0.1, duration
    screenshot(page, "brand-kit")
