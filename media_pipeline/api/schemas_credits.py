"""Bodies of the credits and image-job routes (camelCase JSON over the store's read models)."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from media_pipeline.api.schemas import ApiModel, UtcTimes
from media_pipeline.domain.image_plan import ImageMode, Role, default_roles
from media_pipeline.domain.models import ImageStyle, MediaMode, VideoType
from media_pipeline.store import (
    CreditBalanceView,
    CreditUsageView,
    EstimateView,
    ImageJobView,
    LedgerEntryView,
    PaidImageView,
)

_CAMEL = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class CreditBalance(CreditBalanceView):
    """The workspace's spendable credits and the credits its images in flight hold."""

    model_config = _CAMEL


class CreditUsage(CreditUsageView):
    """What one video's paid images cost: ``consumed`` (images made) and ``reserved`` (still in flight)."""

    model_config = _CAMEL


class LedgerEntry(UtcTimes, LedgerEntryView):
    """One credit movement: ``amount`` credits (positive) in the direction of ``kind`` (grant +, reserve -,
    refund +, consume: a reserved credit spent, balance unchanged)."""

    model_config = _CAMEL


class ImageTask(UtcTimes, PaidImageView):
    """One image of a paid render job; ``url`` downloads it once COMPLETED."""

    model_config = _CAMEL


class ImageJob(UtcTimes, ImageJobView):
    """The paid images of one render job (``id`` = ``{videoId}-g{generation}``) with per-image progress."""

    model_config = _CAMEL
    tasks: list[ImageTask]  # type: ignore[assignment]


class Estimate(EstimateView):
    """What a generation makes and costs, e.g. ``4 styles × 2 roles = 8 images · 8 credits``."""

    model_config = _CAMEL


class EstimateRequest(ApiModel):
    """``SINGLE``: every style × role combination; ``BATCH``: exactly ``totalImages``, round-robin. Without
    ``roles`` the video ``type``'s default roles count (product videos: product and presenter)."""

    mode: ImageMode = ImageMode.SINGLE
    media_mode: MediaMode = MediaMode.DALLE3
    type: VideoType = VideoType.SHORTFORM
    styles: Annotated[list[ImageStyle], Field(min_length=1, max_length=6)]
    roles: Annotated[list[Role], Field(max_length=10)] = Field(default_factory=list)
    total_images: Annotated[int, Field(ge=1, le=30)] | None = None

    @property
    def effective_roles(self) -> list[str]:
        """The roles to count (``roles`` or the type's default)."""
        return list(self.roles) or list(default_roles(self.type is VideoType.PRODUCT))


class GrantRequest(ApiModel):
    """Credits to add to a workspace."""

    workspace_id: Annotated[str, Field(min_length=1, max_length=64)]
    amount: Annotated[int, Field(ge=1, le=1_000_000_000)]
    note: Annotated[str, Field(max_length=500)] = ""


class GrantResult(ApiModel):
    """The workspace's balance after the grant."""

    workspace_id: str
    granted: int
    balance: int
