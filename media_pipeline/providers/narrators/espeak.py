"""espeak-ng narration: the offline default voice."""

from __future__ import annotations

import tempfile
from pathlib import Path

from media_pipeline.domain import Language
from media_pipeline.media.process import run_process

ESPEAK = "espeak-ng"
WORDS_PER_MINUTE = 175  # espeak-ng's default speed


def default_espeak_voice(language: Language) -> str:
    """The espeak-ng voice of a language."""
    return "en-us" if language is Language.EN else language.value


class EspeakNarrator:
    """Runs espeak-ng locally; an unknown voice fails with espeak-ng's own message."""

    def __init__(self, voice: str) -> None:
        self.voice = voice
        self.identity = f"espeak:{voice}"

    def speak(self, text: str, speed: float) -> bytes:
        """WAV bytes of ``text`` (espeak-ng ``-s`` is words per minute)."""
        with tempfile.TemporaryDirectory(prefix="espeak-") as tmp:
            text_file, wav = Path(tmp) / "text.txt", Path(tmp) / "speech.wav"
            text_file.write_text(text, encoding="utf-8")
            wpm = str(round(WORDS_PER_MINUTE * speed))
            # -w writes a proper WAV header (--stdout does not); -b 1 reads the text file as UTF-8.
            run_process(
                [ESPEAK, "-v", self.voice, "-s", wpm, "-b", "1", "-w", str(wav), "-f", str(text_file)],
                timeout=120,
            )
            return wav.read_bytes()

    def close(self) -> None:
        """Nothing to release (one process per sentence)."""
