"""Errors raised by the store services; each has a stable ``code``, a message and JSON-able details."""

from __future__ import annotations

from typing import Any

from media_pipeline.errors import MediaPipelineError, PermanentError


class StoreError(MediaPipelineError):
    """Base of the service errors; callers map ``code`` to their own protocol (the API to HTTP)."""

    code = "STORE_ERROR"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}

    def to_dict(self) -> dict[str, Any]:
        """``{"code", "message", "details"}`` for API responses and CLI output."""
        return {"code": self.code, "message": self.message, "details": self.details}


class NotFoundError(StoreError):
    """The row does not exist or belongs to another owner (never say which)."""

    code = "NOT_FOUND"


class ConflictError(StoreError):
    """Stale queue version or an action the current status does not allow; nothing was changed."""

    code = "CONFLICT"


class ScriptNotApproved(ConflictError):
    """Only an approved script renders; ``details`` has ``script_id`` and ``review_status``."""

    code = "SCRIPT_NOT_APPROVED"


class ValidationFailed(StoreError, PermanentError):
    """Invalid input; ``details["errors"]`` lists ``{"field", "message", "type"}`` (plus ``taskId``)."""

    code = "VALIDATION_ERROR"

    @property
    def errors(self) -> list[dict[str, Any]]:
        """The field-level errors."""
        return list(self.details.get("errors", []))


class LimitExceeded(StoreError):
    """A plan limit (drafts per queue, assets per add) would be exceeded; ``details`` has the numbers."""

    code = "LIMIT_EXCEEDED"


class InsufficientCredits(StoreError, PermanentError):
    """The workspace's balance does not cover the reservation; ``details`` has required and available."""

    code = "INSUFFICIENT_CREDITS"


class StoreUnavailable(StoreError):
    """The database did not answer (down, unreachable or timed out); nothing was changed."""

    code = "UNAVAILABLE"
