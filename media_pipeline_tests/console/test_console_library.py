"""The library in the browser, on the local folder and on S3 (moto server): three items made in the "new
video" dialog (two images added by file picker and drag and drop, a product with a crawled URL, a plain
one), bad input refused in the page, all three selected in the grid (shift-click) and added to the queue
in one request, shown in the queue drawer, bulk-edited (browser checks and the server's 422), Run and
produced for real until every card shows its finished video."""

from __future__ import annotations

import base64

import dagster as dg
import pytest
from playwright.sync_api import Page, expect

from media_pipeline.orchestration.resources import build_resources
from media_pipeline.settings import Settings
from media_pipeline.store import STAGES
from media_pipeline_tests.conftest import EntryPointEnv
from media_pipeline_tests.console.conftest import Console, ConsoleErrors, on_storage, screenshot, sign_in
from media_pipeline_tests.console.stage_driver import FAST_OPTIONS, StageDriver
from media_pipeline_tests.providers.fakeserver import FakeServer, Reply, routes
from media_pipeline_tests.providers.helpers import image_bytes

TIMEOUT_MS = 180_000
UPLOAD_LIMIT = 256 * 1024
PHOTOS = [image_bytes("PNG", (64, 48), "orange"), image_bytes("JPEG", (64, 48), "teal")]
PRODUCT_IMAGE = image_bytes("JPEG", (64, 48), "navy")
TITLES = ("바다 사진 영상", "텀블러 광고", "오늘의 일기")


@pytest.fixture(params=["local", "s3"])
def console_settings(
    request: pytest.FixtureRequest, console_settings: Settings, entry_point_env: EntryPointEnv
) -> Settings:
    """Local folder or S3; the product's page is crawled (by the in-process images stage) from a loopback
    server."""
    entry_point_env.set(crawl_allow_private=True, upload_max_bytes=UPLOAD_LIMIT)
    return on_storage(request.param, request, entry_point_env)


def _drop_file(page: Page, name: str, data: bytes, mime: str) -> None:
    """Drop one file on the dialog's drop zone, as a drag from the desktop does."""
    transfer = page.evaluate_handle(
        "([name, b64, mime]) => { const dt = new DataTransfer(); const bytes = Uint8Array.from(atob(b64), "
        "(c) => c.charCodeAt(0)); dt.items.add(new File([bytes], name, { type: mime })); return dt; }",
        [name, base64.b64encode(data).decode(), mime],
    )
    page.locator("#new-drop").dispatch_event("drop", {"dataTransfer": transfer})


def _create(page: Page, title: str) -> None:
    page.get_by_role("button", name="새 영상").click()
    page.locator("#new-dialog").get_by_label("제목/주제").fill(title)


def _submit(page: Page, title: str) -> None:
    page.locator("#new-dialog").get_by_role("button", name="만들기").click()
    expect(page.locator("#banner")).to_have_text(f"'{title}'을(를) 라이브러리에 추가했습니다.")
    expect(page.locator("#new-dialog")).to_have_count(0)


@pytest.mark.slow
def test_library_to_finished_videos(page: Page, console: Console, page_errors: ConsoleErrors) -> None:
    with console.client(console.alice) as api:
        queue = api.get("/api/queue").json()
        api.patch(
            f"/api/queue/{queue['id']}", json={"defaultOptions": FAST_OPTIONS, "version": queue["version"]}
        )
    crawled = routes({"/tumbler.jpg": Reply(200, PRODUCT_IMAGE, {"Content-Type": "image/jpeg"})})
    with FakeServer(crawled) as shop:
        sign_in(page, console, console.alice)
        page.get_by_role("link", name="라이브러리").click()
        expect(page.locator("#library-grid")).to_contain_text("라이브러리가 비어 있습니다.")

        # 1: two images, one from the file picker, one dropped; previews before anything is sent.
        _create(page, TITLES[0])
        page.locator("#new-drop input[type=file]").set_input_files(
            [{"name": "first.png", "mimeType": "image/png", "buffer": PHOTOS[0]}]
        )
        _drop_file(page, "second.jpg", PHOTOS[1], "image/jpeg")
        expect(page.locator("#new-previews img")).to_have_count(2)
        screenshot(page, "library-new-video")
        _submit(page, TITLES[0])

        # 2: a product; a price that is not a number and a non-http URL are refused in the page.
        _create(page, TITLES[1])
        dialog = page.locator("#new-dialog")
        dialog.get_by_label("유형").select_option("product")
        dialog.get_by_label("제품명").fill("보온 텀블러")
        dialog.get_by_label("가격").fill("만원")
        dialog.get_by_label("참고 URL").fill("ftp://shop.test/tumbler.jpg")
        dialog.get_by_role("button", name="만들기").click()
        expect(dialog.locator("[data-error-for=price]")).to_have_text("가격은 숫자로 입력하세요 (예: 19900).")
        expect(dialog.locator("[data-error-for=sourceUrls]")).to_contain_text("http:// 또는 https://")
        dialog.get_by_label("가격").fill("19900")
        dialog.get_by_label("특징").fill("12시간 보온\n가벼움")
        dialog.get_by_label("참고 URL").fill(f"{shop.base_url}/tumbler.jpg")
        _submit(page, TITLES[1])

        # Files the page or the server refuses: an empty one (in the page), one that is not an image whatever
        # its name says, one over the size limit; the message is shown and no item is left behind.
        page_errors.allow_status(413)
        page_errors.allow_status(415)
        refused = [
            ("notes.png", b"plain text, not a picture", "UNSUPPORTED_MEDIA_TYPE"),
            ("huge.png", PHOTOS[0] + bytes(UPLOAD_LIMIT), "PAYLOAD_TOO_LARGE"),
        ]
        for name, data, code in refused:
            _create(page, "거절될 파일")
            picker = page.locator("#new-drop input[type=file]")
            picker.set_input_files([{"name": "empty.png", "mimeType": "image/png", "buffer": b""}])
            expect(page.locator("#new-dialog [data-error-for=files]")).to_have_text(
                "빈 파일입니다: empty.png"
            )
            picker.set_input_files([{"name": name, "mimeType": "image/png", "buffer": data}])
            page.locator("#new-dialog").get_by_role("button", name="만들기").click()
            expect(page.locator("#new-error")).to_contain_text(code)
            page.locator("#new-dialog").get_by_role("button", name="취소").click()

        # 3: plain.
        _create(page, TITLES[2])
        _submit(page, TITLES[2])
        cards = page.locator("#library-grid .lib-card")
        expect(cards).to_have_count(3)
        expect(page.locator("#library-total")).to_have_text("3개")
        expect(cards.filter(has_text=TITLES[0]).locator("img.cover")).to_have_attribute(
            "data-cover", "upload"
        )
        expect(cards.filter(has_text=TITLES[2]).locator(".cover")).to_have_attribute(
            "data-cover", "placeholder"
        )

        # Select all three with a shift-click, add them in one request; the drawer shows the drafts.
        cards.nth(0).locator("input[data-select]").click()
        cards.nth(2).locator("input[data-select]").click(modifiers=["Shift"])
        expect(page.locator("#library-selected")).to_have_text("3개 선택됨")
        cards.nth(1).locator("input[data-select]").focus()  # keyboard: Space clears one, Shift+Space a range
        page.keyboard.press("Space")
        expect(page.locator("#library-selected")).to_have_text("2개 선택됨")
        cards.nth(0).locator("input[data-select]").focus()
        page.keyboard.press("Shift+Space")
        expect(page.locator("#library-selected")).to_have_text("1개 선택됨")
        page.get_by_label("전체 선택").check()
        expect(page.locator("#library-selected")).to_have_text("3개 선택됨")
        expect(page.locator("#library-select-all")).to_be_checked()
        screenshot(page, "library")
        adds: list[str] = []
        page.on("request", lambda r: adds.append(r.url) if r.method == "POST" and "/jobs" in r.url else None)
        page.get_by_role("button", name="큐에 추가").click()
        drawer = page.locator("#queue-drawer")
        expect(drawer).to_be_visible()
        expect(drawer.locator(".draft")).to_have_count(3)
        expect(page.locator("#drawer-count")).to_have_text("3")
        assert len(adds) == 1
        screenshot(page, "queue-drawer")
        page.keyboard.press("Escape")  # keyboard: closes to the toggle, which opens it again
        expect(drawer).to_be_hidden()
        expect(page.locator("#drawer-toggle")).to_be_focused()
        page.keyboard.press("Enter")
        expect(drawer.locator(".draft")).to_have_count(3)
        first = drawer.locator(".draft").first.get_attribute("data-id")
        drawer.locator(".draft").first.focus()
        page.keyboard.press("Alt+ArrowDown")
        expect(drawer.locator(".draft").nth(1)).to_have_attribute("data-id", first or "")

        # Bulk settings: checked in the browser, then the server's 422 shown next to its field.
        drawer.get_by_label("전체 선택").check()
        drawer.get_by_role("button", name="일괄 설정").click()
        bulk = page.locator("#bulk-dialog")
        bulk.get_by_label("이미지 수").fill("0")
        bulk.get_by_label("공개 범위").select_option("unlisted")
        bulk.get_by_label("클립 소리 유지").select_option("true")
        bulk.get_by_role("button", name="적용").click()
        expect(bulk.locator("[data-error-for=imageCount]")).to_have_text("1~30 사이의 숫자를 입력하세요.")
        bulk.get_by_label("이미지 수").fill("1")
        bulk.get_by_label("음성", exact=True).fill("nowhere:voice")
        page_errors.allow_status(422)
        bulk.get_by_role("button", name="적용").click()
        expect(bulk.locator("[data-error-for=voice]")).to_contain_text("unknown voice provider")
        screenshot(page, "queue-drawer-bulk")
        bulk.locator("input[name=voice]").fill("")  # its label now also holds the error text
        bulk.get_by_role("button", name="적용").click()
        expect(bulk).to_have_count(0)
        with console.client(console.alice) as api:
            jobs = {job["title"]: job for job in api.get(f"/api/queue/{queue['id']}/jobs").json()["jobs"]}
        assert {title: job["settings"]["privacy"] for title, job in jobs.items()} == dict.fromkeys(
            TITLES, "unlisted"
        )
        assert [jobs[title]["settings"]["mediaMode"] for title in TITLES] == ["upload", "crawl", "local"]
        assert all(jobs[title]["settings"]["clipAudio"] for title in TITLES)
        assert jobs[TITLES[1]]["product"]["price"] == "19900"
        assert jobs[TITLES[1]]["type"] == "product"

        drawer.get_by_role("button", name="실행 (Run)").click()
        page.locator("dialog [data-confirm=yes]").click()
        expect(page.locator("#banner")).to_have_text("3개 작업이 대기열에 들어갔습니다.")
        expect(drawer).to_contain_text("큐에 초안이 없습니다.")
        expect(page.locator("#drawer-count")).to_have_text("0")

        resources = build_resources(console.settings.model_copy(update={"app_db_url": console.db_url}))
        with dg.instance_for_test() as instance, StageDriver(resources, instance, set(STAGES)).running():
            page.goto(f"{console.base_url}/#/tasks/{jobs[TITLES[1]]['id']}")
            expect(page.locator("#task-state")).to_have_text("완료", timeout=TIMEOUT_MS)
            for title in (TITLES[0], TITLES[2]):
                page.goto(f"{console.base_url}/#/tasks/{jobs[title]['id']}")
                expect(page.locator("#task-state")).to_have_text("완료", timeout=TIMEOUT_MS)
        assert shop.matching("GET", "/tumbler.jpg")

    page.goto(f"{console.base_url}/#/library")
    expect(page.locator("#library-grid [data-field=status]")).to_have_text(["완료"] * 3)
    plain = page.locator("#library-grid .lib-card").filter(has_text=TITLES[2])
    expect(plain.locator("img.cover")).to_have_attribute("data-cover", "thumbnail")
    expect(plain.locator("h2 a")).to_have_attribute("href", f"#/tasks/{jobs[TITLES[2]]['id']}")


def _cover_requests(console: Console) -> int:
    """How many cover downloads the API has answered (its own request metric, by route template)."""
    with console.client(console.alice) as api:
        text = api.get("/metrics").text
    route = 'route="/api/library/{libraryId}/cover"'
    prefix = f'media_pipeline_http_request_duration_seconds_count{{method="GET",{route}'
    return sum(int(float(line.rsplit(" ", 1)[1])) for line in text.splitlines() if line.startswith(prefix))


def _items(console: Console, with_images: int) -> list[str]:
    """The three ``TITLES`` as library items, the first ``with_images`` of them with an uploaded image."""
    with console.client(console.alice) as api:
        ids = [api.post("/api/library", json={"title": title}).json()["id"] for title in TITLES]
        for item_id, photo in zip(ids[:with_images], PHOTOS, strict=False):
            upload = api.post(
                f"/api/library/{item_id}/files", files=[("files", ("a.png", photo, "image/png"))]
            )
            assert upload.status_code == 201, upload.text
    return ids


def _rgb(hex_color: str) -> str:
    """``#rrggbb`` as the browser's computed ``rgb(r, g, b)``."""
    return "rgb({}, {}, {})".format(*(int(hex_color[i : i + 2], 16) for i in (1, 3, 5)))


def test_a_first_library_view_draws_placeholders_without_requests(page: Page, console: Console) -> None:
    """An item without images has the generated placeholder cover: the console draws it from the letter and
    colour the API sends (the same the API's SVG shows) and asks for no cover; items with images still
    download theirs."""
    ids = _items(console, with_images=1)
    sign_in(page, console, console.alice)
    page.goto(f"{console.base_url}/#/library")
    for title in TITLES:  # every cover is an image to assistive technology, named as before
        expect(page.get_by_role("img", name=f"{title} 표지")).to_be_visible()
    assert _cover_requests(console) == 1
    expect(page.locator("img.cover")).to_have_attribute("data-cover", "upload")
    expect(page.locator(".cover[data-cover=placeholder]")).to_have_count(2)

    with console.client(console.alice) as api:
        for item_id in ids[1:]:
            svg = api.get(f"/api/library/{item_id}/cover").text
            card = page.locator(f'#library-grid [data-id="{item_id}"] .cover')
            expect(card).to_have_text(svg.split("</text>")[0].rsplit(">", 1)[1])
            color = svg.split('<rect width="320" height="180" fill="')[1][:7]
            assert card.evaluate("el => getComputedStyle(el).backgroundColor") == _rgb(color)
    screenshot(page, "library-placeholders")


@pytest.mark.parametrize("console_settings", ["local"], indirect=True)
def test_a_revisited_library_asks_only_for_changed_covers(page: Page, console: Console) -> None:
    """``coverUrl`` names the cover's version and its answer is ``immutable``: coming back to the library,
    the browser shows the covers it already has and downloads only the one whose cover changed. (Local
    folder only: on object storage an uploaded image's cover is a presigned redirect, which is not kept.)"""
    ids = _items(console, with_images=2)
    sign_in(page, console, console.alice)
    page.goto(f"{console.base_url}/#/library")
    covers = page.locator("img.cover")
    expect(covers).to_have_count(2)
    first_visit = _cover_requests(console)
    assert first_visit == 2

    page.goto(f"{console.base_url}/#/automation")  # another page of the console, then back (no reload)
    expect(page.locator("img.cover")).to_have_count(0)
    page.go_back()
    expect(covers).to_have_count(2)
    assert _cover_requests(console) == first_visit  # both from the browser's cache

    with console.client(console.alice) as api:  # the plain item's cover becomes its first image
        upload = api.post(
            f"/api/library/{ids[2]}/files", files=[("files", ("a.png", PHOTOS[0], "image/png"))]
        )
        assert upload.status_code == 201, upload.text
    page.reload()
    expect(covers).to_have_count(len(TITLES))
    expect(page.locator(f'#library-grid [data-id="{ids[2]}"] img.cover')).to_have_attribute(
        "data-cover", "upload"
    )
    assert _cover_requests(console) == first_visit + 1
