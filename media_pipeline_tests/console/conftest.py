"""Browser tests of the console: a live API on loopback (SQLite app DB), two signed-up users, and
Debian's Chromium driven by Playwright. Pages must log no JavaScript errors; screenshots of each page at
1280x800 and 390x844 go to ``test-artifacts/screenshots`` (gitignored)."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from media_pipeline.api.app import create_app
from media_pipeline.settings import Settings
from media_pipeline.store import Owner
from media_pipeline.store.users import UserService
from media_pipeline_tests.api.conftest import serving
from media_pipeline_tests.conftest import EntryPointEnv
from media_pipeline_tests.store.support import FakeRunControl

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
"""axe-core from the project's package-lock.json (``make console-deps``), injected by the tests only."""
BLOCKING_IMPACTS = ("serious", "critical")
SHOTS = REPO / "test-artifacts" / "screenshots"
VIEWPORTS = [(1280, 800), (390, 844)]
PASSWORD = "correct horse battery"
_HTTP_ERROR = re.compile(r"Failed to load resource: the server responded with a status of (\d{3})")


@dataclass
class User:
    """A console user and the owner their token maps to."""

    username: str
    owner: Owner


@dataclass
class Console:
    """The live API serving the console."""

    base_url: str
    db_url: str
    settings: Settings
    run_control: FakeRunControl
    alice: User
    bob: User

    def client(self, user: User) -> httpx.Client:
        """An API client signed in as ``user`` through the login route."""
        login = httpx.post(
            f"{self.base_url}/api/auth/login",
            json={"username": user.username, "password": PASSWORD},
            timeout=30,  # password hashing is CPU-bound: slow when the machine is busy
        )
        login.raise_for_status()
        token = login.json()["accessToken"]
        return httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


@pytest.fixture
def console_settings(tmp_path: Path, entry_point_env: EntryPointEnv) -> Settings:
    """Settings of the API and of the stages a test runs in-process (``StageDriver``: their Dagster
    resources read the environment, an entry point): local publisher, no sensor long poll."""
    return entry_point_env.set(
        data_dir=tmp_path / "var",
        publisher="local",
        sensor_long_poll_s=0,
        jwt_secret="console-test-secret-0123456789abcdef",
    )


def on_storage(kind: str, request: pytest.FixtureRequest, entry_point_env: EntryPointEnv) -> Settings:
    """The console's settings on the local folder (``kind`` "local"), or on a fresh bucket of the moto S3
    server ("s3"); for a module's ``console_settings`` fixture parametrized over both (after its own
    ``entry_point_env.set``)."""
    if kind == "local":
        return entry_point_env.set()
    bucket = request.getfixturevalue("s3_bucket")
    return entry_point_env.set(storage_url=f"s3://{bucket}/console", storage_s3_path_style=True)


@pytest.fixture
def console(console_settings: Settings, sqlite_template: Path, tmp_path: Path) -> Iterator[Console]:
    """A running API (with the console) on a fresh SQLite app DB, with users alice and bob."""
    db_path = tmp_path / "app.db"
    shutil.copyfile(sqlite_template, db_path)
    db_url = f"sqlite:///{db_path}"
    users = UserService(db_url)
    alice = User("alice", users.add("alice", PASSWORD))
    bob = User("bob", users.add("bob", PASSWORD))
    run_control = FakeRunControl()
    app = create_app(
        console_settings, engine_url=db_url, run_control_factory=lambda: run_control, progress_poll_s=0.1
    )
    with serving(app) as base_url:
        yield Console(base_url, db_url, console_settings, run_control, alice, bob)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (never a downloaded browser)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class ConsoleErrors:
    """JavaScript errors of a page; HTTP error statuses a test provokes on purpose can be allowed."""

    messages: list[str] = field(default_factory=list)
    allowed_statuses: set[int] = field(default_factory=set)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        status = _HTTP_ERROR.search(message.text)
        if status and int(status.group(1)) in self.allowed_statuses:
            return
        self.messages.append(message.text)

    def allow_status(self, status: int) -> None:
        """The test expects responses with ``status`` (the browser logs them as errors)."""
        self.allowed_statuses.add(status)


@pytest.fixture
def page_errors() -> ConsoleErrors:
    return ConsoleErrors()


@pytest.fixture
def page(browser: Browser, page_errors: ConsoleErrors, console: Console) -> Iterator[Page]:
    """A fresh browser context (Korean, Seoul time) at 1280x800; fails the test on any JS error.

    Depends on ``console`` so the page closes before the server stops (a request of a page still open
    would otherwise be refused and logged as an error)."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="ko-KR", timezone_id="Asia/Seoul"
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    expect.set_options(timeout=20_000)  # the same bound for assertions (5 s by default): CI machines are busy
    page.on("console", page_errors.on_console)
    page.on("pageerror", lambda error: page_errors.messages.append(f"uncaught: {error}"))
    yield page
    context.close()
    assert page_errors.messages == [], page_errors.messages


def sign_in(page: Page, console: Console, user: User) -> None:
    """Open the console and sign in through the form."""
    page.goto(f"{console.base_url}/#/queue")
    page.get_by_label("아이디").fill(user.username)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.locator("#drafts").wait_for()


def accessibility_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the current page, one line each (rule, impact, first
    offending elements)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    violations = page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)")
    return [
        f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes'][:3]]}"
        for v in violations
        if v["impact"] in BLOCKING_IMPACTS
    ]


def screenshot(page: Page, name: str, *, audit: bool = True) -> list[Path]:
    """Full-page screenshots of the current page at each viewport (restores 1280x800); at each viewport the
    page must fit the width (no sideways scrolling) and pass the axe-core audit (no serious or critical
    violations; ``audit=False`` for third-party pages such as Swagger UI, whose markup is not ours)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    paths = []
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{name} is {overflow}px wide at a {width}px viewport"
        violations = accessibility_violations(page) if audit else []
        assert violations == [], f"{name} at {width}px: {violations}"
        path = SHOTS / f"{name}-{width}x{height}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    page.set_viewport_size({"width": 1280, "height": 800})
    return paths


def wait_js(page: Page, expression: str, timeout_s: float = 60.0, *, describe: str | None = None) -> object:
    """Poll ``expression`` in the page until it is truthy (``wait_for_function`` evaluates strings, which
    the console's Content-Security-Policy forbids). On timeout the error carries ``describe``'s value."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            state = page.evaluate(describe) if describe else None
            raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {expression}; state: {state}")
        page.wait_for_timeout(100)
