"""Produced videos last their target (±10 %, ±2 s under 20 s) for the template and LLM writers in Korean
and English: narration is fitted to the MEASURED espeak-ng sentence lengths, then rendered and probed."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from media_pipeline.domain import Script, TaskPaths, TaskSpec
from media_pipeline.media.fit import duration_tolerance
from media_pipeline.media.fonts import font_family
from media_pipeline.media.probe import summarize
from media_pipeline.media.render import RenderSpec, render_video
from media_pipeline.media.scenes import render_scenes
from media_pipeline.media.script import ENGLISH, KOREAN, TemplateScriptWriter
from media_pipeline.media.subtitles import write_ass
from media_pipeline.media.tts import synthesize_narration
from media_pipeline.providers.llm import OpenAICompatibleScriptWriter
from media_pipeline.providers.narrators.espeak import EspeakNarrator, default_espeak_voice
from media_pipeline.settings import Settings
from media_pipeline_tests.providers.fakeserver import FakeServer, Recorded, Reply

SECONDS_PER_SENTENCE_GUESS = 2.5  # what a chat model might assume; the real espeak length differs


def fake_chat(request: Recorded) -> Reply:
    """Chat completions answering with a script sized by the request's target duration, like a model."""
    prompt = json.loads(request.json()["messages"][-1]["content"].split("\n", 1)[1])
    book = KOREAN if prompt["language"] == "ko" else ENGLISH
    scenes = prompt["scene_count"]
    per_scene = math.ceil(prompt["target_duration_seconds"] / SECONDS_PER_SENTENCE_GUESS / scenes)
    sentences = iter(book.fillers * 10)
    story = {
        "title": prompt["title"],
        "language": prompt["language"],
        "scenes": [
            {
                "index": i,
                "narration": " ".join(next(sentences) for _ in range(per_scene)),
                "caption": f"{i + 1}",
                "image_prompt": "a calm lake",
            }
            for i in range(scenes)
        ],
    }
    content = json.dumps(story, ensure_ascii=False)
    return Reply.json({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]})


def _script(writer: str, task: TaskSpec, tmp_path: Path) -> Script:
    if writer == "template":
        return TemplateScriptWriter().write(task)
    with FakeServer(fake_chat) as server:
        settings = Settings(data_dir=tmp_path, script_writer="llm", llm_base_url=f"{server.base_url}/v1")
        return OpenAICompatibleScriptWriter(settings).write(task)


def produce(writer: str, language: str, target_s: float, tmp_path: Path, font: Path) -> float:
    """Render a tiny (180x320, 10 fps) video of a fresh script and return its probed duration."""
    task = TaskSpec.model_validate(
        {
            "task_id": f"{writer}-{language}",
            "title": "서울의 가을" if language == "ko" else "Autumn in Seoul",
            "settings": {"language": language, "targetDurationS": target_s, "renderHeight": 320, "fps": 10},
        }
    )
    paths = TaskPaths(tmp_path / "storage", task.task_id)
    script = _script(writer, task, tmp_path)
    width, height = task.settings.resolution
    images = render_scenes(script, (width, height), paths, font)
    narrator = EspeakNarrator(default_espeak_voice(script.language))
    narration = synthesize_narration(
        script, narrator, paths.narration_dir, paths.narration_wav, target_s=target_s
    )
    write_ass(narration.cues, paths.subtitles_ass, width=width, height=height, font_name=font_family(font))
    spec = RenderSpec(
        width=width,
        height=height,
        fps=10,
        scene_images=images,
        scene_durations=narration.scene_durations,
        narration_wav=narration.wav,
        subtitles_ass=paths.subtitles_ass,
        fonts_dir=font.parent,
    )
    result = render_video(spec, paths.output_mp4, paths.segments_dir)
    return summarize(result.path).duration


@pytest.mark.parametrize("target_s", [15.0, 30.0])
@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("writer", ["template", "llm"])
def test_video_lasts_the_target(
    writer: str, language: str, target_s: float, tmp_path: Path, font: Path
) -> None:
    duration = produce(writer, language, target_s, tmp_path, font)
    assert abs(duration - target_s) <= duration_tolerance(target_s), duration


@pytest.mark.slow
@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("writer", ["template", "llm"])
def test_minute_long_video_lasts_the_target(writer: str, language: str, tmp_path: Path, font: Path) -> None:
    duration = produce(writer, language, 60.0, tmp_path, font)
    assert abs(duration - 60.0) <= duration_tolerance(60.0), duration
