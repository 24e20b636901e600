"""Narrators against loopback fakes of the OpenAI and Google speech protocols: decoding, retries, errors,
the sentence cache, service-account auth and provider selection by the ``voice`` setting."""

from __future__ import annotations

import json
import wave
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from media_pipeline.domain import Language
from media_pipeline.domain.voice import VoiceRef, parse_voice
from media_pipeline.errors import PermanentError, ProviderNotConfiguredError, TransientError
from media_pipeline.media.tts import (
    PCM_RATE,
    sentence_wav,
    sentence_words,
    synthesize_narration,
    wav_duration,
)
from media_pipeline.providers.narrators import build_narrator, validate_voice
from media_pipeline.providers.retry import Backoff
from media_pipeline.settings import Settings
from media_pipeline_tests.providers.fake_tts import (
    GOOGLE_PATH,
    SECONDS_PER_CHAR,
    failing_first,
    google_synthesize,
    openai_speech,
    read_ssml,
    speech_seconds,
)
from media_pipeline_tests.providers.fakeserver import FakeServer, Reply, routes
from media_pipeline_tests.providers.helpers import make_script, make_task

TEXT = "Hello from a loopback voice."


def _openai(settings: Callable[..., Settings], server: FakeServer, backoff: Backoff, **extra: object):
    config = settings(tts_base_url=f"{server.base_url}/v1", tts_api_key=SecretStr("sk-test"), **extra)
    return build_narrator(VoiceRef("openai", "nova"), Language.EN, config, backoff=backoff)


def _google(settings: Callable[..., Settings], server: FakeServer, backoff: Backoff, **extra: object):
    config = settings(tts_google_base_url=server.base_url, **extra)
    return build_narrator(VoiceRef("google"), Language.KO, config, backoff=backoff)


@pytest.mark.parametrize("fmt", ["mp3", "wav"])
def test_openai_audio_is_decoded_to_common_pcm(
    fmt: str, make_settings: Callable[..., Settings], fast_backoff: Backoff, tmp_path: Path
) -> None:
    with FakeServer(openai_speech) as server:
        narrator = _openai(make_settings, server, fast_backoff, tts_response_format=fmt, tts_model="tts-x")
        wav = sentence_wav(narrator, TEXT, 1.25, tmp_path)
    (request,) = server.requests
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.json() == {
        "model": "tts-x",
        "voice": "nova",
        "input": TEXT,
        "response_format": fmt,
        "speed": 1.25,
    }
    with wave.open(str(wav)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (1, 2, PCM_RATE)
    # a piped mp3 has no LAME header, so its encoder delay (~64 ms) is decoded as audio
    assert wav_duration(wav) == pytest.approx(speech_seconds(TEXT), abs=0.1)


def test_google_api_key_and_base64_audio(
    make_settings: Callable[..., Settings], fast_backoff: Backoff, tmp_path: Path
) -> None:
    with FakeServer(google_synthesize) as server:
        narrator = _google(make_settings, server, fast_backoff, tts_google_api_key=SecretStr("gk"))
        wav = sentence_wav(narrator, "안녕하세요.", 1.0, tmp_path)
    (request,) = server.requests
    assert request.query == {"key": "gk"}
    assert request.json()["voice"] == {"languageCode": "ko-KR", "name": "ko-KR-Neural2-A"}
    assert wav_duration(wav) == pytest.approx(speech_seconds("안녕하세요."), abs=0.01)


def test_google_service_account_token(
    make_settings: Callable[..., Settings], fast_backoff: Backoff, tmp_path: Path
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    token = Reply.json({"access_token": "ya29.fake", "expires_in": 3600, "token_type": "Bearer"})
    with FakeServer(routes({"/token": token, GOOGLE_PATH: google_synthesize})) as server:
        account = tmp_path / "sa.json"
        account.write_text(
            json.dumps(
                {
                    "type": "service_account",
                    "project_id": "p",
                    "private_key_id": "k1",
                    "private_key": pem,
                    "client_email": "tts@p.iam.gserviceaccount.com",
                    "client_id": "1",
                    "token_uri": f"{server.base_url}/token",
                }
            )
        )
        narrator = _google(make_settings, server, fast_backoff, tts_google_credentials_file=account)
        sentence_wav(narrator, "첫 문장.", 1.0, tmp_path)
        sentence_wav(narrator, "둘째 문장.", 1.0, tmp_path)
    assert len(server.matching("POST", "/token")) == 1  # the token is reused until it expires
    calls = server.matching("POST", GOOGLE_PATH)
    assert [c.headers["authorization"] for c in calls] == ["Bearer ya29.fake"] * 2
    assert all("key" not in c.query for c in calls)


@pytest.mark.parametrize("protocol", ["openai", "google"])
def test_5xx_and_429_are_retried_then_succeed(
    protocol: str,
    make_settings: Callable[..., Settings],
    fast_backoff: Backoff,
    sleeps: list[float],
    tmp_path: Path,
) -> None:
    app = openai_speech if protocol == "openai" else google_synthesize
    flaky = failing_first(app, Reply(503, b"busy"), Reply(429, b"slow down", {"Retry-After": "7"}))
    with FakeServer(flaky) as server:
        build = _openai if protocol == "openai" else _google
        narrator = build(make_settings, server, fast_backoff, tts_google_api_key=SecretStr("gk"))
        wav = sentence_wav(narrator, TEXT, 1.0, tmp_path)
    assert len(server.requests) == 3
    assert sleeps == [1.0, 7.0]  # backoff, then the server's Retry-After
    assert wav_duration(wav) > 0


def test_outage_is_transient_and_4xx_permanent(
    make_settings: Callable[..., Settings], fast_backoff: Backoff, tmp_path: Path
) -> None:
    outage = FakeServer(lambda _r: Reply(502, b"bad gateway"))
    with outage as server, pytest.raises(TransientError, match="failed after 3 attempts"):
        sentence_wav(_openai(make_settings, server, fast_backoff), TEXT, 1.0, tmp_path)
    rejecting = FakeServer(lambda _r: Reply.json({"error": {"message": "bad voice"}}, status=400))
    with rejecting as server, pytest.raises(PermanentError, match=r"HTTP 400.*bad voice"):
        sentence_wav(_openai(make_settings, server, fast_backoff), TEXT, 1.0, tmp_path)
    assert not list(tmp_path.glob("*.wav"))


def test_invalid_audio_is_a_clear_permanent_error(
    make_settings: Callable[..., Settings], fast_backoff: Backoff, tmp_path: Path
) -> None:
    with (
        FakeServer(
            lambda _r: Reply(200, b"<html>not audio</html>", {"Content-Type": "audio/mpeg"})
        ) as server,
        pytest.raises(PermanentError, match="returned audio ffmpeg cannot decode"),
    ):
        sentence_wav(_openai(make_settings, server, fast_backoff), TEXT, 1.0, tmp_path)
    with FakeServer(lambda _r: Reply.json({"audioContent": "***not base64***"})) as server:
        narrator = _google(make_settings, server, fast_backoff, tts_google_api_key=SecretStr("gk"))
        with pytest.raises(PermanentError, match="not valid base64"):
            sentence_wav(narrator, TEXT, 1.0, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing half-written is cached


def test_cache_by_provider_voice_text_and_speed(
    make_settings: Callable[..., Settings], fast_backoff: Backoff, tmp_path: Path
) -> None:
    task = make_task()
    script = make_script(task)
    with FakeServer(openai_speech) as server:
        narrator = _openai(make_settings, server, fast_backoff)
        first = synthesize_narration(script, narrator, tmp_path / "cache", tmp_path / "a.wav")
        assert len(server.requests) == 3  # one request per sentence
        again = synthesize_narration(script, narrator, tmp_path / "cache", tmp_path / "b.wav")
        assert len(server.requests) == 3  # a re-render never pays twice
        synthesize_narration(script, narrator, tmp_path / "cache", tmp_path / "c.wav", speed=1.1)
        assert len(server.requests) == 6  # another speed is another recording
    assert again.cues == first.cues
    # cue lengths are the decoded sentence lengths
    for cue, scene in zip(first.cues, script.scenes, strict=True):
        assert cue.end - cue.start == pytest.approx(speech_seconds(scene.narration), abs=0.1)


def test_unconfigured_providers_name_their_settings(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    validate_voice(parse_voice("ko"), settings)
    with pytest.raises(ProviderNotConfiguredError, match="MEDIA_PIPELINE_TTS_BASE_URL"):
        validate_voice(parse_voice("openai:alloy"), settings)
    with pytest.raises(ProviderNotConfiguredError, match="MEDIA_PIPELINE_TTS_GOOGLE_API_KEY"):
        validate_voice(parse_voice("google:ko-KR-Neural2-A"), settings)
    with pytest.raises(ProviderNotConfiguredError, match="unknown narration provider 'azure'"):
        validate_voice(parse_voice(None, "azure"), settings)
    configured = make_settings(tts_base_url="http://127.0.0.1:9/v1", tts_google_api_key=SecretStr("k"))
    validate_voice(parse_voice("openai"), configured)
    with pytest.raises(PermanentError, match="must look like 'ko-KR-Neural2-A'"):
        validate_voice(parse_voice("google:alloy"), configured)


def test_google_word_timings_come_from_ssml_marks(
    make_settings: Callable[..., Settings], fast_backoff: Backoff, tmp_path: Path
) -> None:
    text = "오늘은 <좋은> 날씨 & 바람"
    with FakeServer(google_synthesize) as server:
        narrator = _google(make_settings, server, fast_backoff, tts_google_api_key=SecretStr("gk"))
        wav = sentence_wav(narrator, text, 1.0, tmp_path)
    (request,) = server.requests
    body = request.json()
    assert body["enableTimePointing"] == ["SSML_MARK"]
    assert read_ssml(body["input"]["ssml"])[0] == text  # words escaped, nothing lost
    words = sentence_words(wav, text)
    assert [w.text for w in words] == text.split()
    offsets = [text.index(word) * SECONDS_PER_CHAR for word in text.split()]
    assert [w.start for w in words] == pytest.approx(offsets, abs=0.02)
    assert words[-1].end == pytest.approx(wav_duration(wav))


def test_openai_word_timings_are_aligned_to_the_audio(
    make_settings: Callable[..., Settings], fast_backoff: Backoff, tmp_path: Path
) -> None:
    with FakeServer(openai_speech) as server:
        narrator = _openai(make_settings, server, fast_backoff, tts_response_format="wav")
        wav = sentence_wav(narrator, TEXT, 1.0, tmp_path)
    words = sentence_words(wav, TEXT)
    assert [w.text for w in words] == TEXT.split()
    edges = [t for word in words for t in (word.start, word.end)]
    assert edges == sorted(edges) and edges[0] >= 0 and edges[-1] == pytest.approx(wav_duration(wav))
    assert sentence_words(wav, TEXT) == words  # cached next to the WAV
