"""Random string ids; task ids are valid Dagster partition keys and folder names."""

from __future__ import annotations

import secrets


def new_id(prefix: str) -> str:
    """``prefix`` + 12 random hex characters, e.g. ``t3f9a0c1d2b4e``."""
    return f"{prefix}{secrets.token_hex(6)}"


def new_task_id() -> str:
    """A new task id matching ``TASK_ID_PATTERN``."""
    return new_id("t")
