"""Bodies of the performance routes: camelCase JSON over the store's read models (docs/ARCHITECTURE.md
§13)."""

from __future__ import annotations

from pydantic import ConfigDict
from pydantic.alias_generators import to_camel

from media_pipeline.api.schemas import UtcTimes
from media_pipeline.store import (
    ChannelSummaryView,
    ContentPerformanceView,
    DayViewsView,
    PerformanceDayView,
    PerformanceTotalsView,
    PublicationPerformanceView,
    SettingGroupView,
    VideoPerformanceView,
)

_CAMEL = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class PerformanceDay(PerformanceDayView):
    """One day of a publication's metrics."""

    model_config = _CAMEL


class PerformanceTotals(PerformanceTotalsView):
    """Sums over days (average view percentage weighted by views)."""

    model_config = _CAMEL


class PublicationPerformance(UtcTimes, PublicationPerformanceView):
    """One target's daily series of a video and its refresh state."""

    model_config = _CAMEL

    days: list[PerformanceDay]  # type: ignore[assignment]  # the wire subclass of the view's items
    totals: PerformanceTotals  # the wire subclass of the view's item


class ContentPerformance(UtcTimes, ContentPerformanceView):
    """A published item's performance on every target."""

    model_config = _CAMEL

    publications: list[PublicationPerformance]  # type: ignore[assignment]  # the wire subclass of the view's items
    totals: PerformanceTotals  # the wire subclass of the view's item


class VideoPerformance(UtcTimes, VideoPerformanceView):
    """A video's totals over the summary's window and its views per day."""

    model_config = _CAMEL


class DayViews(DayViewsView):
    """The views of one day."""

    model_config = _CAMEL


class SettingGroup(SettingGroupView):
    """Videos sharing one value of one task setting, with their count."""

    model_config = _CAMEL


class ChannelSummary(ChannelSummaryView):
    """Views per day, top and bottom videos and the setting groups over a window."""

    model_config = _CAMEL

    views_per_day: list[DayViews]  # type: ignore[assignment]  # the wire subclass of the view's items
    videos: list[VideoPerformance]  # type: ignore[assignment]  # the wire subclass of the view's items
    top: list[VideoPerformance]  # type: ignore[assignment]  # the wire subclass of the view's items
    bottom: list[VideoPerformance]  # type: ignore[assignment]  # the wire subclass of the view's items
    groups: list[SettingGroup]  # type: ignore[assignment]  # the wire subclass of the view's items
