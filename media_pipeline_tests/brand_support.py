"""Brand kit test files made in the test: fonts built with fontTools (every glyph a filled box, so drawn
captions are solid blocks of the caption colour), a PNG logo, short clips made by ffmpeg."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from PIL import Image

from media_pipeline.media.brand_files import ks_x_1001_syllables
from media_pipeline.media.process import run_process

UNITS = 1000
LATIN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.,!? "


def _box(width: int, ink: bool) -> object:
    pen = TTGlyphPen(None)
    if ink:
        pen.moveTo((80, -80))
        pen.lineTo((80, 760))
        pen.lineTo((width - 80, 760))
        pen.lineTo((width - 80, -80))
        pen.closePath()
    return pen.glyph()


def box_font(family: str, chars: Iterable[str]) -> bytes:
    """A TrueType font named ``family`` mapping ``chars`` to filled boxes (space: blank)."""
    chars = sorted(set(chars))
    names = [".notdef", *(f"g{ord(char):04X}" for char in chars)]
    builder = FontBuilder(UNITS, isTTF=True)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({ord(char): name for char, name in zip(chars, names[1:], strict=True)})
    glyphs = {name: _box(UNITS, name != ".notdef" and name != "g0020") for name in names}
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({name: (UNITS, 80) for name in names})
    builder.setupHorizontalHeader(ascent=880, descent=-120)
    builder.setupNameTable({"familyName": family, "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
    builder.setupPost()
    buffer = io.BytesIO()
    builder.save(buffer)
    return buffer.getvalue()


def hangul_font(family: str = "BrandBoxes") -> bytes:
    """A box font covering Latin and the 2,350 KS X 1001 Hangul syllables."""
    return box_font(family, LATIN + ks_x_1001_syllables())


def latin_font(family: str = "LatinOnly") -> bytes:
    """A box font without any Hangul."""
    return box_font(family, LATIN)


def png_logo(colour: tuple[int, int, int] = (255, 0, 0), size: tuple[int, int] = (200, 100)) -> bytes:
    """An opaque PNG of one colour."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def audio_only_mp4(path: Path, seconds: float = 1.0) -> Path:
    """An MP4 with a tone and no video stream."""
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    run_process([*cmd, "-c:a", "aac", "-f", "mp4", str(path)], on_line=lambda _line: None, timeout=120)
    return path


def make_clip(path: Path, seconds: float, *, size: str = "640x360", tone: bool = True) -> Path:
    """An MP4 clip of ``seconds`` (a test pattern; a 440 Hz tone when ``tone``)."""
    cmd = [
        "ffmpeg",
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={size}:rate=30:duration={seconds}",
    ]
    if tone:
        cmd += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac"]
    cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-shortest", str(path)]
    run_process(cmd, on_line=lambda _line: None, timeout=120)
    return path
