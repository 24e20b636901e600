"""Pydantic models for a task's settings and for the script document ``story.json``."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    field_validator,
    model_validator,
)

from media_pipeline.domain.image_plan import (
    MAX_IMAGES,
    ImageMode,
    PlannedImage,
    Role,
    default_roles,
    plan_images,
)
from media_pipeline.domain.music import MOOD_PATTERN, MUSIC_TRACK_ID_PATTERN
from media_pipeline.domain.voice import DEFAULT_PROVIDER, VoiceRef, parse_voice

TASK_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
_TASK_ID_RE = re.compile(TASK_ID_PATTERN)
CHANNEL_ID_PATTERN = r"^c[0-9a-f]{12}$"
"""Channel setting ids (``c`` + 12 hex digits; also the name of the channel's token file)."""


class VideoType(StrEnum):
    """Kind of video; decides the canvas orientation and default length."""

    SHORTFORM = "shortform"
    LONGFORM = "longform"
    PRODUCT = "product"


class MediaMode(StrEnum):
    """Where scene images come from (``local`` renders them with Pillow, offline; ``stock`` searches stock
    video clips on Pexels and Pixabay, docs/ARCHITECTURE.md §8)."""

    LOCAL = "local"
    UPLOAD = "upload"
    CRAWL = "crawl"
    DALLE3 = "dalle3"
    IMAGEN3 = "imagen3"
    SORA2 = "sora2"
    STOCK = "stock"


CLIP_MODES = frozenset({MediaMode.SORA2, MediaMode.STOCK, MediaMode.UPLOAD})
"""The mediaModes whose scenes can show a clip (generated, stock, uploaded)."""


class SceneMedia(StrEnum):
    """What a scene shows: a still image (with Ken Burns motion) or a video clip."""

    STILL = "still"
    CLIP = "clip"


class Language(StrEnum):
    """Narration/subtitle language (espeak-ng voice by default)."""

    KO = "ko"
    EN = "en"
    JA = "ja"
    ZH = "zh"
    ES = "es"
    FR = "fr"
    DE = "de"


class Privacy(StrEnum):
    """YouTube privacy status."""

    PUBLIC = "public"
    UNLISTED = "unlisted"
    PRIVATE = "private"


class ImageStyle(StrEnum):
    """Background styles of locally rendered scene images."""

    SUNSET = "sunset"
    OCEAN = "ocean"
    FOREST = "forest"
    NEON = "neon"
    MONO = "mono"
    PASTEL = "pastel"


class CaptionPreset(StrEnum):
    """How burned-in captions look: ``classic`` small bottom subtitles, ``shorts`` large centred captions
    with the spoken word highlighted (docs/ARCHITECTURE.md §9)."""

    CLASSIC = "classic"
    SHORTS = "shorts"


DEFAULT_DURATION_S = {VideoType.SHORTFORM: 30.0, VideoType.LONGFORM: 60.0, VideoType.PRODUCT: 30.0}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class ProductInfo(_Strict):
    """What a product video advertises."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=2000)] = ""
    price: Annotated[str, Field(max_length=50)] = ""
    features: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=10)] = []
    url: HttpUrl | None = None


class SyntheticMediaOverride(_Strict):
    """The creator's own ``containsSyntheticMedia`` declaration and why (replaces the derived value)."""

    contains: bool
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]


class ReviewSettings(_Strict):
    """Human reviews a task waits for (docs/ARCHITECTURE.md §4, reviews): the storyboard (each scene's
    narration and image) after the images stage, and the rendered video before publishing."""

    storyboard: bool = False
    final: bool = False


class InteractionSettings(_Strict):
    """What viewers may do with the post on platforms that ask (TikTok: comments, duets, stitches)."""

    comments: bool = True
    duet: bool = True
    stitch: bool = True


class TaskSettings(_Strict):
    """Options of one video task; JSON uses camelCase aliases (``mediaMode``), Python snake_case."""

    type: VideoType = VideoType.SHORTFORM
    media_mode: MediaMode = Field(default=MediaMode.LOCAL, alias="mediaMode")
    language: Language = Language.KO
    voice: Annotated[str, Field(max_length=80)] | None = Field(
        default=None,
        description="Narration voice: 'provider:voice' (espeak:ko, openai:alloy, google:ko-KR-Neural2-A), a "
        "provider name for its default voice, or a bare espeak-ng voice; default: the configured provider "
        "with the language's voice.",
    )
    target_duration_s: Annotated[float, Field(ge=5, le=600)] | None = Field(
        default=None, alias="targetDurationS", description="Default: 30 s short/product, 60 s long."
    )
    image_count: Annotated[int, Field(ge=1, le=MAX_IMAGES)] = Field(
        default=5, alias="imageCount", description="BATCH: the number of images (= scenes)."
    )
    image_mode: ImageMode = Field(
        default=ImageMode.BATCH,
        alias="imageMode",
        description="BATCH: exactly imageCount images, round-robin over styles × roles; "
        "SINGLE: styles × roles.",
    )
    styles: Annotated[list[ImageStyle], Field(min_length=1, max_length=6)] = [ImageStyle.SUNSET]
    roles: Annotated[list[Role], Field(max_length=10)] = Field(
        default=[],
        description="Who or what the images show; default: product and presenter (product videos), "
        "else the scene's subject.",
    )
    privacy: Privacy = Privacy.PRIVATE
    publish_at: AwareDatetime | None = Field(default=None, alias="publishAt")
    channel_setting_id: Annotated[str, Field(pattern=CHANNEL_ID_PATTERN, max_length=64)] | None = Field(
        default=None,
        alias="channelSettingId",
        description="YouTube channel setting to publish to (default: the server's token file).",
    )
    interactions: InteractionSettings = Field(
        default=InteractionSettings(),
        description="Allow comments, duets and stitches where the platform asks (TikTok).",
    )
    music: bool = False
    clip_audio: bool = Field(
        default=False,
        alias="clipAudio",
        description="Mix the clips' own sound under the narration (ducked like music), not dropping it.",
    )
    music_mood: Annotated[str, Field(pattern=MOOD_PATTERN)] | None = Field(
        default=None,
        alias="musicMood",
        description="With music: a library track tagged with this mood (chosen per task); default: the "
        "generated pad.",
    )
    music_track_id: Annotated[str, Field(pattern=MUSIC_TRACK_ID_PATTERN)] | None = Field(
        default=None, alias="musicTrackId", description="With music: this library track."
    )
    image_urls: Annotated[list[HttpUrl], Field(max_length=30)] = Field(default=[], alias="imageUrls")
    requires_approval: bool = Field(default=False, alias="requiresApproval")
    review: ReviewSettings = Field(
        default=ReviewSettings(),
        description="Wait for a storyboard review after the images and/or a final review before publishing.",
    )
    tags: Annotated[list[Annotated[str, Field(max_length=60)]], Field(max_length=30)] = []
    render_height: Annotated[int, Field(ge=144, le=2160, multiple_of=2)] | None = Field(
        default=None,
        alias="renderHeight",
        description="Output height in px; default 1920 (vertical) or 1080 (landscape). For previews/tests.",
    )
    fps: Annotated[int, Field(ge=10, le=60)] = 30
    caption_preset: CaptionPreset = Field(default=CaptionPreset.CLASSIC, alias="captionPreset")
    made_for_kids: bool | None = Field(
        default=None,
        alias="madeForKids",
        description="Sent as YouTube's selfDeclaredMadeForKids; unset: the channel's setting, else false.",
    )
    synthetic_media: SyntheticMediaOverride | None = Field(
        default=None,
        alias="syntheticMedia",
        description="Overrides the derived containsSyntheticMedia flag, with a recorded reason.",
    )

    @field_validator("voice")
    @classmethod
    def _check_voice(cls, value: str | None) -> str | None:
        parse_voice(value)
        return value

    @model_validator(mode="after")
    def _check_mode_inputs(self) -> Self:
        if self.media_mode is MediaMode.CRAWL and not self.image_urls:
            raise ValueError("mediaMode 'crawl' needs at least one URL in imageUrls")
        if self.music_mood is not None and self.music_track_id is not None:
            raise ValueError("choose music by musicMood or by musicTrackId, not both")
        if self.image_mode is ImageMode.SINGLE and len(self.styles) * len(self.effective_roles) > MAX_IMAGES:
            raise ValueError(f"imageMode 'SINGLE' makes styles × roles images: at most {MAX_IMAGES}")
        return self

    @property
    def effective_roles(self) -> list[str]:
        """The roles the images show (``roles``, or the video type's default)."""
        return list(self.roles) or list(default_roles(self.type is VideoType.PRODUCT))

    @property
    def image_plan(self) -> list[PlannedImage]:
        """The (style, role) of each image = scene, in order (seed 003 §6)."""
        styles = [style.value for style in self.styles]
        return plan_images(self.image_mode, styles, self.effective_roles, self.image_count)

    @property
    def scene_count(self) -> int:
        """How many scenes (= images) the script has."""
        return len(self.image_plan)

    @property
    def vertical(self) -> bool:
        """True for 9:16 output (shortform and product)."""
        return self.type is not VideoType.LONGFORM

    @property
    def resolution(self) -> tuple[int, int]:
        """(width, height) of the rendered video, both even."""
        if self.vertical:
            height = self.render_height or 1920
            width = height * 9 // 16
        else:
            height = self.render_height or 1080
            width = height * 16 // 9
        return width - width % 2, height

    @property
    def duration_s(self) -> float:
        """Target duration in seconds."""
        return self.target_duration_s or DEFAULT_DURATION_S[self.type]

    def voice_ref(self, default_provider: str = DEFAULT_PROVIDER) -> VoiceRef:
        """The narration provider and voice (``default_provider``'s default voice when ``voice`` is unset)."""
        return parse_voice(self.voice, default_provider)

    def merged(self, partial: dict[str, Any]) -> TaskSettings:
        """A copy with ``partial`` (camelCase or snake_case keys) merged in and validated."""
        data = self.model_dump(mode="json", by_alias=True)
        data.update(partial)
        return TaskSettings.model_validate(data)


class TaskSpec(_Strict):
    """Everything a run needs to produce one task's video (snapshotted to ``task.json`` per generation)."""

    task_id: Annotated[str, Field(pattern=TASK_ID_PATTERN)]
    title: Annotated[str, Field(min_length=1, max_length=100)]
    generation: Annotated[int, Field(ge=1)] = 1
    settings: TaskSettings = TaskSettings()
    product: ProductInfo | None = None
    description: Annotated[str, Field(max_length=5000)] = ""
    created_at: datetime | None = None

    @field_validator("title")
    @classmethod
    def _strip_title(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("title must not be blank")
        return value

    @model_validator(mode="after")
    def _product_needs_info(self) -> Self:
        if self.settings.type is VideoType.PRODUCT and self.product is None:
            raise ValueError("type 'product' needs product info (product.name)")
        return self


class Scene(_Strict):
    """One scene: a narration passage shown over one image with a caption."""

    index: Annotated[int, Field(ge=0)]
    narration: Annotated[str, Field(min_length=1, max_length=6000)]
    caption: Annotated[str, Field(max_length=120)] = ""
    image_prompt: Annotated[str, Field(max_length=1000)] = ""
    style: ImageStyle = ImageStyle.SUNSET
    role: Annotated[str, Field(max_length=40)] = ""
    media: SceneMedia = SceneMedia.CLIP
    """A clip when the mediaMode gives one (sora2, stock, an uploaded clip); ``still`` keeps the image."""
    keywords: Annotated[list[Annotated[str, Field(min_length=1, max_length=40)]], Field(max_length=8)] = []
    """Search words for stock clips (else the caption, then the image prompt)."""


class Script(_Strict):
    """The script document written to ``story.json``."""

    title: Annotated[str, Field(min_length=1, max_length=100)]
    language: Language
    description: Annotated[str, Field(max_length=5000)] = ""
    tags: list[str] = []
    scenes: Annotated[list[Scene], Field(min_length=1, max_length=30)]

    @model_validator(mode="after")
    def _indexes_in_order(self) -> Self:
        if [s.index for s in self.scenes] != list(range(len(self.scenes))):
            raise ValueError("scene indexes must be 0..n-1 in order")
        return self


def is_valid_task_id(task_id: str) -> bool:
    """True if ``task_id`` is safe as a partition key and a folder name."""
    return bool(_TASK_ID_RE.fullmatch(task_id))
