"""How published videos did (docs/ARCHITECTURE.md §13): one item's daily series and totals, and the channel
summary (views per day, top and bottom videos, groups by task settings with counts); "more like this"
makes a library item with a video's task settings."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from media_pipeline.api.deps import Context, ReadOwner, WriteOwner
from media_pipeline.api.errors import responses
from media_pipeline.api.library import item_out
from media_pipeline.api.schemas_library import LibraryItem
from media_pipeline.api.schemas_performance import ChannelSummary, ContentPerformance
from media_pipeline.domain.models import CHANNEL_ID_PATTERN
from media_pipeline.store import ChannelSummaryView, ContentPerformanceView

MetricTarget = Literal["youtube", "tiktok", "instagram"]
"""The publish targets with metrics (docs/ARCHITECTURE.md §13; the local folder has none)."""

router = APIRouter(tags=["performance"], responses=responses(400, 401, 403, 422))


@router.get(
    "/api/contents/{contentId}/performance",
    response_model=ContentPerformance,
    responses=responses(404),
    summary="A published item's metrics per day and target, with totals",
)
def content_performance(
    content_id: Annotated[str, Path(alias="contentId", max_length=64)], context: Context, owner: ReadOwner
) -> ContentPerformanceView:
    return context.performance(owner).content(content_id)


@router.get(
    "/api/performance/summary",
    response_model=ChannelSummary,
    summary="Views per day, top and bottom videos and groups by task settings over the last days",
)
def channel_summary(
    context: Context,
    owner: ReadOwner,
    days: Annotated[int, Query(ge=1, le=365, description="Window length in days, today included.")] = 28,
    channel_setting_id: Annotated[
        str | None, Query(alias="channelSettingId", pattern=CHANNEL_ID_PATTERN, max_length=64)
    ] = None,
    target: Annotated[
        MetricTarget | None, Query(description="Only this target's videos and metrics (default: all).")
    ] = None,
) -> ChannelSummaryView:
    return context.performance(owner).summary(days, channel_setting_id, target)


@router.post(
    "/api/contents/{contentId}/more-like-this",
    status_code=201,
    responses=responses(404),
    summary="A new library item with the title, type and task settings of the item's video",
)
def more_like_this(
    content_id: Annotated[str, Path(alias="contentId", max_length=64)], context: Context, owner: WriteOwner
) -> LibraryItem:
    return item_out(context.library(owner).library.like_content(content_id), [])
