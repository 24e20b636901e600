"""Settings objects for tests: the code under test takes them from its caller (docs/ARCHITECTURE.md §1)."""

from __future__ import annotations

from typing import Any

from media_pipeline.settings import Settings


def with_values(settings: Settings, **values: Any) -> Settings:
    """``settings`` with ``values`` replaced (validated and converted like the environment's values)."""
    return Settings(**{**settings.model_dump(), **values})
