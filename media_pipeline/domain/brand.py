"""A channel's brand kit (docs/ARCHITECTURE.md §9, "Brand kits"): caption font, colours and preset, a logo
watermark, intro and outro clips and a thumbnail layout, applied to every task of the channel. The kit's
files live in the task storage under channel-scoped keys derived here, never from client input."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from media_pipeline.domain.models import CaptionPreset

HEX_COLOUR = r"^#[0-9A-Fa-f]{6}$"
Colour = Annotated[str, Field(pattern=HEX_COLOUR, description="#RRGGBB")]


class BrandFile(StrEnum):
    """The files a brand kit may hold; the value is the stored object's base name."""

    FONT = "font"
    LOGO = "logo"
    INTRO = "intro"
    OUTRO = "outro"


class Corner(StrEnum):
    """Where the logo watermark sits."""

    TOP_LEFT = "top-left"
    TOP_RIGHT = "top-right"
    BOTTOM_LEFT = "bottom-left"
    BOTTOM_RIGHT = "bottom-right"


class ThumbnailLayout(StrEnum):
    """Named thumbnail layouts (``media/thumbnail.py``): where the title band sits."""

    BAND = "band"
    TOP = "top"
    BOTTOM = "bottom"


class _Camel(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class LogoPlacement(_Camel):
    """The logo watermark: corner, width as a percentage of the frame's width, opacity 0..1."""

    corner: Corner = Corner.TOP_RIGHT
    width_pct: Annotated[float, Field(ge=3, le=40)] = Field(default=15.0, alias="widthPct")
    opacity: Annotated[float, Field(ge=0.05, le=1.0)] = 0.8


class StoredBrandFile(_Camel):
    """A stored kit file: its storage key (derived by :func:`brand_key`), byte size and what it is
    (a font's family name, a logo's ``png``/``jpeg``, a clip's duration)."""

    key: str
    size: int
    family: str | None = None
    image_format: str | None = Field(default=None, alias="imageFormat")
    duration_s: float | None = Field(default=None, alias="durationS")


class BrandKit(_Camel):
    """A channel's look. ``caption_preset`` None keeps each task's own preset."""

    text_colour: Colour = Field(default="#FFFFFF", alias="textColour")
    highlight_colour: Colour = Field(default="#FFD700", alias="highlightColour")
    outline_colour: Colour = Field(default="#000000", alias="outlineColour")
    caption_preset: CaptionPreset | None = Field(default=None, alias="captionPreset")
    logo_placement: LogoPlacement = Field(default=LogoPlacement(), alias="logoPlacement")
    thumbnail_layout: ThumbnailLayout = Field(default=ThumbnailLayout.BAND, alias="thumbnailLayout")
    files: dict[BrandFile, StoredBrandFile] = Field(
        default={}, description="Uploaded files (set by the upload endpoints, read-only here)."
    )

    def file_key(self, kind: BrandFile) -> str | None:
        """The storage key of the kit's ``kind`` file, if uploaded."""
        stored = self.files.get(kind)
        return stored.key if stored else None


def brand_prefix(channel_setting_id: str) -> str:
    """The storage folder of a channel's brand kit files."""
    return f"channels/{channel_setting_id}/brand"


def brand_key(channel_setting_id: str, kind: BrandFile, extension: str) -> str:
    """The storage key of a kit file (``extension`` chosen by the server from the sniffed type)."""
    return f"{brand_prefix(channel_setting_id)}/{kind.value}.{extension}"
