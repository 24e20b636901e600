"""Narration: one cached WAV per sentence from a narrator, decoded to one PCM layout, fitted to the target
duration and joined into one track; cue times are running sums of the measured sentence lengths."""

from __future__ import annotations

import hashlib
import json
import tempfile
import wave
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import ffmpeg
from ffmpeg.nodes import Stream

from media_pipeline.domain import Script
from media_pipeline.errors import PermanentError
from media_pipeline.fsutil import atomic_path, write_json_atomic
from media_pipeline.media.ffgraph import run_graph
from media_pipeline.media.fit import FitPlan, fit_to_target
from media_pipeline.media.text import speech_chunks
from media_pipeline.media.words import (
    WordTime,
    align_words,
    detect_silences,
    leading_silence,
    marked_words,
    split_words,
)
from media_pipeline.processes import ProcessFailed

SENTENCE_PAUSE_S = 0.25
PCM_RATE = 24000  # every provider's audio is decoded to mono 16-bit PCM at this rate
SPEEDUP_MARGIN = 1.03  # speech does not scale exactly with the requested rate
SPEEDUP_ROUNDS = 2
MAX_SPEEDUP = 1.5  # narration that cannot be trimmed to the target is re-spoken at most this much faster
KEPT_EDGE_SILENCE_S = 0.05  # what trim_silence leaves at each end


class Narrator(Protocol):
    """Speaks text with one voice of one provider (implementations: ``providers/narrators``);
    ``identity`` names provider, model and voice and is part of the sentence cache key."""

    identity: str

    def speak(self, text: str, speed: float) -> bytes:
        """Encoded audio (any container ffmpeg decodes) of ``text`` at ``speed`` (1.0 = normal)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


@dataclass(frozen=True)
class MarkedSpeech:
    """Audio and the start of each of its text's words (seconds into ``audio``), as a provider marked them."""

    audio: bytes
    marks: list[float]


@runtime_checkable
class MarkingNarrator(Narrator, Protocol):
    """A narrator that can also say when each word starts (e.g. Google TTS SSML marks)."""

    def speak_marked(self, text: str, speed: float) -> MarkedSpeech:
        """Like :meth:`Narrator.speak`, with one start mark per space-separated word of ``text``."""
        ...


@dataclass
class Cue:
    """One subtitle cue: ``text`` shown from ``start`` to ``end`` seconds; ``words`` says when each of its
    words is spoken (absolute seconds; empty when unknown)."""

    start: float
    end: float
    text: str
    words: list[WordTime] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cue:
        """Inverse of ``dataclasses.asdict``."""
        words = [WordTime(**word) for word in data.get("words", [])]
        return cls(float(data["start"]), float(data["end"]), str(data["text"]), words)


@dataclass
class Narration:
    """The joined narration track, its cues and how long each scene lasts (their sum is ``duration``)."""

    wav: Path
    cues: list[Cue]
    scene_durations: list[float]
    duration: float
    dropped: list[str] = field(default_factory=list)
    voice: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (paths as strings)."""
        data = asdict(self)
        data["wav"] = str(self.wav)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Narration:
        """Inverse of :meth:`as_dict`."""
        return cls(
            wav=Path(data["wav"]),
            cues=[Cue.from_dict(cue) for cue in data["cues"]],
            scene_durations=[float(d) for d in data["scene_durations"]],
            duration=float(data["duration"]),
            dropped=list(data.get("dropped", [])),
            voice=str(data.get("voice", "")),
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
    """PCM frames of one synthesized sentence and when its words are spoken (seconds into the clip)."""

    text: str
    format: WavFormat
    frames: bytes
    words: list[WordTime]

    @property
    def frame_count(self) -> int:
        return len(self.frames) // self.format.frame_bytes

    @property
    def seconds(self) -> float:
        return self.frame_count / self.format.framerate


def trim_silence(audio: Stream) -> Stream:
    """``audio`` with leading and trailing silence cut to 50 ms: it differs per provider (espeak-ng adds
    ~0.4 s), so the pauses between sentences are ours."""
    for _ in range(2):  # the start, then (reversed) the end, then back
        audio = audio.filter(
            "silenceremove", start_periods=1, start_threshold="-50dB", start_silence=0.05
        ).filter("areverse")
    return audio


def _decode_to_wav(audio: bytes, out_wav: Path, identity: str, *, measure_cut: bool = False) -> float:
    """Decode provider audio (any container ffmpeg knows) to the common PCM layout, atomically; with
    ``measure_cut`` returns how many seconds of leading silence were cut (else 0)."""
    if not audio:
        raise PermanentError(f"narrator {identity} returned no audio")
    cut = 0.0
    with tempfile.NamedTemporaryFile(dir=out_wav.parent, prefix=".tts-", suffix=".bin") as raw:
        raw.write(audio)
        raw.flush()
        try:
            if measure_cut:
                cut = max(0.0, leading_silence(Path(raw.name)) - KEPT_EDGE_SILENCE_S)
            with atomic_path(out_wav) as tmp:
                trimmed = trim_silence(ffmpeg.input(raw.name)["a:0"])
                wav = {"ac": 1, "ar": PCM_RATE, "c:a": "pcm_s16le", "f": "wav"}
                run_graph(trimmed.output(str(tmp), **wav), timeout=120)
        except ProcessFailed as exc:
            raise PermanentError(f"narrator {identity} returned audio ffmpeg cannot decode: {exc}") from exc
    if wav_duration(out_wav) <= 0:
        out_wav.unlink()
        raise PermanentError(f"narrator {identity} returned audio without samples")
    return cut


def words_path(wav: Path) -> Path:
    """Where the word timings of a cached sentence WAV are kept."""
    return wav.with_suffix(".words.json")


def _save_words(wav: Path, words: list[WordTime]) -> list[WordTime]:
    write_json_atomic(words_path(wav), [asdict(word) for word in words])
    return words


def sentence_wav(narrator: Narrator, text: str, speed: float, cache_dir: Path) -> Path:
    """WAV (mono 16-bit, ``PCM_RATE``) of ``text`` spoken by ``narrator``, cached in ``cache_dir`` by
    (provider and voice, text, speed) so a re-render never asks the provider twice. A
    :class:`MarkingNarrator`'s word marks are kept next to it (see :func:`sentence_words`)."""
    key = hashlib.sha256(f"{narrator.identity}\0{text}\0{speed:.3f}".encode()).hexdigest()[:24]
    wav = cache_dir / f"s-{key}.wav"
    if not wav.is_file():
        cache_dir.mkdir(parents=True, exist_ok=True)
        if isinstance(narrator, MarkingNarrator):
            spoken = narrator.speak_marked(text, speed)
            cut = _decode_to_wav(spoken.audio, wav, narrator.identity, measure_cut=True)
            if len(spoken.marks) == len(split_words(text)):  # else aligned like any narrator's audio
                _save_words(wav, marked_words(text, spoken.marks, wav_duration(wav), cut))
        else:
            _decode_to_wav(narrator.speak(text, speed), wav, narrator.identity)
    return wav


def sentence_words(wav: Path, text: str) -> list[WordTime]:
    """When each word of ``text`` is spoken in its sentence ``wav``: the provider's marks when it gave
    them, else the words aligned to the audio's pauses (see :func:`~media_pipeline.media.words.align_words`),
    cached next to the WAV."""
    cached = words_path(wav)
    if cached.is_file():
        return [WordTime(**word) for word in json.loads(cached.read_bytes())]
    return _save_words(wav, align_words(text, wav_duration(wav), detect_silences(wav)))


def read_wav(path: Path) -> tuple[WavFormat, bytes]:
    """Format and PCM frames of a WAV file."""
    with wave.open(str(path), "rb") as reader:
        fmt = WavFormat(reader.getnchannels(), reader.getsampwidth(), reader.getframerate())
        return fmt, reader.readframes(reader.getnframes())


def wav_duration(path: Path) -> float:
    """Duration of a WAV file in seconds, from its header."""
    with wave.open(str(path), "rb") as reader:
        return reader.getnframes() / reader.getframerate()


def _speak(script: Script, narrator: Narrator, speed: float, work_dir: Path) -> list[list[_Clip]]:
    """Clips of every scene's sentences (cached per sentence)."""
    scenes = []
    for scene in script.scenes:
        clips = []
        for text in speech_chunks(scene.narration):
            wav = sentence_wav(narrator, text, speed, work_dir)
            clips.append(_Clip(text, *read_wav(wav), sentence_words(wav, text)))
        scenes.append(clips)
    if not any(scenes):
        raise PermanentError("the script has no speakable narration")
    return scenes


def _fit(scenes: list[list[_Clip]], target_s: float | None, pause_s: float, min_scene_s: float) -> FitPlan:
    lengths = [[clip.seconds for clip in scene] for scene in scenes]
    return fit_to_target(lengths, target_s, pause_s=pause_s, min_scene_s=min_scene_s)


def synthesize_narration(
    script: Script,
    narrator: Narrator,
    work_dir: Path,
    out_wav: Path,
    *,
    target_s: float | None = None,
    speed: float = 1.0,
    min_scene_s: float = 2.0,
    pause_s: float = SENTENCE_PAUSE_S,
) -> Narration:
    """Speak every scene's narration sentence by sentence and join it into ``out_wav`` (atomically).

    With ``target_s`` the MEASURED sentence lengths are fitted to it (see :func:`fit_to_target`):
    sentences dropped, pauses stretched, scenes held; when even the shortest selection is too long, the
    narration is spoken again faster (at most ``MAX_SPEEDUP``). A scene shorter than ``min_scene_s`` is
    padded. Cue times are the running sum of sentence lengths, and ``sum(scene_durations) == duration``.
    """
    scenes = _speak(script, narrator, speed, work_dir)
    plan = _fit(scenes, target_s, pause_s, min_scene_s)
    rate_now = speed
    for _ in range(SPEEDUP_ROUNDS):
        if plan.overrun_s <= 0 or rate_now >= speed * MAX_SPEEDUP:
            break
        # Nothing left to drop: say it faster (the provider's own rate control), then fit again.
        spoken = sum(scene[i].seconds for scene, kept in zip(scenes, plan.kept, strict=True) for i in kept)
        factor = spoken / max(spoken - plan.overrun_s, spoken / MAX_SPEEDUP) * SPEEDUP_MARGIN
        rate_now = min(round(speed * MAX_SPEEDUP, 2), round(rate_now * factor, 2))
        scenes = _speak(script, narrator, rate_now, work_dir)
        plan = _fit(scenes, target_s, pause_s, min_scene_s)
    fmt = next(scene for scene in scenes if scene)[0].format  # every clip is decoded to this layout
    rate = fmt.framerate
    pause_frames = round(plan.pause_s * rate)
    pause = fmt.silence(pause_frames)
    cues: list[Cue] = []
    scene_frames: list[int] = []
    position = 0
    with atomic_path(out_wav) as tmp, wave.open(str(tmp), "wb") as writer:
        writer.setnchannels(fmt.nchannels)
        writer.setsampwidth(fmt.sampwidth)
        writer.setframerate(rate)
        for scene, kept, hold_s in zip(scenes, plan.kept, plan.hold_s, strict=True):
            start = position
            for clip in (scene[i] for i in kept):
                at = position / rate
                words = [word.shifted(at) for word in clip.words]
                cues.append(Cue(at, (position + clip.frame_count) / rate, clip.text, words))
                writer.writeframes(clip.frames + pause)
                position += clip.frame_count + pause_frames
            missing = max(0, round(min_scene_s * rate) - (position - start)) + round(hold_s * rate)
            writer.writeframes(fmt.silence(missing))
            position += missing
            scene_frames.append(position - start)
    scene_durations = [frames / rate for frames in scene_frames]
    dropped = [
        clip.text
        for scene, kept in zip(scenes, plan.kept, strict=True)
        for i, clip in enumerate(scene)
        if i not in kept
    ]
    return Narration(
        wav=out_wav,
        cues=cues,
        scene_durations=scene_durations,
        duration=sum(scene_durations),
        dropped=dropped,
        voice=narrator.identity,
    )
