"""The storage interface every backend implements: task files addressed by rule-based keys
(``tasks/{task_id}/story.json``, ...), written so that a reader never sees half an object."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from media_pipeline.errors import PermanentError

SETTING = "MEDIA_PIPELINE_STORAGE_URL"


class StorageConfigError(PermanentError):
    """The storage setting is invalid or the store cannot be used (unreachable, no bucket, bad
    credentials); the message names the setting to fix."""

    code = "STORAGE_CONFIG"


class StorageKeyError(PermanentError):
    """An object that should exist does not."""

    code = "STORAGE_NOT_FOUND"


def validate_key(key: str) -> str:
    """``key`` if it is a relative POSIX path without ``..``/empty parts (keys never come from clients)."""
    if "\\" in key or any(part in ("", ".", "..") for part in key.split("/")):
        raise ValueError(f"invalid storage key {key!r}")
    return key


@dataclass(frozen=True)
class StoredObject:
    """One listed object: its key, size and last modification time (aware)."""

    key: str
    size: int
    modified: datetime


class Storage(ABC):
    """Where task files live. Keys are relative POSIX paths below the store's root/prefix."""

    url: str
    """The setting value this store was built from (for messages)."""

    @abstractmethod
    def check(self) -> None:
        """Fail fast with :class:`StorageConfigError` naming the setting if the store is not usable."""

    @abstractmethod
    def upload(self, local: Path, key: str) -> None:
        """Store the file ``local`` under ``key``; readers see the old object or the whole new one."""

    @abstractmethod
    def download(self, key: str, local: Path) -> Path:
        """Copy object ``key`` to ``local`` (atomically; parents created); raises StorageKeyError if
        missing."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """True if object ``key`` exists."""

    @abstractmethod
    def list_objects(self, prefix: str) -> list[StoredObject]:
        """All objects below folder ``prefix``, sorted by key."""

    def list_keys(self, prefix: str) -> list[str]:
        """Sorted keys of all objects below folder ``prefix``."""
        return [item.key for item in self.list_objects(prefix)]

    @abstractmethod
    def delete(self, keys: list[str]) -> None:
        """Delete ``keys`` (missing ones are ignored)."""

    @abstractmethod
    def move(self, source: str, target: str) -> None:
        """Rename object ``source`` to ``target`` (e.g. into ``history/<generation>/``)."""

    @abstractmethod
    def presigned_url(self, key: str, expires_s: int) -> str | None:
        """A time-limited GET URL for ``key``, or None if the backend has none (local folder: the API
        streams the file itself)."""

    @abstractmethod
    def uri(self, key: str) -> str:
        """A stable, unsigned identifier of ``key`` (``file://`` or ``s3://``) for records and logs."""

    @abstractmethod
    def local_path(self, key: str) -> Path | None:
        """The file behind ``key`` when the backend is a local folder, else None."""

    def read_bytes(self, key: str) -> bytes:
        """The content of ``key``."""
        import tempfile

        with tempfile.TemporaryDirectory(prefix="media-pipeline-read-") as tmp:
            return self.download(key, Path(tmp) / "object").read_bytes()

    def write_bytes(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` (whole-object semantics like :meth:`upload`)."""
        import tempfile

        with tempfile.TemporaryDirectory(prefix="media-pipeline-write-") as tmp:
            local = Path(tmp) / PurePosixPath(key).name
            local.write_bytes(data)
            self.upload(local, key)
