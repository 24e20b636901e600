"""Narration with espeak-ng: one WAV per sentence, joined into one track; cue times are running sums."""

from __future__ import annotations

import hashlib
import wave
from dataclasses import asdict, dataclass
from pathlib import Path

from media_pipeline.domain import Script
from media_pipeline.errors import PermanentError
from media_pipeline.fsutil import atomic_path
from media_pipeline.media.process import run_process
from media_pipeline.media.text import speech_chunks

ESPEAK = "espeak-ng"
SENTENCE_PAUSE_S = 0.25


@dataclass
class Cue:
    """One subtitle cue: ``text`` shown from ``start`` to ``end`` seconds."""

    start: float
    end: float
    text: str


@dataclass
class Narration:
    """The joined narration track, its cues and how long each scene lasts (their sum is ``duration``)."""

    wav: Path
    cues: list[Cue]
    scene_durations: list[float]
    duration: float

    def as_dict(self) -> dict:
        """JSON-ready form (paths as strings)."""
        data = asdict(self)
        data["wav"] = str(self.wav)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Narration:
        """Inverse of :meth:`as_dict`."""
        return cls(
            wav=Path(data["wav"]),
            cues=[Cue(**cue) for cue in data["cues"]],
            scene_durations=[float(d) for d in data["scene_durations"]],
            duration=float(data["duration"]),
        )


@dataclass(frozen=True)
class WavFormat:
    """PCM layout of a WAV file."""

    nchannels: int
    sampwidth: int
    framerate: int

    @property
    def frame_bytes(self) -> int:
        """Bytes per frame (all channels of one sample instant)."""
        return self.nchannels * self.sampwidth

    def silence(self, frames: int) -> bytes:
        """``frames`` frames of silence (8-bit PCM is unsigned, wider PCM signed)."""
        sample = b"\x80" if self.sampwidth == 1 else b"\x00" * self.sampwidth
        return sample * (frames * self.nchannels)


@dataclass(frozen=True)
class _Clip:
    """PCM frames of one synthesized sentence."""

    text: str
    format: WavFormat
    frames: bytes

    @property
    def frame_count(self) -> int:
        return len(self.frames) // self.format.frame_bytes


def synthesize_sentence(text: str, voice: str, work_dir: Path) -> Path:
    """WAV of ``text`` spoken by espeak-ng ``voice``; cached in ``work_dir`` by a hash of voice and text."""
    key = hashlib.sha256(f"{ESPEAK}\0{voice}\0{text}".encode()).hexdigest()[:24]
    wav = work_dir / f"s-{key}.wav"
    if wav.is_file():
        return wav
    work_dir.mkdir(parents=True, exist_ok=True)
    text_file = work_dir / f"s-{key}.txt"
    text_file.write_text(text, encoding="utf-8")
    try:
        with atomic_path(wav) as tmp:
            # -w writes a proper WAV header (--stdout does not); -b 1 reads the text file as UTF-8.
            run_process([ESPEAK, "-v", voice, "-b", "1", "-w", str(tmp), "-f", str(text_file)], timeout=120)
    finally:
        text_file.unlink(missing_ok=True)
    return wav


def read_wav(path: Path) -> tuple[WavFormat, bytes]:
    """Format and PCM frames of a WAV file."""
    with wave.open(str(path), "rb") as reader:
        fmt = WavFormat(reader.getnchannels(), reader.getsampwidth(), reader.getframerate())
        return fmt, reader.readframes(reader.getnframes())


def wav_duration(path: Path) -> float:
    """Duration of a WAV file in seconds, from its header."""
    with wave.open(str(path), "rb") as reader:
        return reader.getnframes() / reader.getframerate()


def synthesize_narration(
    script: Script,
    voice: str,
    work_dir: Path,
    out_wav: Path,
    *,
    min_scene_s: float = 2.0,
    pause_s: float = SENTENCE_PAUSE_S,
) -> Narration:
    """Speak every scene's narration sentence by sentence and join it into ``out_wav`` (atomically).

    Each sentence is followed by ``pause_s`` of silence; a scene shorter than ``min_scene_s`` is padded.
    Cue times are the running sum of sentence lengths, and ``sum(scene_durations) == duration``.
    """
    scenes = [
        [
            _Clip(text, *read_wav(synthesize_sentence(text, voice, work_dir)))
            for text in speech_chunks(s.narration)
        ]
        for s in script.scenes
    ]
    clips = [clip for scene in scenes for clip in scene]
    if not clips:
        raise PermanentError("the script has no speakable narration")
    fmt = clips[0].format
    if any(clip.format != fmt for clip in clips):
        raise PermanentError(f"espeak-ng voice {voice!r} produced WAVs of different formats")
    rate = fmt.framerate
    pause_frames = round(pause_s * rate)
    pause = fmt.silence(pause_frames)
    cues: list[Cue] = []
    scene_frames: list[int] = []
    position = 0
    with atomic_path(out_wav) as tmp, wave.open(str(tmp), "wb") as writer:
        writer.setnchannels(fmt.nchannels)
        writer.setsampwidth(fmt.sampwidth)
        writer.setframerate(rate)
        for scene in scenes:
            start = position
            for clip in scene:
                cues.append(Cue(position / rate, (position + clip.frame_count) / rate, clip.text))
                writer.writeframes(clip.frames + pause)
                position += clip.frame_count + pause_frames
            missing = round(min_scene_s * rate) - (position - start)
            if missing > 0:
                writer.writeframes(fmt.silence(missing))
                position += missing
            scene_frames.append(position - start)
    scene_durations = [frames / rate for frames in scene_frames]
    return Narration(wav=out_wav, cues=cues, scene_durations=scene_durations, duration=sum(scene_durations))
