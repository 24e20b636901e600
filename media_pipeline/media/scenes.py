"""Locally rendered scene images: a style gradient, soft decorative shapes, the caption and the title."""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from media_pipeline.domain import ImageStyle, Scene, Script, TaskPaths
from media_pipeline.fsutil import atomic_path
from media_pipeline.media.textdraw import Color, draw_block, fit_text, translucent_box

# Ken Burns crops up to ~15 % of the frame, so text stays inside this margin (fraction of width/height).
SAFE_MARGIN = 0.1


@dataclass(frozen=True)
class Palette:
    """Colours of one image style."""

    top: tuple[int, int, int]
    bottom: tuple[int, int, int]
    accent: tuple[int, int, int]
    text: Color
    outline: Color


PALETTES: dict[ImageStyle, Palette] = {
    ImageStyle.SUNSET: Palette(
        (255, 94, 98), (255, 195, 113), (255, 240, 200), (255, 255, 255), (90, 20, 40)
    ),
    ImageStyle.OCEAN: Palette((0, 60, 160), (80, 190, 250), (200, 245, 255), (255, 255, 255), (0, 30, 80)),
    ImageStyle.FOREST: Palette((15, 60, 50), (120, 180, 110), (220, 255, 200), (255, 255, 255), (10, 40, 20)),
    ImageStyle.NEON: Palette((18, 0, 51), (110, 0, 150), (0, 255, 200), (255, 255, 255), (255, 0, 140)),
    ImageStyle.MONO: Palette((25, 25, 25), (125, 125, 125), (230, 230, 230), (255, 255, 255), (0, 0, 0)),
    ImageStyle.PASTEL: Palette(
        (255, 214, 230), (180, 240, 250), (255, 255, 255), (60, 50, 90), (255, 255, 255)
    ),
}


def gradient(size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    """Vertical linear gradient from ``top`` to ``bottom`` colour."""
    mask = Image.linear_gradient("L").resize(size)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


def _decorate(image: Image.Image, palette: Palette, seed: int) -> Image.Image:
    """Soft translucent circles and a few diagonal light streaks, placed deterministically by ``seed``."""
    width, height = image.size
    rng = random.Random(seed)
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    unit = min(width, height)
    for _ in range(7):
        radius = rng.uniform(0.08, 0.35) * unit
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        alpha = rng.randint(30, 80)
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(*palette.accent, alpha))
    for _ in range(3):
        x = rng.uniform(-0.2, 1.0) * width
        draw.line((x, height, x + 0.6 * width, 0), fill=(*palette.accent, 40), width=max(2, unit // 60))
    layer = layer.filter(ImageFilter.GaussianBlur(radius=max(1, unit // 80)))
    return Image.alpha_composite(image.convert("RGBA"), layer)


def _seed(scene: Scene) -> int:
    return zlib.crc32(f"{scene.index}:{scene.style.value}:{scene.caption}".encode())


def render_scene_image(scene: Scene, title: str, size: tuple[int, int], out: Path, font: Path) -> Path:
    """Draw one scene image of ``size`` (w, h) to ``out`` (PNG, atomically) and return ``out``."""
    width, height = size
    palette = PALETTES[scene.style]
    image = _decorate(gradient(size, palette.top, palette.bottom), palette, _seed(scene))
    text_width = width * (1 - 2 * SAFE_MARGIN)
    unit = min(width, height)
    caption = scene.caption or title
    block = fit_text(
        caption,
        font,
        max_width=text_width,
        max_lines=4,
        start_size=round(unit * 0.11),
        min_size=round(unit * 0.05),
    )
    top = height * 0.42 - block.height / 2
    pad = unit * 0.04
    backing = (
        (width - block.width) / 2 - pad,
        top - pad,
        (width + block.width) / 2 + pad,
        top + block.height + pad,
    )
    image = translucent_box(image, backing, radius=pad, fill=(0, 0, 0, 70))
    draw = ImageDraw.Draw(image)
    draw_block(draw, block, width / 2, top, fill=palette.text, stroke_fill=palette.outline)
    if scene.caption and scene.caption != title:
        heading = fit_text(
            title,
            font,
            max_width=text_width,
            max_lines=2,
            start_size=round(unit * 0.05),
            min_size=round(unit * 0.03),
        )
        draw_block(
            draw, heading, width / 2, height * SAFE_MARGIN, fill=palette.text, stroke_fill=palette.outline
        )
    with atomic_path(out) as tmp:
        image.convert("RGB").save(tmp, format="PNG", optimize=False, compress_level=3)
    return out


def render_scenes(script: Script, size: tuple[int, int], paths: TaskPaths, font: Path) -> list[Path]:
    """Render every scene of ``script`` to ``paths.scene_image(i)``; exactly ``len(script.scenes)`` files."""
    return [
        render_scene_image(scene, script.title, size, paths.scene_image(scene.index), font)
        for scene in script.scenes
    ]
