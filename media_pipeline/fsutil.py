"""Atomic file writes (temp name in the same folder, then rename) and safe path joining."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FILE_MODE = 0o644


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temp path beside ``final``; on success rename it over ``final``, on any error remove it.

    The temp name keeps the suffix so tools that sniff extensions (ffmpeg, Pillow) still work.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=f".tmp{final.suffix}", dir=final.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.chmod(FILE_MODE)  # mkstemp creates 0600; outputs are served/read by other processes
    try:
        yield tmp
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_temp_files(directory: Path, stem_pattern: str, suffix: str) -> int:
    """Delete the temp files ``atomic_path`` leaves only when its process is killed (kill -9), for final
    files named ``{stem_pattern}{suffix}`` (a glob) in ``directory``; returns how many."""
    removed = 0
    for leftover in directory.glob(f".{stem_pattern}.*.tmp{suffix}"):
        leftover.unlink(missing_ok=True)
        removed += 1
    return removed


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


def write_json_atomic(path: Path, payload: Any) -> Path:
    """Write ``payload`` as UTF-8 JSON to ``path`` atomically."""
    data = json.dumps(payload, ensure_ascii=False, indent=2, default=str).encode()
    return write_bytes_atomic(path, data)


def safe_child(base: Path, name: str) -> Path:
    """``base / name`` if it stays inside ``base`` (no absolute paths, ``..`` or symlink escapes)."""
    base_resolved = base.resolve()
    candidate = (base_resolved / name).resolve()
    if candidate == base_resolved or base_resolved not in candidate.parents:
        raise ValueError(f"path {name!r} escapes {base}")
    return candidate
