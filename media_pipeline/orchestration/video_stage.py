"""The video stage's Dagster side: fetch the inputs into the run's workspace, run the video recipe
(``media/recipe.py``) and the playback files (``media/playback.py``) with the stage's progress, publish
the results (docs/ARCHITECTURE.md §5, the video stage)."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from media_pipeline.domain import MediaMode, Script
from media_pipeline.media.hls import Rendition
from media_pipeline.media.playback import make_playback
from media_pipeline.media.recipe import RENDER_END, ProducedVideo, VideoInputs, make_video
from media_pipeline.orchestration.resources import NarratorResource
from media_pipeline.orchestration.stage_run import StageRun


def produce_video(run: StageRun, narrator: NarratorResource, font: Path) -> ProducedVideo:
    """Fetch story.json, the scene images (and, ``sora2``, the scene clips) and run the video recipe.

    The narration cache (``narration/``) and the per-segment render cache (``segments/``) stay in the
    workspace and are not uploaded: on object storage a cold worker (retry, another machine) rebuilds them
    from the inputs, which costs one render but keeps every upload to the files the task is made of.
    """
    paths, settings = run.paths, run.spec.settings
    run.work.fetch(paths.story_json)
    story = Script.model_validate_json(paths.story_json.read_bytes())
    scenes = range(len(story.scenes))
    run.work.fetch(*(paths.scene_image(i) for i in scenes))
    # sora2: each scene's generated clip is its moving picture (docs/ARCHITECTURE.md §8)
    wanted = [paths.scene_clip(i) for i in scenes] if settings.media_mode is MediaMode.SORA2 else []
    inputs = VideoInputs(
        story,
        settings,
        paths,
        font,
        clips=frozenset(run.work.fetch_optional(*wanted)),
        tts_speed=narrator.speed,
    )
    with closing(narrator.narrator(settings, story.language)) as voice:
        return make_video(inputs, voice, run.progress)


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
