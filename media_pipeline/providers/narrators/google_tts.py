"""Google Cloud Text-to-Speech (``POST /v1/text:synthesize``) with an API key or a service account."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from html import escape
from typing import Any

from media_pipeline.domain import Language
from media_pipeline.errors import PermanentError, ProviderNotConfiguredError, TransientError
from media_pipeline.media.tts import MarkedSpeech
from media_pipeline.media.words import split_words
from media_pipeline.providers.http_api import HttpApi, secret_value
from media_pipeline.providers.retry import Backoff
from media_pipeline.settings import Settings

SCOPE = "https://www.googleapis.com/auth/cloud-platform"
SAMPLE_RATE = 24000
# Neural2 where Google offers it for the language, else WaveNet.
DEFAULT_VOICES = {
    Language.KO: "ko-KR-Neural2-A",
    Language.EN: "en-US-Neural2-F",
    Language.JA: "ja-JP-Neural2-B",
    Language.ZH: "cmn-CN-Wavenet-A",
    Language.ES: "es-ES-Neural2-A",
    Language.FR: "fr-FR-Neural2-A",
    Language.DE: "de-DE-Neural2-A",
}


def language_code(voice: str) -> str:
    """BCP-47 code a Google voice name starts with (``ko-KR-Neural2-A`` → ``ko-KR``)."""
    parts = voice.split("-")
    if len(parts) < 3:
        raise PermanentError(f"Google voice {voice!r} must look like 'ko-KR-Neural2-A'")
    return "-".join(parts[:2])


def service_account_token(path: str) -> Callable[[], str]:
    """A function returning a fresh OAuth access token of the service account in ``path``."""
    import google.auth.exceptions
    from google.auth.transport.requests import Request
    from google.oauth2 import service_account

    try:
        credentials = service_account.Credentials.from_service_account_file(path, scopes=[SCOPE])
    except (OSError, ValueError) as exc:
        raise ProviderNotConfiguredError(
            f"cannot read the Google service account file {path}: {exc}"
        ) from exc

    def token() -> str:
        if not credentials.valid:
            try:
                credentials.refresh(Request())
            except google.auth.exceptions.TransportError as exc:
                raise TransientError(f"Google token refresh failed: {exc}") from exc
            except google.auth.exceptions.RefreshError as exc:
                raise PermanentError(f"Google rejected the service account: {exc}") from exc
        return credentials.token

    return token


def ssml_with_marks(text: str) -> str:
    """``text`` as SSML with a ``<mark name="N"/>`` before its N-th space-separated word."""
    marked = " ".join(f'<mark name="{i}"/>{escape(word)}' for i, word in enumerate(split_words(text)))
    return f"<speak>{marked}</speak>"


def _marks(answer: dict[str, Any], count: int) -> list[float]:
    """Start seconds of words ``0..count-1`` from ``timepoints`` (empty unless every word has one)."""
    points = answer.get("timepoints")
    found = {
        str(point.get("markName")): float(point["timeSeconds"])
        for point in (points if isinstance(points, list) else [])
        if isinstance(point, dict) and isinstance(point.get("timeSeconds"), int | float)
    }
    names = [str(i) for i in range(count)]
    return [found[name] for name in names] if all(name in found for name in names) else []


class GoogleNarrator:
    """Asks the v1beta1 endpoint for LINEAR16 (a WAV with header) of SSML with a mark before every word,
    decodes the base64 ``audioContent`` and reads the marks' ``timepoints`` (word timings for captions)."""

    def __init__(
        self, settings: Settings, voice: str | None, language: Language, *, backoff: Backoff | None = None
    ) -> None:
        key = secret_value(settings.tts_google_api_key)
        if key is None and settings.tts_google_credentials_file is None:
            raise ProviderNotConfiguredError(
                "google voices need MEDIA_PIPELINE_TTS_GOOGLE_API_KEY or "
                "MEDIA_PIPELINE_TTS_GOOGLE_CREDENTIALS_FILE (a service-account JSON)"
            )
        self.voice = voice or settings.tts_google_voice or DEFAULT_VOICES[language]
        self.language_code = language_code(self.voice)
        self.identity = f"google:{self.voice}"
        self._key = key
        self._token = (
            None if key is not None else service_account_token(str(settings.tts_google_credentials_file))
        )
        self._api = HttpApi(
            settings.tts_google_base_url, name="Google TTS", timeout_s=settings.tts_timeout_s, backoff=backoff
        )

    def speak(self, text: str, speed: float) -> bytes:
        """WAV bytes decoded from the JSON answer."""
        return self.speak_marked(text, speed).audio

    def speak_marked(self, text: str, speed: float) -> MarkedSpeech:
        """WAV bytes and the start of every word (``timepoints`` of the SSML marks)."""
        body = {
            "input": {"ssml": ssml_with_marks(text)},
            "voice": {"languageCode": self.language_code, "name": self.voice},
            "audioConfig": {
                "audioEncoding": "LINEAR16",
                "sampleRateHertz": SAMPLE_RATE,
                "speakingRate": speed,
            },
            "enableTimePointing": ["SSML_MARK"],
        }
        auth: dict[str, dict[str, str | None]]
        if self._token is not None:
            auth = {"headers": {"Authorization": f"Bearer {self._token()}"}}
        else:
            auth = {"params": {"key": self._key}}
        answer = self._api.json("POST", "v1beta1/text:synthesize", json=body, **auth)
        content = answer.get("audioContent")
        if not isinstance(content, str) or not content:
            raise PermanentError("Google TTS answered without audioContent")
        try:
            audio = base64.b64decode(content, validate=True)
        except binascii.Error as exc:
            raise PermanentError(f"Google TTS audioContent is not valid base64: {exc}") from exc
        return MarkedSpeech(audio, _marks(answer, len(split_words(text))))

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._api.close()
