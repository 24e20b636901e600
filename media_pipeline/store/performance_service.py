"""The owner's view of video performance (docs/ARCHITECTURE.md §13): one video's daily series and totals,
and the channel summary (views per day, top and bottom videos, groups by the task settings that made
them, each with its count)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from media_pipeline.domain import TaskSettings
from media_pipeline.domain.performance import length_bucket
from media_pipeline.domain.publication import PublishTarget
from media_pipeline.store.base import OwnedService
from media_pipeline.store.channels import CHANNEL_FIELD, default_channel
from media_pipeline.store.errors import NotFoundError
from media_pipeline.store.models import Task, UserContent
from media_pipeline.store.performance_models import PerformanceDay, PerformanceFetch
from media_pipeline.store.views import (
    ChannelSummaryView,
    ContentPerformanceView,
    DayViewsView,
    PerformanceDayView,
    PerformanceTotalsView,
    PublicationPerformanceView,
    SettingGroupView,
    VideoPerformanceView,
)

TOP_N = 5
GROUP_SETTINGS = ("type", "length", "voice", "captionPreset", "mediaMode", "style", "firstLineLength")
"""The task settings the summary compares, in order."""


def totals(days: Iterable[PerformanceDay]) -> PerformanceTotalsView:
    """The totals of ``days`` (any publications)."""
    rows = list(days)
    views = sum(row.views for row in rows)
    weighted = [
        (row.average_view_percentage, row.views) for row in rows if row.average_view_percentage is not None
    ]
    weight = sum(count for _, count in weighted)
    return PerformanceTotalsView(
        views=views,
        estimated_minutes_watched=sum(row.estimated_minutes_watched or 0.0 for row in rows),
        average_view_percentage=(
            round(sum(pct * count for pct, count in weighted) / weight, 2) if weight else None
        ),
        likes=sum(row.likes or 0 for row in rows),
        comments=sum(row.comments or 0 for row in rows),
        shares=sum(row.shares or 0 for row in rows),
        subscribers_gained=sum(row.subscribers_gained or 0 for row in rows),
        reach=_sum_reported(row.reach for row in rows),
        saved=_sum_reported(row.saved for row in rows),
    )


def _sum_reported(values: Iterable[int | None]) -> int | None:
    """The sum of the reported values; None when none is."""
    reported = [value for value in values if value is not None]
    return sum(reported) if reported else None


def setting_values(task: Task, first_line_chars: int | None) -> dict[str, str]:
    """The value of each compared setting for a task (``GROUP_SETTINGS``)."""
    settings = TaskSettings.model_validate(task.settings)
    return {
        "type": task.type.value,
        "length": f"{round(settings.duration_s)}s",
        "voice": settings.voice or "default",
        "captionPreset": settings.caption_preset.value,
        "mediaMode": settings.media_mode.value,
        "style": ",".join(style.value for style in settings.styles),
        "firstLineLength": length_bucket(first_line_chars) if first_line_chars is not None else "unknown",
    }


class PerformanceService(OwnedService):
    """Performance of the owner's published videos."""

    def content(self, content_id: str) -> ContentPerformanceView:
        """The daily series and totals of one item; NotFoundError unless it is the owner's."""
        with self._read() as session:
            item = session.scalars(
                select(UserContent)
                .join(Task, Task.id == UserContent.task_id)
                .where(UserContent.id == content_id, *self._owned())
            ).first()
            if item is None:
                raise NotFoundError(f"content {content_id!r} not found", {"contentId": content_id})
            days = session.scalars(
                select(PerformanceDay)
                .where(PerformanceDay.content_id == content_id)
                .order_by(PerformanceDay.day)
            ).all()
            fetches = session.scalars(
                select(PerformanceFetch).where(PerformanceFetch.content_id == content_id)
            ).all()
            publications = [
                PublicationPerformanceView(
                    target=fetch.target,
                    remote_id=fetch.remote_id,
                    fetched_at=fetch.fetched_at,
                    deferred_until=fetch.deferred_until,
                    error=fetch.error,
                    days=[PerformanceDayView.model_validate(d) for d in days if d.target == fetch.target],
                    totals=totals(d for d in days if d.target == fetch.target),
                )
                for fetch in fetches
            ]
            return ContentPerformanceView(
                content_id=item.id,
                task_id=item.task_id,
                title=item.title,
                published_at=item.published_at,
                publications=publications,
                totals=totals(days),
            )

    def summary(
        self, days: int = 28, channel_setting_id: str | None = None, target: str | None = None
    ) -> ChannelSummaryView:
        """The channel summary over the last ``days`` days (today included); with ``target``, only the
        videos followed on that target and only its metrics."""
        until = self.now().date()
        since = until - timedelta(days=days - 1)
        window = [since + timedelta(days=offset) for offset in range(days)]
        with self._read() as session:
            items = self._published(session, channel_setting_id)
            if target is not None:
                items = _on_target(session, items, target)
            rows = session.scalars(
                select(PerformanceDay).where(
                    PerformanceDay.content_id.in_([item.id for item, _, _ in items]),
                    PerformanceDay.day >= since,
                    PerformanceDay.day <= until,
                    *([PerformanceDay.target == target] if target is not None else []),
                )
            ).all()
            by_content: dict[str, list[PerformanceDay]] = defaultdict(list)
            for row in rows:
                by_content[row.content_id].append(row)
            videos = [_video(item, by_content[item.id], window) for item, _, _ in items]
            groups = _groups(
                [
                    (video, setting_values(task, line))
                    for video, (_, task, line) in zip(videos, items, strict=True)
                ],
                by_content,
            )
        ranked = sorted(videos, key=lambda video: (-video.views, video.content_id))
        return ChannelSummaryView(
            since=since,
            until=until,
            target=target,
            views_per_day=[
                DayViewsView(day=day, views=sum(video.daily_views[index] for video in videos))
                for index, day in enumerate(window)
            ],
            videos=videos,
            top=ranked[:TOP_N],
            bottom=ranked[::-1][:TOP_N],
            groups=groups,
        )

    def _published(
        self, session: Session, channel_setting_id: str | None
    ) -> list[tuple[UserContent, Task, int | None]]:
        """The owner's published items on any target (optionally of one channel setting), with their task
        and the length of the first narration line."""
        found = session.execute(
            select(UserContent, Task, PerformanceFetch.first_line_chars)
            .join(Task, Task.id == UserContent.task_id)
            .outerjoin(PerformanceFetch, PerformanceFetch.content_id == UserContent.id)
            .where(
                UserContent.published_at.is_not(None),
                # on YouTube (a URL), or followed on any target (docs/ARCHITECTURE.md §13)
                or_(UserContent.youtube_url.is_not(None), PerformanceFetch.content_id.is_not(None)),
                *self._owned(),
            )
            .order_by(UserContent.published_at, UserContent.id)
        ).all()
        unique = {item.id: (item, task, line) for item, task, line in found}
        if channel_setting_id is None:
            return list(unique.values())
        fallback = default_channel(session, self.owner.workspace_id)
        return [
            entry
            for entry in unique.values()
            if (entry[1].settings.get(CHANNEL_FIELD) or fallback) == channel_setting_id
        ]


def _on_target(
    session: Session, items: list[tuple[UserContent, Task, int | None]], target: str
) -> list[tuple[UserContent, Task, int | None]]:
    """The ``items`` followed on ``target`` (a refresh state for it; on YouTube also an item's URL)."""
    followed = set(
        session.scalars(
            select(PerformanceFetch.content_id).where(
                PerformanceFetch.target == target,
                PerformanceFetch.content_id.in_([item.id for item, _, _ in items]),
            )
        )
    )
    return [
        entry
        for entry in items
        if entry[0].id in followed or (target == PublishTarget.YOUTUBE and entry[0].youtube_url is not None)
    ]


def _video(item: UserContent, rows: list[PerformanceDay], window: list[date]) -> VideoPerformanceView:
    """A video of the summary: totals of its ``rows`` and its views on each day of ``window``."""
    per_day: dict[date, int] = defaultdict(int)
    for row in rows:
        per_day[row.day] += row.views
    total = totals(rows)
    return VideoPerformanceView(
        content_id=item.id,
        task_id=item.task_id,
        title=item.title,
        published_at=item.published_at,
        views=total.views,
        average_view_percentage=total.average_view_percentage,
        daily_views=[per_day[day] for day in window],
    )


def _groups(
    videos: list[tuple[VideoPerformanceView, dict[str, str]]], rows: dict[str, list[PerformanceDay]]
) -> list[SettingGroupView]:
    """One group per (setting, value), settings in ``GROUP_SETTINGS`` order, most viewed value first."""
    members: dict[tuple[str, str], list[VideoPerformanceView]] = defaultdict(list)
    for video, values in videos:
        for setting in GROUP_SETTINGS:
            members[(setting, values[setting])].append(video)
    groups = []
    for (setting, value), group in members.items():
        total = totals(row for video in group for row in rows[video.content_id])
        groups.append(
            SettingGroupView(
                setting=setting,
                value=value,
                count=len(group),
                views=total.views,
                average_views=round(total.views / len(group), 1),
                average_view_percentage=total.average_view_percentage,
            )
        )
    order = {setting: index for index, setting in enumerate(GROUP_SETTINGS)}
    return sorted(groups, key=lambda group: (order[group.setting], -group.views, group.value))
