"""Subtitle files: SRT for players/YouTube and ASS (pixel-sized, pre-wrapped) for burning into the video."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from media_pipeline.fsutil import write_bytes_atomic
from media_pipeline.media.text import wrap_units
from media_pipeline.media.tts import Cue

SRT_LINE_UNITS = 42
# Average advance of one display unit (half a CJK glyph, one Latin letter) as a fraction of the font size.
UNIT_WIDTH_EM = 0.5


def wrap_text(text: str, max_units: int) -> list[str]:
    """Lines of at most ``max_units`` units (CJK chars count 2); breaks at spaces, else inside CJK runs."""
    return wrap_units(text, max_units)


def _clock(seconds: float, fraction_digits: int) -> tuple[int, int, int, int]:
    scale = 10**fraction_digits
    total = max(0, round(seconds * scale))
    whole, fraction = divmod(total, scale)
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    return hours, minutes, secs, fraction


def srt_time(seconds: float) -> str:
    """``HH:MM:SS,mmm``."""
    h, m, s, ms = _clock(seconds, 3)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def ass_time(seconds: float) -> str:
    """``H:MM:SS.cc`` (centiseconds)."""
    h, m, s, cs = _clock(seconds, 2)
    return f"{h:d}:{m:02d}:{s:02d}.{cs:02d}"


def write_srt(
    cues: Iterable[Cue], path: Path, *, max_units: int = SRT_LINE_UNITS, offset: float = 0.0
) -> Path:
    """Write numbered SRT cues (lines pre-wrapped to ``max_units``, times shifted by ``offset`` seconds,
    e.g. a brand kit's intro) to ``path`` atomically."""
    blocks = []
    for number, cue in enumerate(cues, start=1):
        lines = "\n".join(wrap_text(cue.text, max_units))
        start, end = srt_time(cue.start + offset), srt_time(cue.end + offset)
        blocks.append(f"{number}\n{start} --> {end}\n{lines}\n")
    return write_bytes_atomic(path, "\n".join(blocks).encode("utf-8"))


@dataclass(frozen=True)
class AssLayout:
    """Pixel sizes of burned-in subtitles for one frame size."""

    font_size: int
    margin_h: int
    margin_v: int
    outline: int
    shadow: int
    max_units: int

    @classmethod
    def for_frame(cls, width: int, height: int, font_size: int | None = None) -> AssLayout:
        """Sizes proportional to the frame; vertical video gets a higher bottom margin (Shorts UI)."""
        vertical = height > width
        size = font_size or max(8, round(height * (0.034 if vertical else 0.055)))
        margin_h = round(width * 0.06)
        usable = width - 2 * margin_h
        return cls(
            font_size=size,
            margin_h=margin_h,
            margin_v=round(height * (0.14 if vertical else 0.07)),
            outline=max(1, round(size * 0.08)),
            shadow=max(1, round(size * 0.04)),
            max_units=max(4, int(usable / (size * UNIT_WIDTH_EM))),
        )


def ass_escape(text: str) -> str:
    """Literal text for an ASS event (no override blocks or escapes from user text)."""
    text = " ".join(text.split())
    return text.replace("\\", "\u29f5").replace("{", "(").replace("}", ")")


@dataclass(frozen=True)
class AssColours:
    """Caption colours as ASS ``BBGGRR`` hex: the text, the spoken word's highlight (``shorts``) and the
    outline; the defaults are white, gold and black (a brand kit may change them)."""

    text: str = "FFFFFF"
    highlight: str = "00D7FF"
    outline: str = "000000"

    @classmethod
    def from_rgb(cls, text: str, highlight: str, outline: str) -> AssColours:
        """Colours from ``#RRGGBB`` strings."""
        return cls(*(f"{c[5:7]}{c[3:5]}{c[1:3]}".upper() for c in (text, highlight, outline)))


DEFAULT_COLOURS = AssColours()


@dataclass(frozen=True)
class AssStyle:
    """One ``[V4+ Styles]`` line: colours are ASS ``&HAABBGGRR``; ``border_style`` 1 = outline + shadow,
    3 = opaque box; ``alignment`` is numpad-like (2 = bottom centre)."""

    font_name: str
    font_size: int
    outline: int
    shadow: int
    margin_l: int
    margin_r: int
    margin_v: int
    bold: bool = True
    primary: str = "&H00FFFFFF"
    outline_colour: str = "&H00000000"
    back: str = "&H80000000"
    border_style: int = 1
    alignment: int = 2

    def line(self) -> str:
        """The ``Style: Default,...`` line."""
        return (
            f"Style: Default,{self.font_name},{self.font_size},{self.primary},&H000000FF,"
            f"{self.outline_colour},{self.back},{-1 if self.bold else 0},0,0,0,100,100,0,0,"
            f"{self.border_style},{self.outline},{self.shadow},{self.alignment},"
            f"{self.margin_l},{self.margin_r},{self.margin_v},1"
        )


def ass_document(path: Path, *, width: int, height: int, style: AssStyle, events: Iterable[str]) -> Path:
    """Write an ASS file (PlayRes = video pixels, no automatic wrapping) with ``style`` and ``Dialogue``
    lines built by :func:`ass_event`, atomically."""
    header = "\n".join(
        [
            "[Script Info]",
            "ScriptType: v4.00+",
            f"PlayResX: {width}",
            f"PlayResY: {height}",
            "WrapStyle: 2",
            "ScaledBorderAndShadow: yes",
            "YCbCr Matrix: TV.709",
            "",
            "[V4+ Styles]",
            "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
            "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, "
            "Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
            style.line(),
            "",
            "[Events]",
            "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
        ]
    )
    return write_bytes_atomic(path, ("\n".join([header, *events]) + "\n").encode("utf-8"))


def ass_event(start: float, end: float, text: str) -> str:
    """A ``Dialogue`` line of the Default style (``text`` already escaped and formatted)."""
    return f"Dialogue: 0,{ass_time(start)},{ass_time(end)},Default,,0,0,0,,{text}"


def write_ass(
    cues: Iterable[Cue],
    path: Path,
    *,
    width: int,
    height: int,
    font_name: str,
    font_size: int | None = None,
    colours: AssColours = DEFAULT_COLOURS,
) -> Path:
    """Write the ``classic`` captions: bottom-centre outlined text, pre-wrapped with explicit ``\\N``."""
    layout = AssLayout.for_frame(width, height, font_size)
    style = AssStyle(
        font_name=font_name,
        font_size=layout.font_size,
        primary=f"&H00{colours.text}",
        outline_colour=f"&H00{colours.outline}",
        outline=layout.outline,
        shadow=layout.shadow,
        margin_l=layout.margin_h,
        margin_r=layout.margin_h,
        margin_v=layout.margin_v,
    )
    events = [
        ass_event(cue.start, cue.end, r"\N".join(wrap_text(ass_escape(cue.text), layout.max_units)))
        for cue in cues
    ]
    return ass_document(path, width=width, height=height, style=style, events=events)
