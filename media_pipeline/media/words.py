"""Word timings of one spoken line: from the provider's marks when it gives them, else by aligning the
line's words to its audio (the speech between detected silences; docs/ARCHITECTURE.md §9, "Captions")."""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from media_pipeline.media.ffgraph import run_graph
from media_pipeline.media.probe import media_duration
from media_pipeline.media.text import text_units

SILENCE_DB = -40
# A pause between words shorter than this is not a word boundary we can hear (plosives, stops).
MIN_SILENCE_S = 0.08
# Every word takes some time however short it is written (one syllable, a digit).
WORD_BASE_UNITS = 1


@dataclass(frozen=True)
class WordTime:
    """One space-separated word of a line and when it is spoken (seconds)."""

    start: float
    end: float
    text: str

    def shifted(self, offset: float) -> WordTime:
        """The same word ``offset`` seconds later."""
        return WordTime(self.start + offset, self.end + offset, self.text)


def split_words(text: str) -> list[str]:
    """The words of ``text`` (Korean 어절): runs between whitespace."""
    return text.split()


def _speech_spans(duration: float, silences: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The parts of ``0..duration`` outside ``silences`` (sorted, clipped, non-empty)."""
    spans, cursor = [], 0.0
    for start, end in sorted(silences):
        start, end = min(max(cursor, start), duration), min(duration, end)
        if start > cursor:
            spans.append((cursor, start))
        cursor = max(cursor, end)
    if cursor < duration:
        spans.append((cursor, duration))
    return spans or [(0.0, duration)]


def _speech_to_time(position: float, spans: list[tuple[float, float]]) -> float:
    """The time at which ``position`` seconds of speech (pauses excluded) have passed."""
    for start, end in spans:
        if position <= end - start:
            return start + position
        position -= end - start
    return spans[-1][1]


def _anchor_pauses(
    estimates: list[float], pauses: list[tuple[float, float]]
) -> dict[int, tuple[float, float]]:
    """Each pause (in order) assigned to the word boundary estimated nearest to it, boundaries increasing;
    pauses left over once the boundaries run out fall inside words."""
    anchors: dict[int, tuple[float, float]] = {}
    last = -1
    for pause in pauses:
        candidates = range(last + 1, len(estimates))
        if not candidates:
            break
        middle = (pause[0] + pause[1]) / 2
        last = min(candidates, key=lambda index: abs(estimates[index] - middle))
        anchors[last] = pause
    return anchors


def _spread(weights: list[int], start: float, end: float) -> list[tuple[float, float]]:
    """``(start, end)`` of consecutive words sharing ``start..end`` by weight."""
    total = sum(weights)
    bounds = [start + (end - start) * part / total for part in itertools.accumulate(weights, initial=0)]
    bounds[-1] = end  # exactly, not within rounding
    return list(itertools.pairwise(bounds))


def align_words(text: str, duration: float, silences: list[tuple[float, float]]) -> list[WordTime]:
    """Word timings of ``text`` spoken in ``duration`` seconds with pauses at ``silences``.

    Every pause inside the speech is a word boundary: the boundary whose estimate (each word's share of
    the speech time in proportion to its written length: display units, CJK counted double, plus a base)
    is nearest. Between those anchors the words share the time by the same weights. The result is
    monotonic and within ``0..duration``.
    """
    words = split_words(text)
    if not words or duration <= 0:
        return []
    spans = _speech_spans(duration, silences)
    speech = sum(end - start for start, end in spans)
    weights = [text_units(word) + WORD_BASE_UNITS for word in words]
    cumulative = list(itertools.accumulate(weights))
    estimates = [_speech_to_time(speech * reached / cumulative[-1], spans) for reached in cumulative[:-1]]
    pauses = [(before[1], after[0]) for before, after in itertools.pairwise(spans)]
    anchors = _anchor_pauses(estimates, pauses)
    edges = [(-1, spans[0][0]), *((k, pause[1]) for k, pause in sorted(anchors.items()))]
    ends = [*(anchors[k][0] for k in sorted(anchors)), spans[-1][1]]
    timed: list[tuple[float, float]] = []
    for (first, start), end, (last, _) in zip(edges, ends, [*edges[1:], (len(words) - 1, 0.0)], strict=True):
        timed += _spread(weights[first + 1 : last + 1], start, end)
    return [WordTime(a, b, word) for (a, b), word in zip(timed, words, strict=True)]


def marked_words(text: str, marks: list[float], duration: float, lead_cut: float) -> list[WordTime]:
    """Word timings from a provider's per-word start marks (seconds into its audio, before ``lead_cut``
    seconds of leading silence were removed); each word ends where the next starts, the last at
    ``duration``. ``marks`` has one entry per word of :func:`split_words`."""
    words = split_words(text)
    starts = [min(duration, max(0.0, mark - lead_cut)) for mark in marks]
    starts = list(itertools.accumulate(starts, max))
    ends = [*starts[1:], duration]
    return [WordTime(s, e, w) for s, e, w in zip(starts, ends, words, strict=True)]


def _metadata_values(path: Path, key: str) -> list[float]:
    """Values of ``key=`` lines of an ``ametadata``/``metadata`` print file."""
    prefix = f"{key}="
    lines = path.read_text(encoding="utf-8").splitlines()
    return [float(line[len(prefix) :]) for line in lines if line.startswith(prefix)]


def detect_silences(wav: Path, *, min_silence_s: float = MIN_SILENCE_S) -> list[tuple[float, float]]:
    """The pauses of ``wav`` as ``(start, end)`` seconds, found by ffmpeg ``silencedetect``; a pause still
    open at the end lasts to the end."""
    with tempfile.TemporaryDirectory(prefix="silences-") as tmp:
        found = Path(tmp) / "silences.txt"
        audio = (
            ffmpeg.input(str(wav))
            .audio.filter("silencedetect", noise=f"{SILENCE_DB}dB", duration=min_silence_s)
            .filter("ametadata", mode="print", file=str(found))
        )
        run_graph(audio.output("-", f="null"), timeout=120)
        starts = _metadata_values(found, "lavfi.silence_start") if found.is_file() else []
        ends = _metadata_values(found, "lavfi.silence_end") if found.is_file() else []
    if len(ends) < len(starts):
        ends.append(media_duration(wav))
    return list(zip(starts, ends, strict=False))


def leading_silence(path: Path) -> float:
    """Seconds of silence at the start of the audio in ``path`` (0 when it starts with sound)."""
    silences = detect_silences(path, min_silence_s=0.01)
    return silences[0][1] if silences and silences[0][0] <= 0.001 else 0.0
