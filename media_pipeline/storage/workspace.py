"""A stage run's local working copy of one task's files (stateless run workers; docs/ARCHITECTURE.md §7).

On the local-folder backend the workspace *is* the task folder (today's layout, nothing copied). On object
storage it is a per-run scratch folder: the stage downloads only the inputs it needs, writes its outputs
there, uploads each one to its final key, and the scratch folder is deleted at the end, success or failure.
No stage assumes a disk shared with another run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from media_pipeline.domain import TaskPaths
from media_pipeline.storage.base import Storage


class TaskWorkspace:
    """Local paths of a task (``paths``) plus transfers between them and the store."""

    def __init__(self, storage: Storage, paths: TaskPaths, scratch: Path | None) -> None:
        self.storage = storage
        self.paths = paths
        self.scratch = scratch
        """The per-run scratch folder, or None when working in place on the local-folder backend."""

    def key(self, path: Path) -> str:
        """The storage key of a local path inside the workspace."""
        return path.relative_to(self.paths.root).as_posix()

    def fetch(self, *paths: Path) -> None:
        """Download the objects behind ``paths`` (required inputs: a missing one raises)."""
        if self.scratch is None:
            return
        for path in paths:
            if not path.exists():
                self.storage.download(self.key(path), path)

    def fetch_optional(self, *paths: Path) -> list[Path]:
        """Download those of ``paths`` that exist in the store; returns the ones now present."""
        present = []
        for path in paths:
            if self.scratch is not None and not path.exists() and self.storage.exists(self.key(path)):
                self.storage.download(self.key(path), path)
            if path.exists():
                present.append(path)
        return present

    def fetch_folder(self, folder: Path) -> list[Path]:
        """Download every object below ``folder`` (keeping each object's modification time, which orders
        e.g. uploads); returns the local files."""
        if self.scratch is not None:
            for item in self.storage.list_objects(self.key(folder)):
                target = self.paths.root / item.key
                if not target.exists():
                    self.storage.download(item.key, target)
                    stamp = item.modified.timestamp()
                    os.utime(target, (stamp, stamp))
        return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []

    def publish(self, paths: Iterable[Path]) -> None:
        """Upload ``paths`` to their final keys (in the given order: put an entry point such as a master
        playlist last, so readers find it only when everything it names is there)."""
        if self.scratch is None:
            return
        for path in paths:
            self.storage.upload(path, self.key(path))


@contextmanager
def task_workspace(
    storage: Storage, task_id: str, scratch_parent: Path | None = None
) -> Iterator[TaskWorkspace]:
    """The workspace of one stage run of ``task_id``; its scratch folder (object storage only) is removed on
    exit, whether the stage succeeded or not."""
    local_root = storage.local_path("tasks")
    if local_root is not None:
        yield TaskWorkspace(storage, TaskPaths(local_root.parent, task_id), None)
        return
    if scratch_parent is not None:
        scratch_parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"media-pipeline-{task_id}-", dir=scratch_parent))
    try:
        yield TaskWorkspace(storage, TaskPaths(scratch, task_id), scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
