"""The video stage's work: narration, subtitles, optional music, render, ffprobe and loudness validation;
then the analysis and the HLS ladder of the result (the ``playback`` asset)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import dagster as dg

from media_pipeline.domain import SceneMedia, Script
from media_pipeline.domain.models import CLIP_MODES
from media_pipeline.domain.paths import HLS_MASTER
from media_pipeline.domain.stages import NARRATION_SHARE
from media_pipeline.errors import PermanentError
from media_pipeline.fsutil import write_json_atomic
from media_pipeline.media.analysis import analyze
from media_pipeline.media.caption_check import captions_outside
from media_pipeline.media.captions import safe_area, write_captions
from media_pipeline.media.clip_check import usable_clips
from media_pipeline.media.hls import Rendition, transcode_hls
from media_pipeline.media.loudness import Loudness, measure_loudness
from media_pipeline.media.music import generate_music
from media_pipeline.media.music_track import fit_track
from media_pipeline.media.probe import VideoSummary, check_video, media_duration, summarize
from media_pipeline.media.render import RenderResult, RenderSpec, render_video
from media_pipeline.media.subtitles import write_srt
from media_pipeline.media.tts import Narration
from media_pipeline.orchestration.brand_inputs import brand_inputs
from media_pipeline.orchestration.resources import NarratorResource
from media_pipeline.orchestration.stage_run import StageRun

RENDER_END = 80.0  # the render ends here; analysis and the HLS ladder take the rest


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
    clip_problems: list[str]
    """Scenes whose clip did not decode (each showed its still instead; empty when all did)."""

    @property
    def loudness_problems(self) -> list[str]:
        """Why the audio may not be published (empty when within the loudness target)."""
        return self.loudness.problems()

    def raise_if_invalid(self) -> None:
        """Fail the stage when the video does not meet the spec or the loudness target."""
        problems = [*self.problems, *self.loudness_problems]
        if problems:
            raise PermanentError("video failed its checks: " + "; ".join(problems))


def produce_video(
    run: StageRun, narrator: NarratorResource, default_font: Path, clip_max_s: float
) -> ProducedVideo:
    """Synthesize narration fitted to the target duration, write SRT/ASS (the task's caption preset, or
    its channel's brand kit: font, colours, preset, logo, intro/outro), render output.mp4 and validate it
    with ffprobe, the EBU R128 meter and the captions' safe area. Scene clips longer than ``clip_max_s``
    (or not decodable) fall back to the scene's still.

    Inputs are fetched into the run's workspace (story.json and the scene images only). The narration
    cache (``narration/``) and the per-segment render cache (``segments/``) stay in the workspace and are
    not uploaded: on object storage a cold worker (retry, another machine) rebuilds them from the inputs,
    which costs one render but keeps every upload to the files the task is made of.
    """
    paths, settings = run.paths, run.spec.settings
    run.work.fetch(paths.story_json)
    story = Script.model_validate_json(paths.story_json.read_bytes())
    run.work.fetch(*(paths.scene_image(i) for i in range(len(story.scenes))))
    # A clip scene of a clip mode shows its clip, checked first (docs/ARCHITECTURE.md §8, "Clips as scene
    # media"); a clip that fails the check leaves the scene its still.
    clip_mode = settings.media_mode in CLIP_MODES
    wanted = [
        paths.scene_clip(scene.index) if clip_mode and scene.media is SceneMedia.CLIP else None
        for scene in story.scenes
    ]
    present = set(run.work.fetch_optional(*(clip for clip in wanted if clip is not None)))
    scene_clips, clip_problems = usable_clips(
        [clip if clip in present else None for clip in wanted], max_seconds=clip_max_s
    )
    width, height = settings.resolution
    brand = brand_inputs(run, default_font)
    font = brand.font
    narration = narrator.narrate(story, settings, paths.narration_dir, paths.narration_wav)
    run.progress(NARRATION_SHARE, f"narration {narration.duration:.1f}s")
    write_srt(narration.cues, paths.subtitles_srt, offset=media_duration(brand.intro) if brand.intro else 0.0)
    write_captions(
        brand.preset,
        narration.cues,
        paths.subtitles_ass,
        width=width,
        height=height,
        font_path=font,
        language=story.language,
        colours=brand.colours,
    )
    music = music_bed(run, narration.duration) if settings.music else None
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
        scene_clips=scene_clips,
        clip_audio=settings.clip_audio,
        logo=brand.logo,
        intro=brand.intro,
        outro=brand.outro,
    )
    result = render_video(
        spec,
        paths.output_mp4,
        paths.segments_dir,
        on_progress=lambda pct: run.progress(
            NARRATION_SHARE + pct * (RENDER_END - NARRATION_SHARE) / 100, "rendering"
        ),
    )
    summary = summarize(result.path)
    problems = check_video(summary, width=width, height=height, fps=settings.fps)
    subtitles = [paths.subtitles_srt, paths.subtitles_ass]
    outputs = [narration.wav, *subtitles, *([music] if music else []), result.path]
    return ProducedVideo(
        path=result.path,
        render=result,
        summary=summary,
        problems=problems,
        narration=narration,
        target_s=settings.duration_s,
        loudness=measure_loudness(result.path),
        outputs=outputs,
        caption_problems=captions_outside(
            paths.subtitles_ass,
            (width, height),
            settings.fps,
            safe_area(brand.preset),
            font.parent,
        ),
        clip_problems=clip_problems,
    )


def music_bed(run: StageRun, duration: float) -> Path:
    """The task's music bed as ``music.wav``: its library track fitted to ``duration`` (looped with a
    crossfade or trimmed with a fade-out), else the generated pad (docs/ARCHITECTURE.md §12)."""
    paths, settings = run.paths, run.spec.settings
    key = None if run.state is None else run.state.music_track_key(run.spec.task_id, settings)
    if key is None:
        return generate_music(duration, paths.music_wav)
    track = run.work.storage.download(key, paths.dir / f"track{PurePosixPath(key).suffix}")
    try:
        return fit_track(track, media_duration(track), duration, paths.music_wav)
    finally:
        track.unlink(missing_ok=True)


@dataclass
class Playback:
    """The analysis and HLS ladder of a video, as stored."""

    analysis: dict
    renditions: list[Rendition]
    master_uri: str

    def metadata(self) -> dict[str, dg.MetadataValue]:
        """Materialization metadata of the ``playback`` asset."""
        rows = "\n".join(
            f"| {r.name} | {r.width}x{r.height} | {r.video_kbps} | {r.audio_kbps} |" for r in self.renditions
        )
        return {
            "master_playlist": dg.MetadataValue.text(self.master_uri),
            "renditions": dg.MetadataValue.md(
                "| rendition | size | video kb/s | audio kb/s |\n|---|---|---|---|\n" + rows
            ),
            "analysis": dg.MetadataValue.json(self.analysis),
        }


def produce_playback(run: StageRun, video: ProducedVideo) -> Playback:
    """Analyse the (valid) video into analysis.json and transcode its HLS ladder into hls/; publish the
    segments and rendition playlists before the master playlist, so a reader that finds the master finds
    everything it names."""
    paths = run.paths
    analysis = analyze(video.path)
    write_json_atomic(paths.analysis_json, analysis)
    duration = max(video.summary.duration, 0.001)
    renditions = transcode_hls(
        video.path,
        video.summary,
        paths.hls_dir,
        on_seconds=lambda s: run.progress(
            RENDER_END + min(1.0, s / duration) * (100 - RENDER_END), "HLS ladder"
        ),
    )
    master = paths.hls_dir / HLS_MASTER
    files = sorted(p for p in paths.hls_dir.rglob("*") if p.is_file() and p != master)
    files.sort(key=lambda p: p.suffix == ".m3u8")  # segments, then rendition playlists
    run.work.publish([paths.analysis_json, *files, master])
    return Playback(analysis, renditions, run.location(master))
