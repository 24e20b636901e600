"""Thumbnails: cover-cropped size, JPEG, at most 2 MB; the brand kit layouts place the title band."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from PIL import Image

from media_pipeline.domain.brand import ThumbnailLayout
from media_pipeline.media.thumbnail import QUALITIES, make_thumbnail
from media_pipeline_tests.brand_support import hangul_font

from .conftest import TinyTask


@pytest.mark.parametrize(("vertical", "size"), [(False, (1280, 720)), (True, (720, 1280))])
def test_thumbnail_size_and_format(
    tiny_task: TinyTask, tmp_path: Path, font: Path, vertical: bool, size: tuple[int, int]
) -> None:
    out = make_thumbnail(
        tiny_task.images[0], "건강한 아침 습관", tmp_path / "t.jpg", vertical=vertical, font=font
    )
    with Image.open(out) as image:
        assert (image.format, image.size) == ("JPEG", size)
    assert out.stat().st_size <= 2 * 1024 * 1024
    assert [p.name for p in tmp_path.iterdir()] == ["t.jpg"]


def test_quality_is_lowered_until_the_jpeg_fits(tmp_path: Path, font: Path) -> None:
    rng = random.Random(1)
    noise = Image.frombytes("RGB", (1280, 720), rng.randbytes(1280 * 720 * 3))
    noise.save(tmp_path / "noise.png")
    best = io.BytesIO()
    noise.save(best, format="JPEG", quality=QUALITIES[0])
    limit = 600_000
    assert best.tell() > limit  # the first quality would not fit
    out = make_thumbnail(
        tmp_path / "noise.png", "Noise", tmp_path / "n.jpg", vertical=False, font=font, max_bytes=limit
    )
    assert 0 < out.stat().st_size <= limit


def _darkest_rows(path: Path) -> float:
    """Where the darkened title band sits: the mean row (0 top .. 1 bottom) of the darkest rows."""
    with Image.open(path) as image:
        grey = image.convert("L")
    width, height = grey.size
    means = [sum(grey.crop((0, y, width, y + 1)).tobytes()) / width for y in range(height)]
    darkest = sorted(range(height), key=means.__getitem__)[: height // 10]
    return sum(darkest) / len(darkest) / height


def test_layouts_place_the_title_band(tmp_path: Path) -> None:
    font = tmp_path / "font.ttf"
    font.write_bytes(hangul_font())
    Image.new("RGB", (640, 360), (255, 255, 255)).save(tmp_path / "white.png")
    places = {
        layout: _darkest_rows(
            make_thumbnail(
                tmp_path / "white.png",
                "제목",
                tmp_path / f"{layout}.jpg",
                vertical=True,
                font=font,
                layout=layout,
            )
        )
        for layout in ThumbnailLayout
    }
    assert (
        places[ThumbnailLayout.TOP]
        < 0.3
        < places[ThumbnailLayout.BAND]
        < 0.7
        < places[ThumbnailLayout.BOTTOM]
    )
