"""Narration providers behind the :class:`~media_pipeline.media.tts.Narrator` interface, chosen by a
task's ``voice`` setting (see :mod:`media_pipeline.domain.voice`)."""

from __future__ import annotations

from media_pipeline.domain import Language
from media_pipeline.domain.voice import VoiceRef
from media_pipeline.errors import ProviderNotConfiguredError
from media_pipeline.media.tts import Narrator
from media_pipeline.providers.retry import Backoff
from media_pipeline.settings import Settings


def build_narrator(
    ref: VoiceRef, language: Language, settings: Settings, *, backoff: Backoff | None = None
) -> Narrator:
    """The narrator of ``ref`` (its default voice for ``language`` when ``ref.name`` is None).

    Raises ProviderNotConfiguredError when the provider's settings are missing.
    """
    if ref.provider == "espeak":
        from media_pipeline.providers.narrators.espeak import EspeakNarrator, default_espeak_voice

        return EspeakNarrator(ref.name or default_espeak_voice(language))
    if ref.provider == "openai":
        from media_pipeline.providers.narrators.openai_speech import OpenAISpeechNarrator

        return OpenAISpeechNarrator(settings, ref.name, backoff=backoff)
    if ref.provider == "google":
        from media_pipeline.providers.narrators.google_tts import GoogleNarrator

        return GoogleNarrator(settings, ref.name, language, backoff=backoff)
    if ref.provider == "elevenlabs":
        from media_pipeline.providers.narrators.elevenlabs import ElevenLabsNarrator

        return ElevenLabsNarrator(settings, ref.name, backoff=backoff)
    raise ProviderNotConfiguredError(f"unknown narration provider {ref.provider!r}")


def validate_voice(ref: VoiceRef, settings: Settings) -> None:
    """Raise PermanentError (ProviderNotConfiguredError when settings are missing) if ``ref``'s provider
    cannot run with ``settings``; no network request is made."""
    build_narrator(ref, Language.EN, settings).close()
