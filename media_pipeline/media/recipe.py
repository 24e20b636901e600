"""The video recipe: narration -> subtitles and captions -> optional music -> render -> checks (ffprobe spec,
EBU R128 loudness, captions' safe area), from plain inputs and without Dagster (docs/ARCHITECTURE.md §5,
the video stage)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from media_pipeline.domain import CaptionPreset, Script, TaskPaths, TaskSettings
from media_pipeline.domain.stages import NARRATION_SHARE
from media_pipeline.errors import PermanentError
from media_pipeline.media.brand import Logo
from media_pipeline.media.caption_check import captions_outside
from media_pipeline.media.captions import safe_area, write_captions
from media_pipeline.media.clip_check import usable_clips
from media_pipeline.media.loudness import Loudness, measure_loudness
from media_pipeline.media.music import generate_music
from media_pipeline.media.music_track import fit_track
from media_pipeline.media.probe import VideoSummary, check_video, media_duration, summarize
from media_pipeline.media.render import RenderResult, RenderSpec, render_video
from media_pipeline.media.subtitles import AssColours, write_srt
from media_pipeline.media.tts import Narration, Narrator, synthesize_narration

RENDER_END = 80.0
"""The video stage's percent when the render ends; analysis and the HLS ladder take the rest."""

Progress = Callable[[float, str], None]
"""Receives the video stage's percent (0-100) and a short message."""


@dataclass(frozen=True)
class VideoInputs:
    """What the recipe is made of: the script, the task's settings, where its files are, the caption font,
    one clip per scene (None for a still; clips longer than ``clip_max_s`` or not decodable fall back to
    the still, docs/ARCHITECTURE.md §8), the narration speed, the channel's look (brand kit, §9: caption
    preset and colours, logo, intro and outro) and a library music track to fit under the narration
    (§12; None: the generated pad when the task wants music)."""

    story: Script
    settings: TaskSettings
    paths: TaskPaths
    font: Path
    clips: list[Path | None] = field(default_factory=list)
    clip_max_s: float = 300.0
    tts_speed: float = 1.0
    caption_preset: CaptionPreset | None = None
    """None: the task's own preset."""
    colours: AssColours = field(default_factory=AssColours)
    logo: Logo | None = None
    intro: Path | None = None
    outro: Path | None = None
    music_track: Path | None = None

    @property
    def preset(self) -> CaptionPreset:
        """The caption preset the video is made with."""
        return self.caption_preset or self.settings.caption_preset


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
    clip_problems: list[str] = field(default_factory=list)
    """Scenes whose clip did not decode (each showed its still instead; empty when all did)."""

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
    """Speak the narration fitted to the target duration, write SRT and ASS (the caption preset and
    colours), render output.mp4 (clips, logo, intro and outro included) and check it with ffprobe, the
    EBU R128 meter and the captions' safe area.

    The scene images and clips must be in ``inputs.paths``; the narration cache and the per-segment render
    cache are written next to them.
    """
    story, settings, paths, font = inputs.story, inputs.settings, inputs.paths, inputs.font
    width, height = settings.resolution
    scenes = range(len(story.scenes))
    clips = inputs.clips or [None for _ in scenes]
    scene_clips, clip_problems = usable_clips(clips, max_seconds=inputs.clip_max_s)
    narration = synthesize_narration(
        story,
        narrator,
        paths.narration_dir,
        paths.narration_wav,
        target_s=settings.duration_s,
        speed=inputs.tts_speed,
    )
    on_progress(NARRATION_SHARE, f"narration {narration.duration:.1f}s")
    intro_s = media_duration(inputs.intro) if inputs.intro else 0.0
    write_srt(narration.cues, paths.subtitles_srt, offset=intro_s)
    write_captions(
        inputs.preset,
        narration.cues,
        paths.subtitles_ass,
        width=width,
        height=height,
        font_path=font,
        language=story.language,
        colours=inputs.colours,
    )
    music = music_bed(inputs.music_track, narration.duration, paths.music_wav) if settings.music else None
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
        scene_clips=scene_clips,
        clip_audio=settings.clip_audio,
        logo=inputs.logo,
        intro=inputs.intro,
        outro=inputs.outro,
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
            safe_area(inputs.preset),
            font.parent,
        ),
        clip_problems=clip_problems,
    )


def music_bed(track: Path | None, duration: float, out: Path) -> Path:
    """``out`` (``music.wav``): a library ``track`` fitted to ``duration`` (looped with a crossfade or
    trimmed with a fade-out), else the generated pad (docs/ARCHITECTURE.md §12)."""
    if track is None:
        return generate_music(duration, out)
    return fit_track(track, media_duration(track), duration, out)
