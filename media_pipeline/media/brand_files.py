"""Checks of uploaded brand kit files (docs/ARCHITECTURE.md §9, "Brand kits"): a real TTF/OTF font that
maps every KS X 1001 Hangul syllable, a real PNG/JPEG logo, a short video clip for the intro/outro."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont, TTLibError
from PIL import Image, ImageFont, UnidentifiedImageError

from media_pipeline.errors import PermanentError
from media_pipeline.media.probe import probe
from media_pipeline.processes import ProcessFailed

MAX_LOGO_SIDE = 4096
MAX_CLIP_S = 15.0
# sfnt version tags: TrueType outlines (``\0\1\0\0`` or ``true``) and CFF outlines (``OTTO``).
FONT_EXTENSIONS = {"\x00\x01\x00\x00": "ttf", "true": "ttf", "OTTO": "otf"}
LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg"}


class BrandFileInvalid(PermanentError):
    """An uploaded brand kit file is not what it claims (the message says what is wrong)."""

    code = "BRAND_FILE_INVALID"


@dataclass(frozen=True)
class CheckedFont:
    """A font that passed :func:`check_font`: its family name and file extension."""

    family: str
    extension: str


@cache
def ks_x_1001_syllables() -> str:
    """The 2,350 Hangul syllables of KS X 1001 (EUC-KR rows 0xB0-0xC8, cells 0xA1-0xFE)."""
    return "".join(
        bytes([row, cell]).decode("euc-kr") for row in range(0xB0, 0xC9) for cell in range(0xA1, 0xFF)
    )


def check_font(data: bytes) -> CheckedFont:
    """The family and extension of a TTF/OTF font; :class:`BrandFileInvalid` for anything that is not a
    single font (collections included), has no family name, or lacks any KS X 1001 Hangul syllable."""
    try:
        font = TTFont(io.BytesIO(data), lazy=True)
        extension = FONT_EXTENSIONS.get(font.sfntVersion)
        cmap = font.getBestCmap() or {}
        family = font["name"].getBestFamilyName() if "name" in font else None
        ImageFont.truetype(io.BytesIO(data), 12)  # FreeType (what libass draws with) opens it too
    except (TTLibError, OSError, KeyError, AssertionError, ValueError) as exc:
        raise BrandFileInvalid("the file is not a TrueType/OpenType font (.ttf or .otf)") from exc
    if extension is None:
        raise BrandFileInvalid("the file is not a TrueType/OpenType font (.ttf or .otf)")
    if not family:
        raise BrandFileInvalid("the font has no family name")
    missing = [char for char in ks_x_1001_syllables() if ord(char) not in cmap]
    if missing:
        total = len(ks_x_1001_syllables())
        raise BrandFileInvalid(
            f"the font lacks Hangul: {len(missing)} of the {total} KS X 1001 syllables have no glyph "
            f"(e.g. {' '.join(missing[:5])}); choose a font with full Korean coverage"
        )
    return CheckedFont(family=family, extension=extension)


def check_logo(data: bytes) -> str:
    """The file extension (``png``/``jpg``) of a PNG or JPEG logo; :class:`BrandFileInvalid` otherwise."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            kind, size = image.format, image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise BrandFileInvalid("the logo is not a PNG or JPEG image") from exc
    extension = LOGO_FORMATS.get(kind or "")
    if extension is None:
        raise BrandFileInvalid(f"the logo is {kind}, not PNG or JPEG")
    if max(size) > MAX_LOGO_SIDE:
        raise BrandFileInvalid(f"the logo is {size[0]}x{size[1]}; at most {MAX_LOGO_SIDE} px a side")
    return extension


def check_clip(path: Path) -> float:
    """The duration of an intro/outro clip with a video stream, at most :data:`MAX_CLIP_S` long;
    :class:`BrandFileInvalid` otherwise."""
    try:
        described = probe(path)
    except (ProcessFailed, PermanentError, ValueError) as exc:
        raise BrandFileInvalid("the clip is not a video ffprobe can read") from exc
    if not any(stream.get("codec_type") == "video" for stream in described.get("streams", [])):
        raise BrandFileInvalid("the clip has no video stream")
    try:
        duration = float(described.get("format", {}).get("duration", 0))
    except (TypeError, ValueError):
        duration = 0.0
    if not 0 < duration <= MAX_CLIP_S:
        raise BrandFileInvalid(
            f"the clip lasts {duration:.1f} s; it must be longer than 0 and at most {MAX_CLIP_S:g} s"
        )
    return duration
