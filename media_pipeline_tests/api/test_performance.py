"""GET /api/contents/{id}/performance and GET /api/performance/summary over seeded publications and their
daily metrics (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from media_pipeline.store import Owner
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.api.support import assert_error
from media_pipeline_tests.performance_support import publish_video, record_views


def test_content_performance_has_the_daily_series_and_totals(
    api: LiveApi, client: httpx.Client, other_client: httpx.Client, owner: Owner
) -> None:
    now = datetime.now(UTC)
    video = publish_video(api.db_url, owner, "Autumn", "vidA", now - timedelta(days=2))
    days = [video.published_at.date() + timedelta(days=offset) for offset in range(3)]
    record_views(api.db_url, video, {days[0]: 30, days[1]: 10, days[2]: 0}, now, average_view_percentage=50.0)
    record_views(api.db_url, video, {days[1]: 10}, now, average_view_percentage=80.0, likes=3)

    response = client.get(f"/api/contents/{video.content_id}/performance")

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["contentId"], body["taskId"], body["title"]) == (video.content_id, video.task_id, "Autumn")
    [youtube] = body["publications"]
    assert (youtube["target"], youtube["remoteId"], youtube["error"]) == ("youtube", "vidA", None)
    assert [(d["day"], d["views"], d["averageViewPercentage"]) for d in youtube["days"]] == [
        (days[0].isoformat(), 30, 50.0),
        (days[1].isoformat(), 10, 80.0),
        (days[2].isoformat(), 0, 50.0),
    ]
    # 30 views at 50 % and 10 at 80 %: the average is weighted by views
    assert body["totals"]["views"] == 40
    assert body["totals"]["averageViewPercentage"] == 57.5
    assert body["totals"]["likes"] == 3
    assert youtube["fetchedAt"].endswith("Z")

    assert_error(other_client.get(f"/api/contents/{video.content_id}/performance"), 404, "NOT_FOUND")
    assert_error(client.get("/api/contents/nope/performance"), 404, "NOT_FOUND")


def test_the_summary_plots_views_ranks_videos_and_groups_settings_with_counts(
    api: LiveApi, client: httpx.Client, owner: Owner
) -> None:
    now = datetime.now(UTC)
    today = now.date()
    long_voice = publish_video(
        api.db_url, owner, "Long", "v1", now - timedelta(days=5), targetDurationS=60, voice="espeak:en"
    )
    short_a = publish_video(api.db_url, owner, "Short A", "v2", now - timedelta(days=5), targetDurationS=20)
    short_b = publish_video(api.db_url, owner, "Short B", "v3", now - timedelta(days=5), targetDurationS=20)
    unread = publish_video(api.db_url, owner, "Unread", "v4", now - timedelta(hours=1))
    record_views(
        api.db_url, long_voice, {today - timedelta(days=1): 100, today: 20}, now, first_line_chars=80
    )
    record_views(api.db_url, short_a, {today - timedelta(days=1): 5}, now, first_line_chars=12)
    record_views(api.db_url, short_b, {today - timedelta(days=10): 1000, today: 1}, now, first_line_chars=15)

    response = client.get("/api/performance/summary", params={"days": 7})

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["since"], body["until"]) == ((today - timedelta(days=6)).isoformat(), today.isoformat())
    assert len(body["viewsPerDay"]) == 7
    assert [d["views"] for d in body["viewsPerDay"]][-2:] == [105, 21]  # the 1000 views are outside
    by_title = {video["title"]: video for video in body["videos"]}
    assert by_title["Long"]["dailyViews"] == [0, 0, 0, 0, 0, 100, 20]
    assert by_title["Unread"]["views"] == 0
    assert [video["title"] for video in body["top"]] == ["Long", "Short A", "Short B", "Unread"]
    assert body["bottom"][0]["title"] == "Unread"
    groups = {(g["setting"], g["value"]): g for g in body["groups"]}
    assert (groups[("length", "20s")]["count"], groups[("length", "20s")]["views"]) == (2, 6)
    assert (groups[("length", "60s")]["count"], groups[("length", "60s")]["views"]) == (1, 120)
    assert groups[("voice", "espeak:en")]["count"] == 1
    assert groups[("voice", "default")]["count"] == 3
    assert groups[("firstLineLength", "short")]["count"] == 2
    assert groups[("firstLineLength", "long")]["count"] == 1
    assert groups[("firstLineLength", "unknown")]["count"] == 1
    assert groups[("type", "shortform")]["count"] == 4
    assert unread.content_id in {video["contentId"] for video in body["videos"]}


def test_the_summary_counts_items_followed_only_on_tiktok(
    api: LiveApi, client: httpx.Client, owner: Owner
) -> None:
    now = datetime.now(UTC)
    reel = publish_video(api.db_url, owner, "Only TikTok", "7001", now - timedelta(days=1), target="tiktok")
    never_read = publish_video(api.db_url, owner, "Unread", "7002", now - timedelta(days=1), target="tiktok")
    record_views(api.db_url, reel, {now.date(): 12}, now)

    body = client.get("/api/performance/summary", params={"days": 7}).json()

    assert [(video["title"], video["views"]) for video in body["videos"]] == [("Only TikTok", 12)]
    assert never_read.content_id not in {video["contentId"] for video in body["videos"]}
    [series] = client.get(f"/api/contents/{reel.content_id}/performance").json()["publications"]
    assert (series["target"], series["remoteId"], series["days"][0]["views"]) == ("tiktok", "7001", 12)


def test_the_summary_of_one_target_has_only_its_videos_and_metrics(
    api: LiveApi, client: httpx.Client, owner: Owner
) -> None:
    now = datetime.now(UTC)
    today, yesterday = now.date(), now.date() - timedelta(days=1)
    both = publish_video(api.db_url, owner, "Both", "v1", now - timedelta(days=3))
    reel = publish_video(api.db_url, owner, "Reel", "1801", now - timedelta(days=1), target="instagram")
    record_views(api.db_url, both, {today: 10}, now)
    record_views(
        api.db_url, replace(both, target="tiktok", remote_id="7001"), {yesterday: 50, today: 100}, now
    )
    record_views(api.db_url, reel, {today: 7}, now, reach=5, saved=1)

    def summary(**params: str) -> dict[str, Any]:
        response = client.get("/api/performance/summary", params={"days": "7", **params})
        assert response.status_code == 200, response.text
        return dict(response.json())

    every = summary()
    assert every["target"] is None and [d["views"] for d in every["viewsPerDay"]][-2:] == [50, 117]
    expected = {
        "youtube": ([("Both", 10)], [0, 10]),
        "tiktok": ([("Both", 150)], [50, 100]),
        "instagram": ([("Reel", 7)], [0, 7]),
    }
    for target, (videos, last_days) in expected.items():
        body = summary(target=target)
        assert body["target"] == target
        assert [(video["title"], video["views"]) for video in body["videos"]] == videos
        assert [d["views"] for d in body["viewsPerDay"]][-2:] == last_days
        assert sum(group["count"] for group in body["groups"] if group["setting"] == "type") == len(videos)
    for unknown in ("local", "facebook", ""):
        assert_error(
            client.get("/api/performance/summary", params={"target": unknown}), 422, "VALIDATION_ERROR"
        )


def test_summary_bad_input_is_refused(client: httpx.Client) -> None:
    assert_error(client.get("/api/performance/summary", params={"days": 0}), 422, "VALIDATION_ERROR")
    assert_error(client.get("/api/performance/summary", params={"days": 400}), 422, "VALIDATION_ERROR")
    assert_error(
        client.get("/api/performance/summary", params={"channelSettingId": "../x"}), 422, "VALIDATION_ERROR"
    )
    assert client.get("/api/performance/summary").json()["videos"] == []


def test_more_like_this_makes_a_library_item_whose_draft_has_the_settings(
    api: LiveApi, client: httpx.Client, other_client: httpx.Client, owner: Owner
) -> None:
    video = publish_video(
        api.db_url,
        owner,
        "Autumn",
        "vidA",
        datetime.now(UTC) - timedelta(days=1),
        voice="espeak:en",
        captionPreset="shorts",
        targetDurationS=20,
        publishAt="2030-01-01T00:00:00Z",
    )

    created = client.post(f"/api/contents/{video.content_id}/more-like-this")

    assert created.status_code == 201, created.text
    item = created.json()
    assert (item["title"], item["type"]) == ("Autumn", "shortform")
    assert item["settings"]["voice"] == "espeak:en"
    assert "publishAt" not in item["settings"]
    queue = client.get("/api/queue").json()
    added = client.post(
        f"/api/queue/{queue['id']}/jobs", json={"assetIds": [item["id"]], "version": queue["version"]}
    )
    assert added.status_code in (200, 201), added.text
    [draft] = added.json()["jobs"]
    settings = client.get(f"/api/v1/videos/{draft['id']}").json()["settings"]
    assert (settings["voice"], settings["captionPreset"], settings["targetDurationS"]) == (
        "espeak:en",
        "shorts",
        20.0,
    )
    assert_error(other_client.post(f"/api/contents/{video.content_id}/more-like-this"), 404, "NOT_FOUND")
