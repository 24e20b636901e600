"""ElevenLabs-compatible voices, cloned ones included (docs/ARCHITECTURE.md §12): the character
alignment of ``with-timestamps`` gives each word's start, so word-level captions need no guessing."""

from __future__ import annotations

import re

from media_pipeline.errors import ProviderNotConfiguredError
from media_pipeline.media.tts import MarkedSpeech
from media_pipeline.media.words import split_words
from media_pipeline.providers.elevenlabs_api import ElevenLabsApi
from media_pipeline.providers.retry import Backoff
from media_pipeline.settings import Settings

_VOICE_ID_RE = re.compile(r"^[A-Za-z0-9]{1,64}$")


def word_starts(characters: list[str], starts: list[float]) -> list[float]:
    """The start of every space-separated word: the time of its first character."""
    marks = []
    for index, char in enumerate(characters):
        if not char.isspace() and (index == 0 or characters[index - 1].isspace()):
            marks.append(starts[index])
    return marks


class ElevenLabsNarrator:
    """Speaks with one voice id; a :class:`~media_pipeline.media.tts.MarkingNarrator`."""

    def __init__(self, settings: Settings, voice: str | None, *, backoff: Backoff | None = None) -> None:
        voice_id = voice or settings.elevenlabs_voice
        if voice_id is None:
            raise ProviderNotConfiguredError(
                "elevenlabs needs a voice id ('elevenlabs:<voice_id>') or MEDIA_PIPELINE_ELEVENLABS_VOICE"
            )
        if not _VOICE_ID_RE.fullmatch(voice_id):
            raise ProviderNotConfiguredError(f"ElevenLabs voice id {voice_id!r} must be letters and digits")
        self.voice_id = voice_id
        self._api = ElevenLabsApi(settings, backoff=backoff)
        self.identity = f"elevenlabs:{self._api.model}:{voice_id}"

    def speak(self, text: str, speed: float) -> bytes:
        """MP3 bytes."""
        return self.speak_marked(text, speed).audio

    def speak_marked(self, text: str, speed: float) -> MarkedSpeech:
        """MP3 bytes and the start of each word (none when the alignment does not cover every word)."""
        timed = self._api.speak(self.voice_id, text, speed)
        marks = word_starts(timed.characters, timed.starts)
        return MarkedSpeech(timed.audio, marks if len(marks) == len(split_words(text)) else [])

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._api.close()
