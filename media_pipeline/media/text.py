"""Language-aware text helpers: display width of CJK text, line wrapping and sentence splitting."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Characters that must not start a line (closing punctuation); they stay with the previous line.
NO_LINE_START = frozenset("、。，．,.!?！？:;：；)]}）」』】〉》…ー〜")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+|(?<=[。！？])\s*|\n+")
_CLAUSE_BREAK = re.compile(r"(?<=[,;:])\s+|(?<=[，、；：])\s*")


def is_wide(char: str) -> bool:
    """True for characters drawn about twice as wide as Latin letters (Hangul, kana, CJK ideographs)."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def text_units(text: str) -> int:
    """Display width in half-width units: wide (CJK) characters count 2, everything else 1."""
    return sum(2 if is_wide(ch) else 1 for ch in text)


def _has_wide(word: str) -> bool:
    return any(is_wide(ch) for ch in word)


def _hard_break(line: str, word: str, max_width: float, measure: Callable[[str], float]) -> list[str]:
    """Break ``word`` between characters; returns finished lines, the last one still open."""
    lines: list[str] = []
    for ch in word:
        if not line.strip() or ch in NO_LINE_START or measure(line + ch) <= max_width:
            line += ch
        else:
            lines.append(line.rstrip())
            line = ch
    lines.append(line)
    return lines


def wrap_measured(text: str, max_width: float, measure: Callable[[str], float]) -> list[str]:
    """Greedy line wrapping of ``text`` so ``measure(line) <= max_width`` wherever possible.

    Lines break at spaces where possible; a word longer than a line is broken between characters (so
    unspaced Chinese/Japanese runs fill each line). Explicit newlines are kept.
    """
    lines: list[str] = []
    for paragraph in text.splitlines():
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if measure(candidate) <= max_width:
                line = candidate
            elif measure(word) <= max_width:
                if line:
                    lines.append(line)
                line = word
            else:
                if line and not _has_wide(word):
                    lines.append(line)
                    line = ""
                *done, line = _hard_break(f"{line} " if line else "", word, max_width, measure)
                lines.extend(done)
        if line:
            lines.append(line)
    return lines


def wrap_units(text: str, max_units: int) -> list[str]:
    """Wrap ``text`` into lines of at most ``max_units`` display units (see :func:`text_units`)."""
    return wrap_measured(text, max_units, text_units)


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences at ``. ! ? …`` (followed by space), CJK ``。！？`` and newlines."""
    return [part.strip() for part in _SENTENCE_BREAK.split(text) if part and part.strip()]


def _merge(parts: list[str], max_units: int) -> list[str]:
    chunks: list[str] = []
    for part in parts:
        if chunks and text_units(chunks[-1]) + 1 + text_units(part) <= max_units:
            chunks[-1] = f"{chunks[-1]} {part}"
        else:
            chunks.append(part)
    return chunks


def speech_chunks(text: str, max_units: int = 60) -> list[str]:
    """Sentences of ``text``, with sentences longer than ``max_units`` split at clauses, then at words.

    Each chunk becomes one synthesized utterance and one subtitle cue, so it should fit in a few lines.
    """
    chunks: list[str] = []
    for sentence in split_sentences(text):
        if text_units(sentence) <= max_units:
            chunks.append(sentence)
            continue
        clauses = [c.strip() for c in _CLAUSE_BREAK.split(sentence) if c.strip()]
        pieces = [piece for clause in clauses for piece in wrap_units(clause, max_units)]
        chunks.extend(_merge(pieces, max_units))
    return chunks
