"""Loopback fakes of the two remote speech protocols, answering with real audio made by ffmpeg.

OpenAI ``POST /v1/audio/speech`` returns the audio bytes in ``response_format``; Google
``POST /v1beta1/text:synthesize`` takes SSML and returns JSON with base64 ``audioContent`` (LINEAR16 = WAV
with header) and, with ``enableTimePointing: ["SSML_MARK"]``, the ``timepoints`` of its ``<mark>``s. The
audio lasts ``SECONDS_PER_CHAR`` per character of input (of SSML: of its text), so longer text gives longer
audio, and a mark's time is that of the characters before it.
"""

from __future__ import annotations

import base64
import html
import re
import subprocess
from functools import lru_cache
from typing import Any

from media_pipeline_tests.providers.fakeserver import App, Recorded, Reply

SECONDS_PER_CHAR = 0.05
GOOGLE_PATH = "/v1beta1/text:synthesize"
_SSML_TAG = re.compile(r"<mark name=\"([^\"]*)\"/>|</?speak>")
_MUXERS = {"mp3": ("libmp3lame", "mp3"), "wav": ("pcm_s16le", "wav"), "flac": ("flac", "flac")}


@lru_cache(maxsize=64)
def tone(seconds: float, fmt: str, rate: int = 24000) -> bytes:
    """A 220 Hz tone with a gentle tremolo (speech-like loudness swings) encoded as ``fmt``."""
    codec, muxer = _MUXERS[fmt]
    source = f"aevalsrc=exprs='0.5*sin(2*PI*220*t)*(0.6+0.4*sin(2*PI*3*t))':s={rate}:d={seconds:.3f}"
    return subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", source, "-c:a", codec, "-f", muxer, "-"],
        check=True,
        capture_output=True,
    ).stdout


def speech_seconds(text: str) -> float:
    """How long the fakes speak ``text``."""
    return round(max(0.3, SECONDS_PER_CHAR * len(text)), 2)


def openai_speech(request: Recorded) -> Reply:
    """``/v1/audio/speech``: the audio itself, ``Content-Type`` by format."""
    body = request.json()
    if request.path != "/v1/audio/speech" or not {"model", "voice", "input"} <= body.keys():
        return Reply.json({"error": {"message": "bad request"}}, status=400)
    fmt = body.get("response_format", "mp3")
    return Reply(200, tone(speech_seconds(body["input"]), fmt), {"Content-Type": f"audio/{fmt}"})


def read_ssml(ssml: str) -> tuple[str, list[dict[str, Any]]]:
    """The spoken text of ``ssml`` and its marks' timepoints (seconds of the characters before each)."""
    text, timepoints, cursor = "", [], 0
    for match in _SSML_TAG.finditer(ssml):
        text += html.unescape(ssml[cursor : match.start()])
        cursor = match.end()
        if match.group(1) is not None:
            timepoints.append({"markName": match.group(1), "timeSeconds": SECONDS_PER_CHAR * len(text)})
    return text + html.unescape(ssml[cursor:]), timepoints


def google_synthesize(request: Recorded) -> Reply:
    """``/v1beta1/text:synthesize``: JSON ``{"audioContent": base64, "timepoints": [...]}``."""
    body = request.json()
    if request.path != GOOGLE_PATH or not {"text", "ssml"} & body.get("input", {}).keys():
        return Reply.json({"error": {"code": 400, "message": "bad request"}}, status=400)
    config = body.get("audioConfig", {})
    if config.get("audioEncoding") != "LINEAR16":
        return Reply.json({"error": {"code": 400, "message": "unsupported encoding"}}, status=400)
    text, timepoints = (
        read_ssml(body["input"]["ssml"]) if "ssml" in body["input"] else (body["input"]["text"], [])
    )
    audio = tone(speech_seconds(text), "wav", config.get("sampleRateHertz", 24000))
    answer: dict[str, Any] = {"audioContent": base64.b64encode(audio).decode()}
    if body.get("enableTimePointing") == ["SSML_MARK"]:
        answer["timepoints"] = timepoints
    return Reply.json(answer)


def failing_first(app: App, *failures: Reply) -> App:
    """``app`` after answering ``failures`` in order."""
    pending = list(failures)

    def wrapped(request: Recorded) -> Reply:
        return pending.pop(0) if pending else app(request)

    return wrapped
