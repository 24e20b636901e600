"""``media-pipeline backup`` / ``restore``: the app DB and the task files to a folder and back
(the work is in ``store/backup.py``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from media_pipeline.settings import get_settings

if TYPE_CHECKING:
    from media_pipeline.store import Manifest


def _summary(manifest: Manifest, path: Path) -> dict[str, object]:
    return {
        "path": str(path),
        "database": manifest.database,
        "files": len(manifest.files),
        "bytes": manifest.snapshot.size + sum(item.size for item in manifest.files),
        "createdAt": manifest.created_at,
    }


def _backup(args: argparse.Namespace) -> object:
    from media_pipeline.storage import open_storage
    from media_pipeline.store import create_backup

    settings = get_settings()
    manifest = create_backup(
        settings.resolved_app_db_url, open_storage(settings), args.dest, pg_bindir=args.pg_bindir
    )
    return _summary(manifest, args.dest)


def _restore(args: argparse.Namespace) -> object:
    from media_pipeline.storage import open_storage
    from media_pipeline.store import restore_backup

    settings = get_settings()
    storage = open_storage(settings)
    url = settings.resolved_app_db_url
    manifest = restore_backup(args.src, url, storage, force=args.force, pg_bindir=args.pg_bindir)
    return _summary(manifest, args.src)


def add_backup_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``backup DEST`` and ``restore SRC [--force]``."""
    bindir = {"type": Path, "help": "folder of pg_dump/pg_restore (default: PATH)"}
    backup = sub.add_parser("backup", help="snapshot the app DB and copy every task file into folder DEST")
    backup.add_argument("dest", type=Path, help="a new or empty folder")
    backup.add_argument("--pg-bindir", **bindir)
    backup.set_defaults(handler=_backup, emit=True)
    restore = sub.add_parser("restore", help="restore a backup folder (checksums verified first)")
    restore.add_argument("src", type=Path)
    restore.add_argument("--force", action="store_true", help="overwrite a target that holds data")
    restore.add_argument("--pg-bindir", **bindir)
    restore.set_defaults(handler=_restore, emit=True)
