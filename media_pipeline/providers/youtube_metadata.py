"""The ``video`` resource sent to ``videos.insert``: snippet and status within YouTube's limits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from media_pipeline.domain import Privacy, Script, TaskSpec
from media_pipeline.domain.disclosure import disclosure
from media_pipeline.domain.voice import DEFAULT_PROVIDER

TITLE_MAX_CHARS = 100
DESCRIPTION_MAX_BYTES = 5000
CREDITS_MAX_BYTES = 3000  # clip credits never push out the marker; the script's text is cut first
TAGS_MAX_CHARS = 500
_ANGLE_RE = re.compile(r"[<>]")


def clean_text(text: str) -> str:
    """Text without ``<`` and ``>`` (YouTube rejects them in titles, descriptions and tags)."""
    return _ANGLE_RE.sub("", text).strip()


def rfc3339_utc(moment: datetime) -> str:
    """``2025-01-31T09:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def contains_marker(text: str, marker: str) -> bool:
    """True if ``marker`` occurs in ``text`` as a whole token (``…:task:1`` does not match ``…:task:12``)."""
    return re.search(rf"(?<![\w:-]){re.escape(marker)}(?![\w-])", text) is not None


def _title(script: Script, task: TaskSpec) -> str:
    return (clean_text(script.title) or clean_text(task.title) or task.task_id)[:TITLE_MAX_CHARS]


def _description(script: Script, marker: str, credits: Sequence[str] = ()) -> str:
    """The script's description, then the clip credits, then the marker (always kept); the description is
    cut to fit 5000 bytes."""
    lines: list[str] = []
    for line in (clean_text(line) for line in credits):
        if len("\n".join([*lines, line]).encode()) <= CREDITS_MAX_BYTES:
            lines.append(line)
    tail = "\n\n" + "\n".join([*lines, marker]) if lines else f"\n\n{marker}"
    budget = DESCRIPTION_MAX_BYTES - len(tail.encode())
    body = clean_text(script.description).encode()[:budget].decode("utf-8", "ignore").rstrip()
    return f"{body}{tail}" if body else tail.lstrip("\n")


def _tags(script: Script, task: TaskSpec, marker: str) -> list[str]:
    """Marker first (always kept), then the script's and the task's tags while within 500 characters."""
    tags: list[str] = []
    used = 0
    for raw in [marker, *script.tags, *task.settings.tags]:
        tag = clean_text(raw.replace(",", " "))
        cost = len(tag) + (2 if " " in tag else 0) + (1 if tags else 0)
        if tag and tag not in tags and used + cost <= TAGS_MAX_CHARS:
            tags.append(tag)
            used += cost
    return tags


def video_body(
    task: TaskSpec,
    script: Script,
    marker: str,
    *,
    category_id: str,
    now: datetime,
    voice_provider: str = DEFAULT_PROVIDER,
    credits: Sequence[str] = (),
) -> dict[str, Any]:
    """Snippet and status for ``videos.insert(part="snippet,status")``.

    ``selfDeclaredMadeForKids`` and ``containsSyntheticMedia`` are always sent (see
    :func:`~media_pipeline.domain.disclosure.disclosure`; ``voice_provider`` narrates tasks without a
    ``voice``); ``credits`` (stock clip credit lines) go into the description above the marker. A future
    ``publishAt`` schedules the video and forces ``privacyStatus=private``
    (YouTube's rule); a ``publishAt`` already in the past is dropped and the requested privacy
    applies at once.
    """
    settings = task.settings
    status: dict[str, Any] = {"privacyStatus": settings.privacy.value}
    status.update(disclosure(settings, voice_provider).status())
    if settings.publish_at is not None and settings.publish_at > now:
        status.update(privacyStatus=Privacy.PRIVATE.value, publishAt=rfc3339_utc(settings.publish_at))
    snippet = {
        "title": _title(script, task),
        "description": _description(script, marker, credits),
        "tags": _tags(script, task, marker),
        "categoryId": category_id,
        "defaultLanguage": settings.language.value,
        "defaultAudioLanguage": settings.language.value,
    }
    return {"snippet": snippet, "status": status}
