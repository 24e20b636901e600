"""The channel performance dashboard and the contents page's performance line in the browser, over seeded
publications and daily metrics: the uPlot chart spans exactly the chosen days (its legend at the first and
last point, its data table), the top/bottom lists and the setting groups with their counts; "more like
this" makes a library item."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from media_pipeline_tests.console.conftest import Console, screenshot, sign_in
from media_pipeline_tests.performance_support import publish_video, record_views

STROKE = (43, 89, 195)  # the series colour of charts.js


def _seed(console: Console) -> tuple[date, dict[str, str]]:
    now = datetime.now(UTC)
    today = now.date()
    owner = console.alice.owner
    videos = {
        "가을 산책": publish_video(
            console.db_url, owner, "가을 산책", "v1", now - timedelta(days=9), targetDurationS=20
        ),
        "겨울 바다": publish_video(
            console.db_url, owner, "겨울 바다", "v2", now - timedelta(days=9), targetDurationS=20
        ),
        "봄 꽃": publish_video(
            console.db_url, owner, "봄 꽃", "v3", now - timedelta(days=9), targetDurationS=60
        ),
    }
    record_views(
        console.db_url,
        videos["가을 산책"],
        {today - timedelta(days=offset): 10 * (offset + 1) for offset in range(7)},
        now,
        average_view_percentage=61.5,
        first_line_chars=12,
    )
    record_views(console.db_url, videos["겨울 바다"], {today: 3}, now, average_view_percentage=20.0)
    return today, {title: video.content_id for title, video in videos.items()}


def _canvas_has_stroke(page: Page) -> bool:
    return page.evaluate(
        """([r, g, b]) => {
            const canvas = document.querySelector('#views-chart canvas');
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 0; i < data.length; i += 4) {
                const near = (offset, value) => Math.abs(data[i + offset] - value) < 8;
                if (near(0, r) && near(1, g) && near(2, b) && data[i + 3] > 200) return true;
            }
            return false;
        }""",
        list(STROKE),
    )


def _legend_at(page: Page, fraction: float) -> tuple[str, str]:
    """The legend's day and views with the cursor at ``fraction`` of the plot's width."""
    over = page.locator("#views-chart .u-over")
    box = over.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * fraction, box["y"] + box["height"] / 2)
    values = page.locator("#views-chart .u-legend .u-value")
    return values.nth(0).inner_text(), values.nth(1).inner_text()


@pytest.mark.parametrize("days", [7, 28])
def test_the_dashboard_plots_the_window_and_compares_settings(
    page: Page, console: Console, days: int
) -> None:
    today, _ = _seed(console)
    sign_in(page, console, console.alice)
    page.goto(f"{console.base_url}/#/performance")
    page.get_by_label("기간").select_option(str(days))
    page.get_by_role("button", name="보기").click()

    rows = page.locator("#views-table tbody tr")
    expect(rows).to_have_count(days)
    expect(rows.last).to_have_text(f"{today.isoformat()}{10 + 3}")
    page.locator("#views-chart canvas").wait_for()
    assert _canvas_has_stroke(page)
    first_day = (today - timedelta(days=days - 1)).isoformat()
    first_views = "70" if days == 7 else "0"
    assert _legend_at(page, 0.002)[0].startswith(first_day)
    assert _legend_at(page, 0.002)[1] == first_views
    assert _legend_at(page, 0.999)[0].startswith(today.isoformat())
    assert _legend_at(page, 0.999)[1] == "13"

    top = page.locator("#top-videos > li")
    expect(top).to_have_count(3)
    expect(top.first).to_contain_text("가을 산책")
    expect(top.first.locator("[data-field=performance]")).to_contain_text("61.5%")
    expect(top.first.locator(".sparkline canvas")).to_have_count(1)
    expect(page.locator("#bottom-videos > li").first).to_contain_text("봄 꽃")
    length_20 = page.locator('#setting-groups tr[data-setting="length"][data-value="20s"]')
    expect(length_20.locator("[data-field=count]")).to_have_text("2")
    expect(
        page.locator('#setting-groups tr[data-setting="length"][data-value="60s"] [data-field=count]')
    ).to_have_text("1")
    expect(
        page.locator('#setting-groups tr[data-setting="firstLineLength"][data-value="short"]')
    ).to_contain_text("짧음")
    if days == 28:
        screenshot(page, "performance")

    top.first.get_by_role("button", name="비슷한 영상 만들기").click()
    expect(page.locator("#banner")).to_contain_text("가을 산책")
    with console.client(console.alice) as api:
        [item] = api.get("/api/library").json()["items"]
    assert (item["title"], item["settings"]["targetDurationS"]) == ("가을 산책", 20.0)


def test_the_dashboard_shows_each_target_alone(page: Page, console: Console) -> None:
    now = datetime.now(UTC)
    today = now.date()
    owner = console.alice.owner
    both = publish_video(console.db_url, owner, "가을 산책", "v1", now - timedelta(days=9))
    record_views(console.db_url, both, {today - timedelta(days=1): 4, today: 6}, now)
    tiktok = replace(both, target="tiktok", remote_id="7001")
    record_views(console.db_url, tiktok, {today - timedelta(days=offset): 10 for offset in range(3)}, now)
    reel = publish_video(
        console.db_url, owner, "겨울 바다", "1801", now - timedelta(days=9), target="instagram"
    )
    record_views(console.db_url, reel, {today: 5}, now)
    sign_in(page, console, console.alice)
    page.goto(f"{console.base_url}/#/performance")
    page.get_by_label("기간").select_option("7")

    expected = {  # target: (heading, videos, days with views, today's views)
        "": ("일별 조회수", ["가을 산책", "겨울 바다"], 3, "21"),
        "youtube": ("YouTube 일별 조회수", ["가을 산책"], 2, "6"),
        "tiktok": ("TikTok 일별 조회수", ["가을 산책"], 3, "10"),
        "instagram": ("Instagram 릴스 일별 조회수", ["겨울 바다"], 1, "5"),
    }
    for target, (heading, videos, active_days, today_views) in expected.items():
        page.get_by_label("게시 대상").select_option(target)
        page.get_by_role("button", name="보기").click()
        expect(page.locator("#views-title")).to_have_text(heading)
        rows = page.locator("#views-table tbody tr")
        expect(rows).to_have_count(7)  # one chart point and table row per day of the window
        expect(rows.last).to_have_text(f"{today.isoformat()}{today_views}")
        views = rows.locator(
            "td:nth-child(2)"
        ).all_text_contents()  # the table is folded: text, not inner text
        assert sum(view != "0" for view in views) == active_days, views
        expect(page.locator("#top-videos > li")).to_have_count(len(videos))
        expect(page.locator("#top-videos > li > a")).to_have_text(videos)
        page.locator("#views-chart canvas").wait_for()
        day, last = _legend_at(page, 0.999)  # the chart's last point
        assert day.startswith(today.isoformat()) and last == today_views
    screenshot(page, "performance-target")


def test_contents_show_views_and_average_view_percentage_with_a_sparkline(
    page: Page, console: Console
) -> None:
    _, ids = _seed(console)
    sign_in(page, console, console.alice)
    page.goto(f"{console.base_url}/#/contents")

    card = page.locator(f'li.content[data-content-id="{ids["가을 산책"]}"]')
    line = card.locator("[data-field=performance]")
    expect(line).to_contain_text("조회수 280")
    expect(line).to_contain_text("61.5%")
    expect(line.locator(".sparkline")).to_have_attribute(
        "aria-label", re.compile(r": (0, ){21}70, 60, 50, 40, 30, 20, 10$")
    )
    expect(line.locator(".sparkline canvas")).to_have_count(1)
    unread = page.locator(f'li.content[data-content-id="{ids["봄 꽃"]}"] [data-field=performance]')
    expect(unread).to_contain_text("조회수 0")
