"""The tenant every service call is scoped by (docs/ARCHITECTURE.md §3, invariant 8)."""

from __future__ import annotations

from dataclasses import dataclass

_MAX_LEN = 64


@dataclass(frozen=True, slots=True)
class Owner:
    """A user inside a workspace; rows of another owner are invisible (NotFound)."""

    user_id: str
    workspace_id: str

    def __post_init__(self) -> None:
        for name in ("user_id", "workspace_id"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value or len(value) > _MAX_LEN:
                raise ValueError(f"Owner.{name} must be a non-empty string of at most {_MAX_LEN} characters")
