"""Shared fixtures of the media core tests: the Hangul font, tiny scripts and their rendered inputs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from media_pipeline.domain import ImageStyle, Language, Scene, Script, TaskPaths
from media_pipeline.media.fonts import find_font, font_family
from media_pipeline.media.render import RenderSpec
from media_pipeline.media.scenes import render_scenes
from media_pipeline.media.subtitles import write_ass
from media_pipeline.media.tts import Narration, synthesize_narration
from media_pipeline.providers.narrators.espeak import EspeakNarrator

TINY_SIZE = (180, 320)
TINY_FPS = 10


@pytest.fixture(scope="session")
def font() -> Path:
    """The Hangul-capable font of this machine."""
    return find_font()


def make_script(language: Language = Language.KO, scenes: int = 3) -> Script:
    """A short hand-written script (one or two short sentences per scene)."""
    texts = {
        Language.KO: ["안녕하세요. 짧은 테스트입니다.", "두 번째 장면입니다!", "감사합니다."],
        Language.EN: ["Hello there. This is a short test.", "Scene two is here!", "Thanks for watching."],
    }[language]
    styles = list(ImageStyle)
    return Script(
        title="테스트 영상" if language is Language.KO else "Test video",
        language=language,
        scenes=[
            Scene(
                index=i,
                narration=texts[i % len(texts)],
                caption=f"장면 {i + 1}",
                style=styles[i % len(styles)],
            )
            for i in range(scenes)
        ],
    )


@dataclass(frozen=True)
class TinyTask:
    """A rendered-inputs task: scene PNGs, narration and ASS subtitles for a tiny vertical video."""

    paths: TaskPaths
    script: Script
    images: list[Path]
    narration: Narration
    width: int
    height: int
    fps: int

    def render_spec(self, **changes: object) -> RenderSpec:
        """The render of these inputs, with ``changes`` to its fields."""
        spec = RenderSpec(
            width=self.width,
            height=self.height,
            fps=self.fps,
            scene_images=list(self.images),
            scene_durations=list(self.narration.scene_durations),
            narration_wav=self.paths.narration_wav,
            subtitles_ass=self.paths.subtitles_ass,
        )
        return replace(spec, **changes)


@pytest.fixture(scope="session")
def tiny_task(tmp_path_factory: pytest.TempPathFactory, font: Path) -> TinyTask:
    """Inputs of a 3-scene Korean 180x320 video at 10 fps (about 7 s)."""
    paths = TaskPaths(tmp_path_factory.mktemp("storage"), "tiny")
    script = make_script()
    width, height = TINY_SIZE
    images = render_scenes(script, TINY_SIZE, paths, font)
    narration = synthesize_narration(script, EspeakNarrator("ko"), paths.narration_dir, paths.narration_wav)
    write_ass(narration.cues, paths.subtitles_ass, width=width, height=height, font_name=font_family(font))
    return TinyTask(paths, script, images, narration, width, height, TINY_FPS)
