"""YouTube thumbnail: a scene image cover-cropped to 1280x720 (or 720x1280) with a big outlined title in a
blurred band placed by the layout (a brand kit's, docs/ARCHITECTURE.md §9 "Brand kits")."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageOps

from media_pipeline.domain.brand import ThumbnailLayout
from media_pipeline.errors import PermanentError
from media_pipeline.fsutil import write_bytes_atomic
from media_pipeline.media.textdraw import draw_block, fit_text, translucent_box

LANDSCAPE = (1280, 720)
VERTICAL = (720, 1280)
MAX_BYTES = 2 * 1024 * 1024
"""YouTube's size limit of a custom thumbnail (``thumbnails.set``)."""
QUALITIES = (92, 85, 78, 70, 60, 50, 40, 30)
# The title band's centre as a fraction of the height, (vertical, landscape), per layout.
BAND_CENTRE = {
    ThumbnailLayout.BAND: (0.5, 0.62),
    ThumbnailLayout.TOP: (0.2, 0.25),
    ThumbnailLayout.BOTTOM: (0.8, 0.78),
}


def encode_jpeg(image: Image.Image, max_bytes: int = MAX_BYTES) -> bytes:
    """JPEG bytes of ``image`` at the highest quality in :data:`QUALITIES` that fits ``max_bytes``."""
    for quality in QUALITIES:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)
        if buffer.tell() <= max_bytes:
            return buffer.getvalue()
    raise PermanentError(f"thumbnail does not fit {max_bytes} bytes even at JPEG quality {QUALITIES[-1]}")


def make_thumbnail(
    image: Path,
    title: str,
    out: Path,
    *,
    vertical: bool,
    font: Path,
    max_bytes: int = MAX_BYTES,
    layout: ThumbnailLayout = ThumbnailLayout.BAND,
) -> Path:
    """Write a JPEG thumbnail (≤ ``max_bytes``, 2 MB by default; atomically) from a scene ``image`` with
    ``title`` drawn large in the ``layout``'s band."""
    size = VERTICAL if vertical else LANDSCAPE
    width, height = size
    with Image.open(image) as source:
        canvas = ImageOps.fit(source.convert("RGB"), size, method=Image.Resampling.LANCZOS)
    unit = min(width, height)
    block = fit_text(
        title,
        font,
        max_width=width * 0.88,
        max_lines=3,
        start_size=round(unit * 0.16),
        min_size=round(unit * 0.06),
        stroke_ratio=0.08,
    )
    centre_y = height * BAND_CENTRE[layout][0 if vertical else 1]
    top = centre_y - block.height / 2
    pad = unit * 0.04
    band = (0, round(top - pad), width, round(top + block.height + pad))
    # Blur and darken the band so text baked into the scene image does not show through the title.
    canvas.paste(canvas.crop(band).filter(ImageFilter.GaussianBlur(unit * 0.03)), band[:2])
    canvas = translucent_box(canvas, band, radius=0, fill=(0, 0, 0, 150))
    draw_block(ImageDraw.Draw(canvas), block, width / 2, top, fill=(255, 255, 255), stroke_fill=(0, 0, 0))
    return write_bytes_atomic(out, encode_jpeg(canvas.convert("RGB"), max_bytes))
