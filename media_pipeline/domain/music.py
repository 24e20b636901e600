"""The music library's vocabulary (docs/ARCHITECTURE.md §12): track ids, mood tags, and which track a task
plays (by id, or random-but-deterministic per task among the tracks of its mood)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

MUSIC_TRACK_ID_PATTERN = r"^mus[0-9a-f]{12}$"
MOOD_PATTERN = r"^[a-z0-9][a-z0-9-]{0,29}$"
MAX_MOODS = 10
_MOOD_RE = re.compile(MOOD_PATTERN)


def normalize_mood(value: str) -> str:
    """``value`` as a mood tag (trimmed, lower case); ValueError unless it is 1-30 of ``a-z0-9-``."""
    mood = value.strip().lower()
    if not _MOOD_RE.fullmatch(mood):
        raise ValueError(f"mood {value!r} must be 1-30 letters, digits or '-' (e.g. 'calm', 'up-beat')")
    return mood


def pick_track(task_id: str, mood: str, track_ids: Sequence[str]) -> str | None:
    """One of ``track_ids`` (the tracks tagged ``mood``) chosen by a hash of task and mood: the same task
    always gets the same track while the candidates stay the same, different tasks spread over them."""
    if not track_ids:
        return None
    digest = hashlib.sha256(f"{task_id}\0{mood}".encode()).digest()
    candidates = sorted(track_ids)
    return candidates[int.from_bytes(digest[:8], "big") % len(candidates)]
