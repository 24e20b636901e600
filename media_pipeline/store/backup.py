"""Backup and restore of the app DB and the task files (docs/ARCHITECTURE.md §7, "Backup and restore").

A backup is a folder: ``manifest.json``, the database snapshot (``app.sqlite3`` made with SQLite's online
backup API, or ``app.pgdump`` from ``pg_dump --format=custom``) and ``files/<key>`` for every object in
the storage's ``PREFIXES`` folders, each listed in the manifest with its size and SHA-256. The snapshot is
consistent (one transaction); files are copied after it, so every file the snapshot names is there. A
restore checks every checksum before it changes anything and refuses a target that holds data unless
``force``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, inspect, make_url, select, table, text
from sqlalchemy.engine import URL

from media_pipeline.storage import Storage, StorageKeyError, StoredObject, validate_key
from media_pipeline.store.db import resolve_engine
from media_pipeline.store.errors import StoreError
from media_pipeline.store.music import MUSIC_PREFIX

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"
SQLITE_SNAPSHOT = "app.sqlite3"
PG_SNAPSHOT = "app.pgdump"
PREFIXES = ("tasks", "published", MUSIC_PREFIX)
"""The storage folders a backup copies: task files, the local publisher's copies (docs/ARCHITECTURE.md §7)
and the music library's tracks (§12)."""


class BackupError(StoreError):
    """A backup or restore that cannot proceed (target not empty, bad checksum, tool failed); nothing
    was changed in the target."""

    code = "BACKUP_ERROR"


@dataclass(frozen=True)
class BackupFile:
    """One file of a backup: its storage key (or the snapshot's name), size and SHA-256."""

    key: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """What a backup holds."""

    created_at: str
    database: str
    snapshot: BackupFile
    files: list[BackupFile]

    def to_json(self) -> dict[str, Any]:
        """The manifest as written to ``manifest.json``."""
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        """A manifest read back; BackupError if it is not one of ours."""
        try:
            if data["format"] != FORMAT or data["database"] not in ("sqlite", "postgresql"):
                raise ValueError("unknown format or database")
            return cls(
                created_at=str(data["created_at"]),
                database=data["database"],
                snapshot=BackupFile(**data["snapshot"]),
                files=[BackupFile(**item) for item in data["files"]],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BackupError(f"{MANIFEST} is not a media-pipeline backup manifest: {exc}") from exc


def create_backup(db_url: str, storage: Storage, dest: Path, *, pg_bindir: Path | None = None) -> Manifest:
    """Write a backup of the app DB ``db_url`` and the task files of ``storage`` into the new or empty
    folder ``dest``; returns its manifest."""
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"backup folder {dest} is not empty", {"path": str(dest)})
    dest.mkdir(parents=True, exist_ok=True)
    url = make_url(db_url)
    if _is_sqlite(url):
        database, snapshot = "sqlite", dest / SQLITE_SNAPSHOT
        _sqlite_copy(_sqlite_path(url), snapshot)
    else:
        database, snapshot = "postgresql", dest / PG_SNAPSHOT
        _pg_tool(pg_bindir, "pg_dump", url, ["--format=custom", "--no-owner", "--file", str(snapshot)])
    files = []
    for item in _stored(storage):
        target = dest / FILES / item.key
        try:
            storage.download(item.key, target)
        except StorageKeyError:  # deleted after the snapshot: no longer named by the database
            continue
        files.append(_described(target, item.key))
    manifest = Manifest(datetime.now(UTC).isoformat(), database, _described(snapshot, snapshot.name), files)
    (dest / MANIFEST).write_text(json.dumps(manifest.to_json(), indent=2))
    return manifest


def restore_backup(
    src: Path, db_url: str, storage: Storage, *, force: bool = False, pg_bindir: Path | None = None
) -> Manifest:
    """Restore the backup in ``src`` into the app DB ``db_url`` and ``storage``: every checksum is
    verified first, and a target holding tasks or files is refused unless ``force``."""
    manifest = _verified(src)
    url = make_url(db_url)
    expected = "sqlite" if _is_sqlite(url) else "postgresql"
    if manifest.database != expected:
        raise BackupError(
            f"the backup is of a {manifest.database} database, the target is {expected}",
            {"backup": manifest.database, "target": expected},
        )
    if not force:
        _check_empty(db_url, storage)
    snapshot = src / manifest.snapshot.key
    if expected == "sqlite":
        resolve_engine(db_url).dispose()
        _sqlite_copy(snapshot, _sqlite_path(url))
    else:  # --clean: a migrated but empty target already has the tables
        _pg_tool(
            pg_bindir,
            "pg_restore",
            url,
            ["--clean", "--if-exists", "--single-transaction", "--no-owner", str(snapshot)],
        )
    for item in manifest.files:
        storage.upload(src / FILES / item.key, item.key)
    return manifest


def _verified(src: Path) -> Manifest:
    """The manifest of ``src`` once every listed file is present with its size and checksum."""
    try:
        manifest = Manifest.from_json(json.loads((src / MANIFEST).read_text()))
    except (OSError, json.JSONDecodeError) as exc:
        raise BackupError(f"cannot read {src / MANIFEST}: {exc}", {"path": str(src)}) from exc
    if manifest.snapshot.key not in (SQLITE_SNAPSHOT, PG_SNAPSHOT):
        raise BackupError(f"unexpected snapshot name {manifest.snapshot.key!r}")
    entries = [(src / manifest.snapshot.key, manifest.snapshot)]
    for item in manifest.files:
        try:
            if validate_key(item.key).split("/")[0] not in PREFIXES:
                raise ValueError("outside the backed-up folders")
        except ValueError as exc:
            raise BackupError(f"invalid key in {MANIFEST}: {item.key!r}", {"key": item.key}) from exc
        entries.append((src / FILES / item.key, item))
    bad = [item.key for path, item in entries if not path.is_file() or _described(path, item.key) != item]
    if bad:
        raise BackupError(
            f"{len(bad)} files of the backup are missing or do not match {MANIFEST}", {"files": bad[:20]}
        )
    return manifest


def _check_empty(db_url: str, storage: Storage) -> None:
    """BackupError unless the app DB has no rows (outside ``alembic_version``) and the storage no files."""
    engine = resolve_engine(db_url)
    with engine.connect() as connection:
        tables = [name for name in inspect(connection).get_table_names() if name != "alembic_version"]
        filled = [name for name in tables if connection.execute(_any_row(name)).first()]
    objects = _stored(storage)
    if filled or objects:
        raise BackupError(
            "the target is not empty (restore with --force to overwrite it)",
            {"tables": sorted(filled), "files": len(objects)},
        )


def _stored(storage: Storage) -> list[StoredObject]:
    return [item for prefix in PREFIXES for item in storage.list_objects(prefix)]


def _any_row(name: str) -> Select[Any]:
    return select(text("1")).select_from(table(name)).limit(1)


def _described(path: Path, key: str) -> BackupFile:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return BackupFile(key, path.stat().st_size, digest.hexdigest())


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy the SQLite database ``source`` into ``target`` with the online backup API (a consistent
    snapshot while other connections write; the target's pages are replaced as a whole)."""
    if not source.is_file():
        raise BackupError(f"SQLite database {source} does not exist", {"path": str(source)})
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as reader, closing(sqlite3.connect(target)) as writer:
        reader.backup(writer)


def _pg_tool(bindir: Path | None, program: str, url: URL, arguments: list[str]) -> None:
    """Run ``pg_dump``/``pg_restore`` against ``url`` (password through the environment, never argv)."""
    executable = str(bindir / program) if bindir else shutil.which(program)
    if executable is None:
        raise BackupError(f"{program} not found on PATH (install the PostgreSQL client or pass --pg-bindir)")
    libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = {**os.environ, **({"PGPASSWORD": str(url.password)} if url.password else {})}
    result = subprocess.run(
        [executable, *arguments, f"--dbname={libpq}"], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        message = f"{program} failed: {result.stderr.strip()[-2000:]}"
        raise BackupError(message, {"exitCode": result.returncode})
