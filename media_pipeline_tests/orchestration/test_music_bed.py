"""The video stage's music bed: a task's library track (by mood, as the store picks it) is fetched from
the task storage and fitted to the narration's length; without a matching track the generated pad plays."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import Engine

from media_pipeline.domain import TaskSpec
from media_pipeline.media.probe import media_duration
from media_pipeline.media.recipe import music_bed
from media_pipeline.orchestration.stage_run import StageRun
from media_pipeline.orchestration.video_stage import music_track
from media_pipeline.settings import Settings
from media_pipeline.storage import open_storage
from media_pipeline.storage.workspace import task_workspace
from media_pipeline.store import MusicLibrary, Owner, PipelineState, QueueService
from media_pipeline.usecases_music import MusicCommands
from media_pipeline_tests.media.clips import band_db, make_track

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@dataclass
class Upload:
    """An uploaded file as the use case sees it."""

    filename: str
    size: int
    file: io.BytesIO


@SQLITE
def test_the_bed_is_the_tasks_library_track_fitted_else_the_pad(
    db_engine: Engine, owner: Owner, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path)
    storage = open_storage(settings)
    data = make_track(tmp_path / "calm.mp3", 6).read_bytes()
    music = MusicCommands(MusicLibrary(db_engine, owner), storage, max_bytes=10**6, scratch=None)
    music.upload(Upload("calm.mp3", len(data), io.BytesIO(data)), {"title": "calm", "moods": ["calm"]})
    queues = QueueService(db_engine, owner, settings=settings)
    version = queues.get_or_create_default_queue().version
    (task_id,) = queues.add_assets(["a"], {"music": True, "musicMood": "calm"}, version).created_ids
    state = PipelineState(db_engine)

    def bed(**options: Any) -> Path:
        spec = TaskSpec(task_id=task_id, title="t", settings={"music": True, **options})
        with task_workspace(storage, task_id) as work:
            run = StageRun(context=cast(Any, None), stage="video", spec=spec, work=work, state=state)
            track = music_track(run)
            try:
                return music_bed(track, 14.0, run.paths.music_wav)
            finally:
                if track is not None:
                    track.unlink()

    wav = bed(musicMood="calm")
    assert abs(media_duration(wav) - 14.0) < 0.01
    with_track = band_db(wav, 1.0, 12.0)  # the track's pitch, looped over the whole bed
    assert with_track > -40
    pad = bed(musicMood="sad")  # no track has that mood: the generated pad (rewrites music.wav)
    assert abs(media_duration(pad) - 14.0) < 0.01
    assert band_db(pad, 1.0, 12.0) < with_track - 20
