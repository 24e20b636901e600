"""An ElevenLabs-compatible API (docs/ARCHITECTURE.md §12): ``GET /v1/voices``, instant voice cloning
``POST /v1/voices/add`` (multipart ``name`` + ``files``) and ``POST /v1/text-to-speech/{voice_id}/
with-timestamps`` (JSON: base64 audio and the character-level ``alignment``). The key travels in the
``xi-api-key`` header and is never logged; 429/5xx are retried (``HttpApi``), 401 and other 4xx are
permanent errors."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from media_pipeline.errors import PermanentError, ProviderNotConfiguredError
from media_pipeline.providers.http_api import HttpApi, secret_value
from media_pipeline.providers.retry import Backoff
from media_pipeline.settings import Settings

OUTPUT_FORMAT = "mp3_44100_128"
MIN_SPEED, MAX_SPEED = 0.7, 1.2  # the range ElevenLabs accepts for voice_settings.speed


@dataclass(frozen=True)
class ProviderVoice:
    """A voice the provider offers (premade or cloned)."""

    voice_id: str
    name: str
    category: str


@dataclass(frozen=True)
class TimedSpeech:
    """Audio and when each of its text's characters starts (seconds)."""

    audio: bytes
    characters: list[str]
    starts: list[float]


def _timed(answer: dict[str, Any]) -> TimedSpeech:
    try:
        audio = base64.b64decode(str(answer["audio_base64"]), validate=True)
    except (KeyError, binascii.Error) as exc:
        raise PermanentError("ElevenLabs answered without valid audio_base64") from exc
    alignment = answer.get("alignment") or {}
    characters = alignment.get("characters")
    starts = alignment.get("character_start_times_seconds")
    if not isinstance(characters, list) or not isinstance(starts, list) or len(characters) != len(starts):
        return TimedSpeech(audio, [], [])
    return TimedSpeech(audio, [str(c) for c in characters], [float(t) for t in starts])


class ElevenLabsApi:
    """The three calls this project makes, against ``MEDIA_PIPELINE_ELEVENLABS_BASE_URL``."""

    def __init__(self, settings: Settings, *, backoff: Backoff | None = None) -> None:
        key = secret_value(settings.elevenlabs_api_key)
        if key is None:
            raise ProviderNotConfiguredError("elevenlabs voices need MEDIA_PIPELINE_ELEVENLABS_API_KEY")
        self.model = settings.elevenlabs_model
        self._api = HttpApi(
            settings.elevenlabs_base_url,
            name="ElevenLabs",
            headers={"xi-api-key": key},
            timeout_s=settings.tts_timeout_s,
            backoff=backoff,
        )

    def voices(self) -> list[ProviderVoice]:
        """Every voice of the account."""
        answer = self._api.json("GET", "v1/voices")
        return [
            ProviderVoice(str(v["voice_id"]), str(v.get("name", "")), str(v.get("category", "")))
            for v in answer.get("voices", [])
            if isinstance(v, dict) and "voice_id" in v
        ]

    def add_voice(self, name: str, samples: Sequence[Path]) -> str:
        """Clone a voice from ``samples`` (instant voice cloning); returns its ``voice_id``."""
        files = [
            ("files", (sample.name, sample.read_bytes(), "application/octet-stream")) for sample in samples
        ]
        answer = self._api.json("POST", "v1/voices/add", data={"name": name}, files=files)
        voice_id = answer.get("voice_id")
        if not isinstance(voice_id, str) or not voice_id:
            raise PermanentError("ElevenLabs answered the voice clone without a voice_id")
        return voice_id

    def speak(self, voice_id: str, text: str, speed: float) -> TimedSpeech:
        """MP3 of ``text`` in ``voice_id`` with each character's start time."""
        body = {
            "text": text,
            "model_id": self.model,
            "voice_settings": {"speed": min(MAX_SPEED, max(MIN_SPEED, speed))},
        }
        answer = self._api.json(
            "POST",
            f"v1/text-to-speech/{voice_id}/with-timestamps",
            params={"output_format": OUTPUT_FORMAT},
            json=body,
        )
        return _timed(answer)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._api.close()
