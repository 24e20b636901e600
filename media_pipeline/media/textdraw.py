"""Fitting and drawing wrapped text with Pillow (pixel-measured, CJK-aware) for scenes and thumbnails."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from media_pipeline.media.text import wrap_measured

Color = tuple[int, int, int] | tuple[int, int, int, int]
LINE_SPACING = 1.2


@lru_cache(maxsize=64)
def load_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    """A cached FreeType font of ``size`` pixels."""
    return ImageFont.truetype(str(path), size)


@dataclass(frozen=True)
class TextBlock:
    """Wrapped lines of text in one font, ready to draw."""

    font: ImageFont.FreeTypeFont
    lines: list[str]
    stroke: int

    @property
    def line_height(self) -> int:
        """Distance between baselines in pixels."""
        ascent, descent = self.font.getmetrics()
        return round((ascent + descent) * LINE_SPACING)

    @property
    def height(self) -> int:
        """Height of the whole block in pixels."""
        return self.line_height * len(self.lines) + 2 * self.stroke

    @property
    def width(self) -> int:
        """Width of the widest line in pixels."""
        return max((round(self.font.getlength(line)) for line in self.lines), default=0) + 2 * self.stroke


def _ellipsize(line: str, font: ImageFont.FreeTypeFont, max_width: float) -> str:
    while line and font.getlength(line + "…") > max_width:
        line = line[:-1]
    return line.rstrip() + "…"


def fit_text(
    text: str,
    font_path: Path,
    *,
    max_width: float,
    max_lines: int,
    start_size: int,
    min_size: int,
    stroke_ratio: float = 0.06,
) -> TextBlock:
    """Wrap ``text`` with the largest font size (from ``start_size`` down) that fits ``max_lines`` lines.

    At ``min_size`` the text is cut to ``max_lines`` lines and ends with an ellipsis.
    """
    size = max(start_size, min_size)
    while True:
        font = load_font(font_path, size)
        stroke = max(1, round(size * stroke_ratio))
        lines = wrap_measured(text, max_width - 2 * stroke, font.getlength)
        fits = len(lines) <= max_lines and all(
            font.getlength(line) <= max_width - 2 * stroke for line in lines
        )
        if fits or size <= min_size:
            break
        size = max(min_size, int(size * 0.92))
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _ellipsize(lines[max_lines - 1], font, max_width - 2 * stroke)]
    return TextBlock(font=font, lines=lines, stroke=stroke)


def draw_block(
    draw: ImageDraw.ImageDraw,
    block: TextBlock,
    center_x: float,
    top: float,
    *,
    fill: Color,
    stroke_fill: Color,
) -> None:
    """Draw ``block`` centred on ``center_x`` starting at ``top``, each line with an outline."""
    y = top + block.stroke
    for line in block.lines:
        draw.text(
            (center_x, y),
            line,
            font=block.font,
            fill=fill,
            anchor="ma",
            stroke_width=block.stroke,
            stroke_fill=stroke_fill,
        )
        y += block.line_height


def translucent_box(
    image: Image.Image,
    box: tuple[float, float, float, float],
    *,
    radius: float,
    fill: tuple[int, int, int, int],
) -> Image.Image:
    """``image`` (as RGBA) with a rounded, alpha-blended rectangle over ``box``."""
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).rounded_rectangle(box, radius=radius, fill=fill)
    return Image.alpha_composite(image.convert("RGBA"), layer)
