"""The ``voice`` setting of a task: ``provider:voice`` (``openai:alloy``), a bare provider name (its default
voice) or a bare espeak-ng voice (``ko``, ``en-us``), parsed into a :class:`VoiceRef`."""

from __future__ import annotations

import re
from dataclasses import dataclass

NARRATION_PROVIDERS = ("espeak", "openai", "google", "elevenlabs")
DEFAULT_PROVIDER = "espeak"
VOICE_PATTERN = r"^(?:[a-z]+:)?[A-Za-z0-9_+\-.]{1,60}$"
_VOICE_RE = re.compile(VOICE_PATTERN)


@dataclass(frozen=True)
class VoiceRef:
    """A narration provider and, optionally, one of its voices (None: the provider's default)."""

    provider: str
    name: str | None = None

    def __str__(self) -> str:
        return f"{self.provider}:{self.name}" if self.name else self.provider


def parse_voice(value: str | None, default_provider: str = DEFAULT_PROVIDER) -> VoiceRef:
    """Parse a ``voice`` setting; None means ``default_provider`` with its default voice.

    Raises ValueError for malformed values and unknown provider prefixes.
    """
    if value is None:
        return VoiceRef(default_provider)
    if not _VOICE_RE.fullmatch(value):
        raise ValueError(f"voice {value!r} must look like 'ko', 'openai:alloy' or 'google:ko-KR-Neural2-A'")
    provider, sep, name = value.partition(":")
    if not sep:
        return VoiceRef(value) if value in NARRATION_PROVIDERS else VoiceRef(DEFAULT_PROVIDER, value)
    if provider not in NARRATION_PROVIDERS:
        raise ValueError(f"unknown voice provider {provider!r}; use one of {', '.join(NARRATION_PROVIDERS)}")
    return VoiceRef(provider, name)
