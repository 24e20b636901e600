"""Error classes that decide retry behaviour: permanent errors fail at once, transient ones retry."""

from __future__ import annotations


class MediaPipelineError(Exception):
    """Base of all errors raised on purpose by media_pipeline."""

    code = "INTERNAL"


class PermanentError(MediaPipelineError):
    """Retrying cannot help (invalid settings, missing input file, provider not configured)."""

    code = "PERMANENT"


class ProviderNotConfiguredError(PermanentError):
    """A provider was selected but its settings (URL, key, token file) are missing."""

    code = "PROVIDER_NOT_CONFIGURED"


class TransientError(MediaPipelineError):
    """May succeed later (HTTP 5xx, timeouts, connection errors)."""

    code = "TRANSIENT"


class DeferredError(TransientError):
    """Not possible now but later (quota exhausted); ``retry_after_s`` says when to try again."""

    code = "DEFERRED"

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class BoundedDeferral(DeferredError):
    """A deferral whose raiser bounds how long it can go on (the publish stage fails a publication deferred
    past ``publish_defer_horizon_h``), so it reschedules the stage without using one of its automatic
    retries (docs/ARCHITECTURE.md §4, retry policy)."""
