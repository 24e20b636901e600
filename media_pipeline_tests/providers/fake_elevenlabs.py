"""A loopback fake of the ElevenLabs API as this project uses it: ``GET /v1/voices``, ``POST /v1/voices/add``
(multipart ``name`` + one or more ``files``), ``POST /v1/text-to-speech/{voice_id}/with-timestamps``
(JSON ``text`` + a known ``model_id``; answers base64 audio and the character ``alignment``). Every call
needs the ``xi-api-key`` header (401 ``invalid_api_key`` otherwise), like the real service."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP

from media_pipeline_tests.providers.fake_tts import SECONDS_PER_CHAR, speech_seconds, tone
from media_pipeline_tests.providers.fakeserver import Recorded, Reply

MODELS = frozenset({"eleven_multilingual_v2", "eleven_flash_v2_5", "eleven_turbo_v2_5", "eleven_v3"})
_TTS = re.compile(r"^/v1/text-to-speech/([A-Za-z0-9]+)/with-timestamps$")


def _error(status: int, kind: str, message: str) -> Reply:
    return Reply.json({"detail": {"status": kind, "message": message}}, status=status)


def multipart_fields(request: Recorded) -> list[tuple[str, str | None, bytes]]:
    """(field name, file name, content) of each part of a multipart/form-data body."""
    head = f"Content-Type: {request.headers.get('content-type', '')}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    if not message.is_multipart():
        return []
    parts = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        parts.append(
            (str(part.get_param("name", header="content-disposition")), part.get_filename(), payload or b"")
        )
    return parts


@dataclass
class FakeElevenLabs:
    """The fake's state: its key, the voices (premade plus cloned) and the clone samples it received."""

    key: str = "xi-test-key"
    voices: dict[str, str] = field(default_factory=lambda: {"21m00Tcm4TlvDq8ikWAM": "Rachel"})
    samples: dict[str, list[bytes]] = field(default_factory=dict)

    def __call__(self, request: Recorded) -> Reply:
        if request.headers.get("xi-api-key") != self.key:
            return _error(401, "invalid_api_key", "Invalid API key")
        if request.method == "GET" and request.path == "/v1/voices":
            voices = [
                {
                    "voice_id": vid,
                    "name": name,
                    "category": "premade" if vid in ("21m00Tcm4TlvDq8ikWAM",) else "cloned",
                }
                for vid, name in self.voices.items()
            ]
            return Reply.json({"voices": voices})
        if request.method == "POST" and request.path == "/v1/voices/add":
            return self._add(request)
        match = _TTS.match(request.path)
        if request.method == "POST" and match:
            return self._speak(match[1], request)
        return _error(404, "not_found", "no such endpoint")

    def _add(self, request: Recorded) -> Reply:
        parts = multipart_fields(request)
        names = [content.decode() for name, filename, content in parts if name == "name" and filename is None]
        files = [content for name, filename, content in parts if name == "files" and filename]
        if not names or not names[0].strip() or not files or not all(files):
            return _error(422, "invalid_request", "name and at least one non-empty file are required")
        voice_id = f"cl{len(self.voices):010d}"
        self.voices[voice_id] = names[0]
        self.samples[voice_id] = files
        return Reply.json({"voice_id": voice_id, "requires_verification": False})

    def _speak(self, voice_id: str, request: Recorded) -> Reply:
        if voice_id not in self.voices:
            return _error(404, "voice_not_found", f"voice {voice_id} not found")
        body = request.json()
        if not isinstance(body.get("text"), str) or not body["text"]:
            return _error(422, "invalid_request", "text is required")
        if body.get("model_id", "eleven_multilingual_v2") not in MODELS:
            return _error(400, "model_not_found", f"model {body.get('model_id')} not found")
        text = body["text"]
        fmt = "mp3" if request.query.get("output_format", "mp3_44100_128").startswith("mp3") else "wav"
        audio = tone(speech_seconds(text), fmt)
        starts = [SECONDS_PER_CHAR * i for i in range(len(text))]
        alignment = {
            "characters": list(text),
            "character_start_times_seconds": starts,
            "character_end_times_seconds": [t + SECONDS_PER_CHAR for t in starts],
        }
        return Reply.json(
            {
                "audio_base64": base64.b64encode(audio).decode(),
                "alignment": alignment,
                "normalized_alignment": alignment,
            }
        )
