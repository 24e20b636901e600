"""Burned-in captions by preset (docs/ARCHITECTURE.md §9, "Captions"): ``classic`` small bottom subtitles,
``shorts`` large bold captions inside the Shorts safe area with the spoken word highlighted, at most two
lines per page, lines broken only between words (Korean 어절)."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

from media_pipeline.domain import CaptionPreset, Language
from media_pipeline.media.fonts import font_family
from media_pipeline.media.subtitles import (
    DEFAULT_COLOURS,
    AssColours,
    AssStyle,
    ass_document,
    ass_escape,
    ass_event,
    write_ass,
)
from media_pipeline.media.text import wrap_measured
from media_pipeline.media.tts import Cue
from media_pipeline.media.words import WordTime, align_words


@dataclass(frozen=True)
class SafeArea:
    """Fractions of the frame's width/height that captions keep clear on each side."""

    left: float
    top: float
    right: float
    bottom: float

    def box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """``(x1, y1, x2, y2)`` pixels captions may cover (inclusive)."""
        return (
            round(width * self.left),
            round(height * self.top),
            width - 1 - round(width * self.right),
            height - 1 - round(height * self.bottom),
        )


# Shorts draws its title, description and sound row over the bottom ~20 % and the like/comment/share
# buttons down the right side; the top holds the search and menu icons.
SHORTS_SAFE_AREA = SafeArea(left=0.06, top=0.12, right=0.16, bottom=0.22)
# Classic subtitles only promise to stay off the frame's edges (title-safe).
TITLE_SAFE_AREA = SafeArea(left=0.05, top=0.05, right=0.05, bottom=0.05)


@dataclass(frozen=True)
class ShortsLook:
    """The ``shorts`` preset: sizes are fractions of the frame height (font) or of the font size."""

    font_size: float = 0.042
    outline: float = 0.1
    text: str = "FFFFFF"  # white, as ASS BBGGRR hex
    highlight: str = "00D7FF"  # gold
    outline_colour: str = "000000"
    bottom: float = 0.30  # the lowest line's bottom sits this far above the frame's bottom
    max_lines: int = 2
    safe_area: SafeArea = SHORTS_SAFE_AREA
    # Characters per line (spaces included); Hangul and kana are about twice as wide as Latin letters.
    max_chars_wide: int = 10
    max_chars_narrow: int = 20


SHORTS = ShortsLook()
WIDE_LANGUAGES = frozenset({Language.KO, Language.JA, Language.ZH})
# Languages written without spaces between words: a word longer than a line may break between characters.
SPACELESS_LANGUAGES = frozenset({Language.JA, Language.ZH})


def safe_area(preset: CaptionPreset) -> SafeArea:
    """The area captions of ``preset`` must stay within (checked on every rendered video)."""
    return SHORTS.safe_area if preset is CaptionPreset.SHORTS else TITLE_SAFE_AREA


def max_chars(language: Language, look: ShortsLook = SHORTS) -> int:
    """Characters per caption line for ``language``."""
    return look.max_chars_wide if language in WIDE_LANGUAGES else look.max_chars_narrow


def break_lines(words: Sequence[str], fits: Callable[[str], bool]) -> list[list[int]]:
    """Greedy line breaking: the indices of ``words`` on each line, lines joined by single spaces and
    breaking only between words; a word that does not fit alone gets a line of its own."""
    lines: list[list[int]] = []
    for index, word in enumerate(words):
        if lines and fits(" ".join([*(words[i] for i in lines[-1]), word])):
            lines[-1].append(index)
        else:
            lines.append([index])
    return lines


@dataclass(frozen=True)
class Page:
    """Up to ``max_lines`` lines of timed words shown together, drawn at ``scale`` percent."""

    lines: list[list[WordTime]]
    scale: int

    @property
    def words(self) -> list[WordTime]:
        """The page's words in reading order."""
        return [word for line in self.lines for word in line]


def _split_spaceless(word: WordTime, fits: Callable[[str], bool], width: float) -> list[WordTime]:
    """A word of a spaceless language cut between characters into line-sized pieces, its time shared by
    their lengths."""
    pieces = wrap_measured(word.text, width, lambda text: 0.0 if fits(text) else width + 1)
    bounds = list(itertools.accumulate((len(piece) for piece in pieces), initial=0))
    span = word.end - word.start
    return [
        WordTime(word.start + span * a / bounds[-1], word.start + span * b / bounds[-1], piece)
        for piece, (a, b) in zip(pieces, itertools.pairwise(bounds), strict=True)
    ]


class ShortsLayout:
    """Lays out one video's captions: measures lines with the font, pages them, scales any page whose
    single word is wider than the safe area."""

    def __init__(
        self, width: int, height: int, font_path: Path, language: Language, look: ShortsLook
    ) -> None:
        self.look = look
        self.language = language
        self.font_size = round(height * look.font_size)
        self.outline = max(1, round(self.font_size * look.outline))
        left, _top, right, _bottom = look.safe_area.box(width, height)
        self.margin_l, self.margin_r = left, width - 1 - right
        self.usable = right - left + 1 - 2 * self.outline
        self.font = ImageFont.truetype(str(font_path), self.font_size)
        self.limit = max_chars(language, look)

    def measure(self, text: str) -> float:
        """Drawn width of ``text`` in pixels."""
        return float(self.font.getlength(text))

    def fits(self, text: str) -> bool:
        """True if ``text`` fits one line (characters and pixels)."""
        return len(text) <= self.limit and self.measure(text) <= self.usable

    def pages(self, words: list[WordTime]) -> list[Page]:
        """``words`` in pages of at most ``max_lines`` lines."""
        if self.language in SPACELESS_LANGUAGES:
            words = [piece for word in words for piece in _split_spaceless(word, self.fits, self.usable)]
        lines = [[words[i] for i in line] for line in break_lines([w.text for w in words], self.fits)]
        pages = []
        for first in range(0, len(lines), self.look.max_lines):
            group = lines[first : first + self.look.max_lines]
            widest = max(self.measure(" ".join(w.text for w in line)) for line in group)
            pages.append(Page(group, min(100, int(100 * self.usable / max(widest, 1.0)))))
        return pages

    def style(self, font_name: str, height: int) -> AssStyle:
        """The ASS style of the pages (bottom-centred between the safe area's sides)."""
        return AssStyle(
            font_name=font_name,
            font_size=self.font_size,
            primary=f"&H00{self.look.text}",
            outline_colour=f"&H00{self.look.outline_colour}",
            outline=self.outline,
            shadow=0,
            margin_l=self.margin_l,
            margin_r=self.margin_r,
            margin_v=round(height * self.look.bottom),
        )


def _page_text(page: Page, current: int, look: ShortsLook) -> str:
    """The page's lines (``\\N``-separated), word ``current`` (index in reading order) highlighted."""
    index = itertools.count()
    lines = []
    for line in page.lines:
        words = []
        for word in line:
            text = ass_escape(word.text)
            if next(index) == current:  # colour tags only: a reset (\r) would drop the page's scale too
                text = f"{{\\1c&H{look.highlight}&}}{text}{{\\1c&H{look.text}&}}"
            words.append(text)
        lines.append(" ".join(words))
    scale = f"{{\\fscx{page.scale}\\fscy{page.scale}}}" if page.scale < 100 else ""
    return scale + r"\N".join(lines)


def page_events(page: Page, start: float, end: float, look: ShortsLook) -> list[str]:
    """``Dialogue`` lines showing ``page`` from ``start`` to ``end``: one per word, that word highlighted
    from its start until the next word starts."""
    words = page.words
    starts = [start, *(min(max(word.start, start), end) for word in words[1:]), end]
    return [
        ass_event(a, b, _page_text(page, index, look))
        for index, (a, b) in enumerate(itertools.pairwise(starts))
        if b > a
    ]


def _cue_words(cue: Cue) -> list[WordTime]:
    """The cue's word timings (aligned evenly over the cue when the narration has none)."""
    if cue.words:
        return cue.words
    return [word.shifted(cue.start) for word in align_words(cue.text, cue.end - cue.start, [])]


def write_shorts_ass(
    cues: Iterable[Cue],
    path: Path,
    *,
    width: int,
    height: int,
    font_path: Path,
    language: Language,
    look: ShortsLook = SHORTS,
) -> Path:
    """Write the ``shorts`` captions of ``cues`` to ``path``: pages of at most ``look.max_lines`` lines,
    each page shown from its first word until the next page (or the cue's end), the spoken word in
    the highlight colour."""
    layout = ShortsLayout(width, height, font_path, language, look)
    events: list[str] = []
    for cue in cues:
        pages = layout.pages(_cue_words(cue))
        starts = [cue.start, *(page.words[0].start for page in pages[1:]), cue.end]
        for page, (start, end) in zip(pages, itertools.pairwise(starts), strict=True):
            events += page_events(page, start, end, look)
    style = layout.style(font_family(font_path), height)
    return ass_document(path, width=width, height=height, style=style, events=events)


def write_captions(
    preset: CaptionPreset,
    cues: list[Cue],
    path: Path,
    *,
    width: int,
    height: int,
    font_path: Path,
    language: Language,
    colours: AssColours = DEFAULT_COLOURS,
) -> Path:
    """Write the burned-in captions of ``preset`` to ``path`` (ASS) in ``colours`` (a brand kit's)."""
    if preset is CaptionPreset.SHORTS:
        look = dataclasses.replace(
            SHORTS, text=colours.text, highlight=colours.highlight, outline_colour=colours.outline
        )
        return write_shorts_ass(
            cues, path, width=width, height=height, font_path=font_path, language=language, look=look
        )
    return write_ass(
        cues, path, width=width, height=height, font_name=font_family(font_path), colours=colours
    )
