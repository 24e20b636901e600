"""Cloning a voice (docs/ARCHITECTURE.md §12): refused without the speaker's consent (who, the statement,
consent given); the sample is checked like a music track (a real audio file of an accepted length) and
sent to the ElevenLabs-compatible provider, then the clone is recorded with its consent."""

from __future__ import annotations

import tempfile
from pathlib import Path

from media_pipeline.errors import PermanentError, ProviderNotConfiguredError, TransientError
from media_pipeline.providers.elevenlabs_api import ElevenLabsApi, ProviderVoice
from media_pipeline.settings import Settings
from media_pipeline.store import (
    ClonedVoices,
    ClonedVoiceView,
    ConflictError,
    StoreUnavailable,
    ValidationFailed,
)
from media_pipeline.store.voices import check_consent
from media_pipeline.usecases import IncomingFile
from media_pipeline.usecases_music import check_audio, receive_upload


def _provider(settings: Settings) -> ElevenLabsApi:
    try:
        return ElevenLabsApi(settings)
    except ProviderNotConfiguredError as exc:
        raise ConflictError(str(exc)) from exc


class VoiceCloning:
    """The workspace's cloned voices and the provider's voice list."""

    def __init__(self, voices: ClonedVoices, settings: Settings, *, scratch: Path | None) -> None:
        self.voices = voices
        self.settings = settings
        self.scratch = scratch

    def provider_voices(self) -> list[ProviderVoice]:
        """Every voice of the provider account (409 when it is not configured, 503 when unreachable)."""
        api = _provider(self.settings)
        try:
            return api.voices()
        except TransientError as exc:
            raise StoreUnavailable(f"the voice provider is unavailable: {exc}") from exc
        finally:
            api.close()

    def clone(
        self, name: str, consent_by: str, statement: str, given: bool, sample: IncomingFile
    ) -> ClonedVoiceView:
        """Clone a voice from ``sample`` (an uploaded file) with the recorded consent; ValidationFailed
        without consent or for a sample that is not audio, nothing recorded nor sent then."""
        check_consent(name, consent_by, statement, given)
        with tempfile.TemporaryDirectory(prefix="media-pipeline-voice-", dir=self.scratch) as tmp:
            local = receive_upload(sample, Path(tmp), self.settings.music_max_bytes)
            check_audio(local, sample.filename or "sample")
            api = _provider(self.settings)
            try:
                voice_id = api.add_voice(name.strip(), [local])
            except TransientError as exc:
                raise StoreUnavailable(f"the voice provider is unavailable: {exc}") from exc
            except PermanentError as exc:
                raise ValidationFailed(f"the voice provider refused the sample: {exc}") from exc
            finally:
                api.close()
        return self.voices.add(name, voice_id, consent_by, statement)
