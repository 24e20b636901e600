"""The video stage's Dagster side: fetch the inputs into the run's workspace, run the video recipe
(``media/recipe.py``) and the playback files (``media/playback.py``) with the stage's progress, publish
the results (docs/ARCHITECTURE.md §5, the video stage)."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import dagster as dg

from media_pipeline.domain import SceneMedia, Script
from media_pipeline.domain.models import CLIP_MODES
from media_pipeline.media.hls import Rendition
from media_pipeline.media.playback import make_playback
from media_pipeline.media.recipe import RENDER_END, ProducedVideo, VideoInputs, make_video
from media_pipeline.orchestration.brand_inputs import brand_inputs
from media_pipeline.orchestration.resources import NarratorResource
from media_pipeline.orchestration.stage_run import StageRun


def produce_video(
    run: StageRun, narrator: NarratorResource, default_font: Path, clip_max_s: float
) -> ProducedVideo:
    """Fetch story.json, the scene images and clips, the channel's brand kit (docs/ARCHITECTURE.md §9) and
    the task's library music track (§12), then run the video recipe.

    The narration cache (``narration/``) and the per-segment render cache (``segments/``) stay in the
    workspace and are not uploaded: on object storage a cold worker (retry, another machine) rebuilds them
    from the inputs, which costs one render but keeps every upload to the files the task is made of.
    """
    paths, settings = run.paths, run.spec.settings
    run.work.fetch(paths.story_json)
    story = Script.model_validate_json(paths.story_json.read_bytes())
    run.work.fetch(*(paths.scene_image(i) for i in range(len(story.scenes))))
    # A clip scene of a clip mode shows its clip (docs/ARCHITECTURE.md §8, "Clips as scene media").
    clip_mode = settings.media_mode in CLIP_MODES
    wanted = [
        paths.scene_clip(scene.index) if clip_mode and scene.media is SceneMedia.CLIP else None
        for scene in story.scenes
    ]
    present = set(run.work.fetch_optional(*(clip for clip in wanted if clip is not None)))
    brand = brand_inputs(run, default_font)
    inputs = VideoInputs(
        story,
        settings,
        paths,
        brand.font,
        clips=[clip if clip in present else None for clip in wanted],
        clip_max_s=clip_max_s,
        tts_speed=narrator.speed,
        caption_preset=brand.preset,
        colours=brand.colours,
        logo=brand.logo,
        intro=brand.intro,
        outro=brand.outro,
        music_track=music_track(run) if settings.music else None,
    )
    try:
        with closing(narrator.narrator(settings, story.language)) as voice:
            return make_video(inputs, voice, run.progress)
    finally:
        if inputs.music_track is not None:
            inputs.music_track.unlink(missing_ok=True)


def music_track(run: StageRun) -> Path | None:
    """The task's library music track downloaded into its workspace (docs/ARCHITECTURE.md §12), None for
    the generated pad."""
    key = None if run.state is None else run.state.music_track_key(run.spec.task_id, run.spec.settings)
    if key is None:
        return None
    return run.work.storage.download(key, run.paths.dir / f"track{PurePosixPath(key).suffix}")


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
    """Make the playback files of the (valid) video and publish them, the master playlist last."""
    paths = run.paths
    files = make_playback(
        video.path,
        video.summary,
        paths.analysis_json,
        paths.hls_dir,
        lambda share: run.progress(RENDER_END + share * (100 - RENDER_END), "HLS ladder"),
    )
    run.work.publish(files.files)
    return Playback(files.analysis, files.renditions, run.location(files.master))
