"""Scene images: one PNG per scene, right size, styles applied, Hangul captions really drawn."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageChops

from media_pipeline.domain import ImageStyle, Scene, TaskPaths, TaskSettings, TaskSpec
from media_pipeline.media.scenes import PALETTES, render_scene_image, render_scenes
from media_pipeline.media.script import TemplateScriptWriter


def test_five_scenes_of_three_styles_give_five_pngs(tmp_path: Path, font: Path) -> None:
    styles = [ImageStyle.SUNSET, ImageStyle.OCEAN, ImageStyle.FOREST]
    task = TaskSpec(task_id="s1", title="다섯 장면", settings=TaskSettings(imageCount=5, styles=styles))
    script = TemplateScriptWriter().write(task)
    paths = TaskPaths(tmp_path, "s1")
    images = render_scenes(script, (144, 256), paths, font)
    assert images == [paths.scene_image(i) for i in range(5)]
    assert sorted(paths.dir.glob("*.png")) == images  # no temp files left
    for index, path in enumerate(images):
        with Image.open(path) as image:
            assert (image.format, image.size) == ("PNG", (144, 256))
            top_left = image.convert("RGB").getpixel((0, 0))
        expected = PALETTES[styles[index % 3]].top
        assert sum(abs(a - b) for a, b in zip(top_left, expected, strict=True)) < 120


def _caption_pixels(tmp_path: Path, font: Path, caption: str) -> Image.Image:
    scene = Scene(index=0, narration="x", caption=caption, style=ImageStyle.MONO)
    out = render_scene_image(
        scene, caption, (320, 180), tmp_path / f"{len(caption)}-{ord(caption[0])}.png", font
    )
    return Image.open(out).convert("RGB")


def test_hangul_caption_is_drawn_not_tofu(tmp_path: Path, font: Path) -> None:
    hangul = _caption_pixels(tmp_path, font, "한글 자막")
    other_hangul = _caption_pixels(tmp_path, font, "다른 문장")
    tofu = _caption_pixels(tmp_path, font, "\ue000\ue001 \ue002\ue003")
    assert ImageChops.difference(hangul, tofu).getbbox() is not None
    assert ImageChops.difference(hangul, other_hangul).getbbox() is not None
