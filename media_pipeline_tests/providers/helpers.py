"""Builders shared by the provider tests: a small task and script, encoded images, OAuth token files."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from PIL import Image

from media_pipeline.domain import Language, Scene, Script, TaskSettings, TaskSpec

TASK_ID = "task-1"


def make_task(**settings: Any) -> TaskSpec:
    """A small vertical task (180x320 canvas) with ``settings`` overrides (camelCase aliases)."""
    base = {"renderHeight": 320, "imageCount": 3, "language": "en"}
    return TaskSpec(
        task_id=TASK_ID, title="Test video", settings=TaskSettings.model_validate({**base, **settings})
    )


def make_script(task: TaskSpec) -> Script:
    """A valid script with one scene per image, styles assigned round-robin."""
    styles = task.settings.styles
    scenes = [
        Scene(
            index=i,
            narration=f"Narration {i}.",
            caption=f"Caption {i}",
            image_prompt=f"a calm lake, view {i}",
            style=styles[i % len(styles)],
        )
        for i in range(task.settings.image_count)
    ]
    return Script(
        title=task.title,
        language=Language(task.settings.language),
        description="About it.",
        tags=["t"],
        scenes=scenes,
    )


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), color: str = "red") -> bytes:
    """A small encoded image."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def write_token(path: Path, token_uri: str, *, token: str | None = "valid-token") -> Path:
    """An authorized-user token file (upload + readonly scopes) for the OAuth fake at ``token_uri``;
    ``token=None`` leaves the access token out (refreshed on first use)."""
    info = {
        "refresh_token": "refresh-1",
        "client_id": "client.apps.googleusercontent.com",
        "client_secret": "secret",
        "token_uri": token_uri,
        "scopes": [
            "https://www.googleapis.com/auth/youtube.upload",
            "https://www.googleapis.com/auth/youtube.readonly",
        ],
    }
    if token is not None:
        info.update(token=token, expiry="2099-01-01T00:00:00Z")
    path.write_text(json.dumps(info))
    return path
