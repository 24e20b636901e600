"""Local-folder storage: keys are files below a root folder (today's layout, the default)."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from media_pipeline.fsutil import atomic_path
from media_pipeline.storage.base import (
    SETTING,
    Storage,
    StorageConfigError,
    StorageKeyError,
    StoredObject,
    validate_key,
)


class LocalStorage(Storage):
    """Task files under ``root``; writes go to a temp name in the same folder, then ``os.replace``."""

    def __init__(self, root: Path, url: str | None = None) -> None:
        self.root = root.expanduser().resolve()
        self.url = url or str(self.root)

    def _path(self, key: str) -> Path:
        return self.root / validate_key(key)

    def check(self) -> None:
        """The root exists (it is created) and is writable."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageConfigError(f"{SETTING}={self.url}: cannot create folder: {exc}") from exc
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageConfigError(f"{SETTING}={self.url}: folder {self.root} is not writable")

    def upload(self, local: Path, key: str) -> None:
        """Copy ``local`` to the key's file atomically (nothing to do if it already is that file)."""
        target = self._path(key)
        if target.exists() and target.samefile(local):
            return
        with atomic_path(target) as tmp:
            shutil.copyfile(local, tmp)

    def download(self, key: str, local: Path) -> Path:
        """Copy the key's file to ``local`` (nothing to do if it already is that file)."""
        source = self._path(key)
        if not source.is_file():
            raise StorageKeyError(f"{key} not found in {self.url}")
        if local.exists() and local.samefile(source):
            return local
        with atomic_path(local) as tmp:
            shutil.copyfile(source, tmp)
        return local

    def exists(self, key: str) -> bool:
        """True if the key's file exists."""
        return self._path(key).is_file()

    def list_objects(self, prefix: str) -> list[StoredObject]:
        """Files below ``prefix`` (temp files of unfinished writes excluded)."""
        base = self._path(prefix)
        if not base.is_dir():
            return []
        found = []
        for path in base.rglob("*"):
            if path.is_file() and not path.name.startswith("."):
                stat = path.stat()
                modified = datetime.fromtimestamp(stat.st_mtime, UTC)
                found.append(StoredObject(path.relative_to(self.root).as_posix(), stat.st_size, modified))
        return sorted(found, key=lambda item: item.key)

    def delete(self, keys: list[str]) -> None:
        """Remove the keys' files."""
        for key in keys:
            self._path(key).unlink(missing_ok=True)

    def move(self, source: str, target: str) -> None:
        """Rename the file (same file system: atomic)."""
        destination = self._path(target)
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._path(source), destination)

    def presigned_url(self, key: str, expires_s: int) -> str | None:
        """None: local files are served by the API with its own authentication."""
        return None

    def uri(self, key: str) -> str:
        """``file://`` URI of the key's file."""
        return self._path(key).as_uri()

    def local_path(self, key: str) -> Path | None:
        """The key's file."""
        return self._path(key)
