"""Stage workspaces: in place on the local folder; a per-run scratch folder on object storage that holds
only fetched inputs and is gone after the run, success or failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from media_pipeline.settings import Settings
from media_pipeline.storage import StorageKeyError, open_storage
from media_pipeline.storage.workspace import task_workspace


def test_local_workspace_is_the_task_folder(tmp_path: Path) -> None:
    storage = open_storage(Settings(storage_url=str(tmp_path / "root")))
    with task_workspace(storage, "t1") as work:
        assert work.scratch is None
        assert work.paths.dir == tmp_path / "root" / "tasks" / "t1"
        work.paths.dir.mkdir(parents=True)
        work.paths.story_json.write_text("{}")
        work.publish([work.paths.story_json])  # in place: nothing to copy
    assert storage.list_keys("tasks") == ["tasks/t1/story.json"]


def test_object_storage_workspace_fetches_publishes_and_cleans_up(s3_bucket: str, tmp_path: Path) -> None:
    storage = open_storage(Settings(storage_url=f"s3://{s3_bucket}/p"))
    storage.write_bytes("tasks/t1/story.json", b'{"title": "t"}')
    storage.write_bytes("tasks/t1/uploads/a.png", b"a")
    storage.write_bytes("tasks/t1/scene_00.png", b"not needed by this stage")

    with pytest.raises(RuntimeError), task_workspace(storage, "t1", tmp_path / "scratch") as work:
        scratch = work.scratch
        assert scratch is not None and scratch.is_relative_to(tmp_path / "scratch")
        work.fetch(work.paths.story_json)
        assert work.fetch_folder(work.paths.uploads_dir) == [work.paths.uploads_dir / "a.png"]
        assert work.fetch_optional(work.paths.music_wav) == []
        with pytest.raises(StorageKeyError):
            work.fetch(work.paths.output_mp4)
        files = sorted(p.relative_to(work.paths.root).as_posix() for p in scratch.rglob("*") if p.is_file())
        assert files == ["tasks/t1/story.json", "tasks/t1/uploads/a.png"]  # only what was asked for
        work.paths.output_mp4.write_bytes(b"video")
        work.publish([work.paths.output_mp4])
        raise RuntimeError("stage failed after publishing")
    assert not scratch.exists()
    assert list((tmp_path / "scratch").iterdir()) == []
    assert storage.read_bytes("tasks/t1/output.mp4") == b"video"
