"""Console basics in Chromium: sign-in/out and expiry, Swagger UI offline, queue conflicts, isolation."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from media_pipeline_tests.console.conftest import Console, ConsoleErrors, screenshot, sign_in


def test_sign_in_rejects_wrong_password_then_signs_in_and_out(
    page: Page, console: Console, page_errors: ConsoleErrors
) -> None:
    page_errors.allow_status(401)
    page.goto(console.base_url)
    screenshot(page, "signin")
    page.get_by_label("아이디").fill("alice")
    page.get_by_label("비밀번호").fill("not the password")
    page.get_by_role("button", name="로그인").click()
    expect(page.locator("#signin-error")).to_contain_text("UNAUTHORIZED")

    sign_in(page, console, console.alice)
    token = page.evaluate("sessionStorage.getItem('mp.token')")
    assert token.count(".") == 2
    assert "access_token" not in page.url and "mp.token" not in page.url
    with page.expect_response("**/api/auth/logout") as logout:
        page.get_by_role("button", name="로그아웃").click()
    assert logout.value.status == 204
    expect(page.get_by_role("button", name="로그인")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('mp.token')") is None
    revoked = httpx.get(f"{console.base_url}/api/queue", headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401  # signed out on the server too, not only forgotten by the page


def test_expired_token_returns_to_sign_in(page: Page, console: Console, page_errors: ConsoleErrors) -> None:
    page_errors.allow_status(401)
    sign_in(page, console, console.alice)
    page.evaluate("sessionStorage.setItem('mp.token', 'expired.or.forged')")
    page.get_by_role("link", name="자동화").click()
    expect(page.get_by_role("button", name="로그인")).to_be_visible()
    expect(page.locator("#banner")).to_have_text("세션이 만료되었습니다. 다시 로그인하세요.")


def test_english_switch_translates_labels(page: Page, console: Console) -> None:
    sign_in(page, console, console.alice)
    page.get_by_label("언어").select_option("en")
    expect(page.get_by_role("heading", name="Queue (drafts)")).to_be_visible()
    expect(page.get_by_role("button", name="Add to queue")).to_be_visible()
    page.get_by_label("Language").select_option("ko")
    expect(page.get_by_role("button", name="큐에 추가")).to_be_visible()


def test_swagger_ui_renders_offline(page: Page, console: Console) -> None:
    external: list[str] = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(console.base_url) else external.append(request.url),
    )
    page.goto(f"{console.base_url}/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(page.locator(".swagger-ui")).to_contain_text("/api/auth/login")
    screenshot(page, "api-docs", audit=False)  # Swagger UI's markup is not ours to fix
    assert external == []
