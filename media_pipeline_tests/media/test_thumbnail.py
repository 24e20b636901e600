"""Thumbnails: cover-cropped size, JPEG, at most 2 MB."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from PIL import Image

from media_pipeline.media.thumbnail import QUALITIES, make_thumbnail

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
