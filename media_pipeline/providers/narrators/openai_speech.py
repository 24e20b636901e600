"""OpenAI-compatible speech endpoint (``POST {base}/audio/speech``), e.g. OpenAI, LocalAI, openedai-speech."""

from __future__ import annotations

from media_pipeline.errors import ProviderNotConfiguredError
from media_pipeline.providers.http_api import HttpApi, bearer_headers, secret_value
from media_pipeline.providers.retry import Backoff
from media_pipeline.settings import Settings


class OpenAISpeechNarrator:
    """Sends ``model``, ``voice``, ``input``, ``response_format`` and ``speed``; the body is the audio."""

    def __init__(self, settings: Settings, voice: str | None, *, backoff: Backoff | None = None) -> None:
        if not settings.tts_base_url:
            raise ProviderNotConfiguredError(
                "openai voices need MEDIA_PIPELINE_TTS_BASE_URL (an OpenAI-compatible /v1 base URL)"
            )
        self.model = settings.tts_model
        self.voice = voice or settings.tts_voice
        self.response_format = settings.tts_response_format
        self.identity = f"openai:{self.model}:{self.voice}:{self.response_format}"
        self._api = HttpApi(
            settings.tts_base_url,
            name=f"TTS {self.model}",
            headers=bearer_headers(secret_value(settings.tts_api_key)),
            timeout_s=settings.tts_timeout_s,
            backoff=backoff,
        )

    def speak(self, text: str, speed: float) -> bytes:
        """Audio bytes in ``response_format``."""
        payload = {
            "model": self.model,
            "voice": self.voice,
            "input": text,
            "response_format": self.response_format,
            "speed": speed,
        }
        return self._api.request("POST", "audio/speech", json=payload).content

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._api.close()
