"""The ElevenLabs-compatible provider against its loopback fake: the key header, the voice list, instant
voice cloning (multipart name + files), text-to-speech with timestamps (model id, base64 audio decoded,
word timings from the character alignment) and the 401 / 429 / 5xx answers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from media_pipeline.domain import Language
from media_pipeline.domain.voice import parse_voice
from media_pipeline.errors import PermanentError, ProviderNotConfiguredError, TransientError
from media_pipeline.media.tts import sentence_wav, sentence_words, wav_duration
from media_pipeline.providers.elevenlabs_api import ElevenLabsApi
from media_pipeline.providers.narrators import build_narrator
from media_pipeline.providers.retry import Backoff
from media_pipeline.settings import Settings
from media_pipeline_tests.providers.fake_elevenlabs import FakeElevenLabs, multipart_fields
from media_pipeline_tests.providers.fake_tts import SECONDS_PER_CHAR, failing_first, tone
from media_pipeline_tests.providers.fakeserver import FakeServer, Reply


def _settings(
    make: Callable[..., Settings], server: FakeServer, key: str = "xi-test-key", **extra: object
) -> Settings:
    return make(elevenlabs_base_url=server.base_url, elevenlabs_api_key=SecretStr(key), **extra)


def test_clone_list_and_speak_with_word_timings(
    make_settings: Callable[..., Settings], fast_backoff: Backoff, tmp_path: Path
) -> None:
    fake = FakeElevenLabs()
    sample = tmp_path / "sample.mp3"
    sample.write_bytes(tone(2.0, "mp3"))
    with FakeServer(fake) as server:
        settings = _settings(make_settings, server)
        api = ElevenLabsApi(settings, backoff=fast_backoff)
        voice_id = api.add_voice("지수 목소리", [sample])
        assert {v.voice_id: v.name for v in api.voices()}[voice_id] == "지수 목소리"
        api.close()
        narrator = build_narrator(
            parse_voice(f"elevenlabs:{voice_id}"), Language.KO, settings, backoff=fast_backoff
        )
        text = "오늘은 좋은 날씨 입니다"
        wav = sentence_wav(narrator, text, 1.0, tmp_path)
    add = server.matching("POST", "/v1/voices/add")[0]
    assert [(name, filename) for name, filename, _ in multipart_fields(add)] == [
        ("name", None),
        ("files", "sample.mp3"),
    ]
    assert fake.samples[voice_id] == [sample.read_bytes()]
    (tts,) = server.matching("POST", "/v1/text-to-speech/")
    assert tts.path == f"/v1/text-to-speech/{voice_id}/with-timestamps"
    assert (
        tts.json()["model_id"] == "eleven_multilingual_v2" and tts.query["output_format"] == "mp3_44100_128"
    )
    assert all(request.headers["xi-api-key"] == "xi-test-key" for request in server.requests)
    words = sentence_words(wav, text)
    assert [w.text for w in words] == text.split()
    offsets = [text.index(word) * SECONDS_PER_CHAR for word in text.split()]
    assert [w.start for w in words] == pytest.approx(offsets, abs=0.03)
    assert wav_duration(wav) > 0.5


def test_wrong_key_and_unknown_model_are_permanent(
    make_settings: Callable[..., Settings], fast_backoff: Backoff, tmp_path: Path
) -> None:
    with FakeServer(FakeElevenLabs()) as server:
        wrong = ElevenLabsApi(_settings(make_settings, server, key="nope"), backoff=fast_backoff)
        with pytest.raises(PermanentError, match=r"401.*invalid_api_key"):
            wrong.voices()
        settings = _settings(make_settings, server, elevenlabs_model="eleven_nonexistent")
        narrator = build_narrator(
            parse_voice("elevenlabs:21m00Tcm4TlvDq8ikWAM"), Language.EN, settings, backoff=fast_backoff
        )
        with pytest.raises(PermanentError, match=r"400.*model_not_found"):
            sentence_wav(narrator, "Hello there.", 1.0, tmp_path)
        empty = ElevenLabsApi(_settings(make_settings, server), backoff=fast_backoff)
        blank = tmp_path / "blank.mp3"
        blank.write_bytes(b"")
        with pytest.raises(PermanentError, match="422"):
            empty.add_voice("x", [blank])
    assert not list(tmp_path.glob("*.wav"))


def test_429_and_5xx_are_retried_and_an_outage_is_transient(
    make_settings: Callable[..., Settings], fast_backoff: Backoff, sleeps: list[float], tmp_path: Path
) -> None:
    flaky = failing_first(
        FakeElevenLabs(), Reply(429, b"too many", {"Retry-After": "4"}), Reply(503, b"busy")
    )
    with FakeServer(flaky) as server:
        voices = ElevenLabsApi(_settings(make_settings, server), backoff=fast_backoff).voices()
    assert [v.voice_id for v in voices] == ["21m00Tcm4TlvDq8ikWAM"] and len(server.requests) == 3
    assert sleeps == [4.0, 2.0]  # the server's Retry-After, then the second backoff step
    with FakeServer(lambda _r: Reply(500, b"down")) as server, pytest.raises(TransientError):
        ElevenLabsApi(_settings(make_settings, server), backoff=fast_backoff).voices()


def test_missing_key_or_voice_names_the_setting(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(ProviderNotConfiguredError, match="ELEVENLABS_API_KEY"):
        build_narrator(parse_voice("elevenlabs:abc"), Language.EN, make_settings())
    with pytest.raises(ProviderNotConfiguredError, match="ELEVENLABS_VOICE"):
        build_narrator(
            parse_voice("elevenlabs"), Language.EN, make_settings(elevenlabs_api_key=SecretStr("k"))
        )
