"""The video stage's work: narration, subtitles, optional music, render, ffprobe and loudness validation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from media_pipeline.domain import Script
from media_pipeline.domain.stages import NARRATION_SHARE
from media_pipeline.errors import PermanentError
from media_pipeline.media.fonts import font_family
from media_pipeline.media.loudness import Loudness, measure_loudness
from media_pipeline.media.music import generate_music
from media_pipeline.media.probe import VideoSummary, check_video, summarize
from media_pipeline.media.render import RenderResult, RenderSpec, render_video
from media_pipeline.media.subtitles import write_ass, write_srt
from media_pipeline.media.tts import Narration
from media_pipeline.orchestration.resources import NarratorResource
from media_pipeline.orchestration.stage_run import StageRun


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

    @property
    def loudness_problems(self) -> list[str]:
        """Why the audio may not be published (empty when within the loudness target)."""
        return self.loudness.problems()

    def raise_if_invalid(self) -> None:
        """Fail the stage when the video does not meet the spec or the loudness target."""
        problems = [*self.problems, *self.loudness_problems]
        if problems:
            raise PermanentError("video failed its checks: " + "; ".join(problems))


def produce_video(run: StageRun, narrator: NarratorResource, font: Path) -> ProducedVideo:
    """Synthesize narration fitted to the target duration, write SRT/ASS, render output.mp4 and validate
    it with ffprobe and the EBU R128 meter."""
    paths, settings = run.paths, run.spec.settings
    story = Script.model_validate_json(paths.story_json.read_bytes())
    width, height = settings.resolution
    narration = narrator.narrate(story, settings, paths.narration_dir, paths.narration_wav)
    run.progress(NARRATION_SHARE, f"narration {narration.duration:.1f}s")
    write_srt(narration.cues, paths.subtitles_srt)
    write_ass(narration.cues, paths.subtitles_ass, width=width, height=height, font_name=font_family(font))
    music = generate_music(narration.duration, paths.music_wav) if settings.music else None
    spec = RenderSpec(
        width=width,
        height=height,
        fps=settings.fps,
        scene_images=[paths.scene_image(i) for i in range(len(story.scenes))],
        scene_durations=narration.scene_durations,
        narration_wav=narration.wav,
        subtitles_ass=paths.subtitles_ass,
        fonts_dir=font.parent,
        music_wav=music,
    )
    result = render_video(
        spec,
        paths.output_mp4,
        paths.segments_dir,
        on_progress=lambda pct: run.progress(
            NARRATION_SHARE + pct * (100 - NARRATION_SHARE) / 100, "rendering"
        ),
    )
    summary = summarize(result.path)
    problems = check_video(summary, width=width, height=height, fps=settings.fps)
    return ProducedVideo(
        path=result.path,
        render=result,
        summary=summary,
        problems=problems,
        narration=narration,
        target_s=settings.duration_s,
        loudness=measure_loudness(result.path),
    )
