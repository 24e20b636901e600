"""The video recipe: narration -> subtitles and captions -> optional music -> render -> checks (ffprobe spec,
EBU R128 loudness, captions' safe area), from plain inputs and without Dagster (docs/ARCHITECTURE.md §5,
the video stage)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from media_pipeline.domain import Script, TaskPaths, TaskSettings
from media_pipeline.domain.stages import NARRATION_SHARE
from media_pipeline.errors import PermanentError
from media_pipeline.media.caption_check import captions_outside
from media_pipeline.media.captions import safe_area, write_captions
from media_pipeline.media.loudness import Loudness, measure_loudness
from media_pipeline.media.music import generate_music
from media_pipeline.media.probe import VideoSummary, check_video, summarize
from media_pipeline.media.render import RenderResult, RenderSpec, render_video
from media_pipeline.media.subtitles import write_srt
from media_pipeline.media.tts import Narration, Narrator, synthesize_narration

RENDER_END = 80.0
"""The video stage's percent when the render ends; analysis and the HLS ladder take the rest."""

Progress = Callable[[float, str], None]
"""Receives the video stage's percent (0-100) and a short message."""


@dataclass(frozen=True)
class VideoInputs:
    """What the recipe is made of: the script, the task's settings, where its files are, the caption font,
    the scene clips present (``sora2``: each scene's generated clip, docs/ARCHITECTURE.md §8) and the
    narration speed."""

    story: Script
    settings: TaskSettings
    paths: TaskPaths
    font: Path
    clips: frozenset[Path] = field(default_factory=frozenset)
    tts_speed: float = 1.0


@dataclass
class ProducedVideo:
    """A rendered video with its render counts, ffprobe summary and spec problems (empty when valid)."""

    path: Path
    render: RenderResult
    summary: VideoSummary
    problems: list[str]
    narration: Narration
    target_s: float
    loudness: Loudness
    outputs: list[Path]
    """Files to publish, the video last."""
    caption_problems: list[str]
    """Where the burned-in captions left their preset's safe area (empty when they did not)."""

    @property
    def loudness_problems(self) -> list[str]:
        """Why the audio may not be published (empty when within the loudness target)."""
        return self.loudness.problems()

    def raise_if_invalid(self) -> None:
        """Fail when the video does not meet the spec or the loudness target."""
        problems = [*self.problems, *self.loudness_problems]
        if problems:
            raise PermanentError("video failed its checks: " + "; ".join(problems))


def _ignore(percent: float, message: str) -> None:
    """The default progress receiver."""


def make_video(inputs: VideoInputs, narrator: Narrator, on_progress: Progress = _ignore) -> ProducedVideo:
    """Speak the narration fitted to the target duration, write SRT and ASS (the task's caption preset),
    render output.mp4 and check it with ffprobe, the EBU R128 meter and the captions' safe area.

    The scene images (and clips) must be in ``inputs.paths``; the narration cache and the per-segment
    render cache are written next to them.
    """
    story, settings, paths, font = inputs.story, inputs.settings, inputs.paths, inputs.font
    width, height = settings.resolution
    narration = synthesize_narration(
        story,
        narrator,
        paths.narration_dir,
        paths.narration_wav,
        target_s=settings.duration_s,
        speed=inputs.tts_speed,
    )
    on_progress(NARRATION_SHARE, f"narration {narration.duration:.1f}s")
    write_srt(narration.cues, paths.subtitles_srt)
    write_captions(
        settings.caption_preset,
        narration.cues,
        paths.subtitles_ass,
        width=width,
        height=height,
        font_path=font,
        language=story.language,
    )
    music = generate_music(narration.duration, paths.music_wav) if settings.music else None
    scenes = range(len(story.scenes))
    spec = RenderSpec(
        width=width,
        height=height,
        fps=settings.fps,
        scene_images=[paths.scene_image(i) for i in scenes],
        scene_durations=narration.scene_durations,
        narration_wav=narration.wav,
        subtitles_ass=paths.subtitles_ass,
        fonts_dir=font.parent,
        music_wav=music,
        scene_clips=[clip if clip in inputs.clips else None for clip in map(paths.scene_clip, scenes)],
    )
    result = render_video(
        spec,
        paths.output_mp4,
        paths.segments_dir,
        on_progress=lambda pct: on_progress(
            NARRATION_SHARE + pct * (RENDER_END - NARRATION_SHARE) / 100, "rendering"
        ),
    )
    summary = summarize(result.path)
    subtitles = [paths.subtitles_srt, paths.subtitles_ass]
    return ProducedVideo(
        path=result.path,
        render=result,
        summary=summary,
        problems=check_video(summary, width=width, height=height, fps=settings.fps),
        narration=narration,
        target_s=settings.duration_s,
        loudness=measure_loudness(result.path),
        outputs=[narration.wav, *subtitles, *([music] if music else []), result.path],
        caption_problems=captions_outside(
            paths.subtitles_ass,
            (width, height),
            settings.fps,
            safe_area(settings.caption_preset),
            font.parent,
        ),
    )
