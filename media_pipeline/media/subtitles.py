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


def write_srt(cues: Iterable[Cue], path: Path, *, max_units: int = SRT_LINE_UNITS) -> Path:
    """Write numbered SRT cues (lines pre-wrapped to ``max_units``) to ``path`` atomically."""
    blocks = []
    for number, cue in enumerate(cues, start=1):
        lines = "\n".join(wrap_text(cue.text, max_units))
        blocks.append(f"{number}\n{srt_time(cue.start)} --> {srt_time(cue.end)}\n{lines}\n")
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


def _ass_escape(text: str) -> str:
    """Literal text for an ASS event (no override blocks or escapes from user text)."""
    text = " ".join(text.split())
    return text.replace("\\", "\u29f5").replace("{", "(").replace("}", ")")


def write_ass(
    cues: Iterable[Cue],
    path: Path,
    *,
    width: int,
    height: int,
    font_name: str,
    font_size: int | None = None,
) -> Path:
    """Write ASS with PlayRes = video pixels, bottom-centre outlined text and explicit ``\\N`` breaks."""
    layout = AssLayout.for_frame(width, height, font_size)
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
            f"Style: Default,{font_name},{layout.font_size},&H00FFFFFF,&H000000FF,&H00000000,&H80000000,"
            f"-1,0,0,0,100,100,0,0,1,{layout.outline},{layout.shadow},2,"
            f"{layout.margin_h},{layout.margin_h},{layout.margin_v},1",
            "",
            "[Events]",
            "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
        ]
    )
    events = [
        f"Dialogue: 0,{ass_time(cue.start)},{ass_time(cue.end)},Default,,0,0,0,,"
        + r"\N".join(wrap_text(_ass_escape(cue.text), layout.max_units))
        for cue in cues
    ]
    return write_bytes_atomic(path, ("\n".join([header, *events]) + "\n").encode("utf-8"))
