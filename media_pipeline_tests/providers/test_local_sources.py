"""The local image source and the template script writer are wired to the media core."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from media_pipeline.domain import MediaMode, TaskPaths
from media_pipeline.errors import PermanentError
from media_pipeline.providers.image_sources import build_image_source
from media_pipeline.providers.script_writers import build_script_writer
from media_pipeline.settings import Settings
from media_pipeline_tests.providers.helpers import make_script, make_task


def fake_media_core(monkeypatch: pytest.MonkeyPatch, images: int | None = None) -> list[Any]:
    """Stand-ins for media.fonts/media.scenes recording how they are called."""
    calls: list[Any] = []
    fonts = types.ModuleType("media_pipeline.media.fonts")
    scenes = types.ModuleType("media_pipeline.media.scenes")

    def find_font(preferred: Path | None) -> Path:
        calls.append(("font", preferred))
        return Path("/fonts/chosen.ttf")

    def render_scenes(script: Any, size: tuple[int, int], paths: TaskPaths, font: Path) -> list[Path]:
        calls.append(("render", size, font))
        count = len(script.scenes) if images is None else images
        return [paths.scene_image(i) for i in range(count)]

    fonts.find_font = find_font  # type: ignore[attr-defined]
    scenes.render_scenes = render_scenes  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "media_pipeline.media.fonts", fonts)
    monkeypatch.setitem(sys.modules, "media_pipeline.media.scenes", scenes)
    return calls


def test_local_source_delegates_with_canvas_size_and_font(
    monkeypatch: pytest.MonkeyPatch, make_settings: Callable[..., Settings], paths: TaskPaths
) -> None:
    calls = fake_media_core(monkeypatch)
    task = make_task(type="longform")
    source = build_image_source(MediaMode.LOCAL, make_settings(font_path=Path("/my/font.ttf")))

    images = source.produce(task, make_script(task), paths)

    assert images == [paths.scene_image(i) for i in range(3)]
    assert calls == [("font", Path("/my/font.ttf")), ("render", (568, 320), Path("/fonts/chosen.ttf"))]


def test_local_source_checks_the_image_count(
    monkeypatch: pytest.MonkeyPatch, make_settings: Callable[..., Settings], paths: TaskPaths
) -> None:
    fake_media_core(monkeypatch, images=2)
    task = make_task()
    with pytest.raises(PermanentError, match="2 images for 3 scenes"):
        build_image_source(MediaMode.LOCAL, make_settings()).produce(task, make_script(task), paths)


def test_template_writer_is_the_default(make_settings: Callable[..., Settings]) -> None:
    assert build_script_writer(make_settings()).name == "template"


def test_local_source_renders_with_the_real_media_core(
    make_settings: Callable[..., Settings], paths: TaskPaths
) -> None:
    task = make_task()

    images = build_image_source(MediaMode.LOCAL, make_settings()).produce(task, make_script(task), paths)

    for image in images:
        with Image.open(image) as img:
            assert img.size == (180, 320)
