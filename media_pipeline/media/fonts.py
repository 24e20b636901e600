"""Finding a Hangul-capable font file and checking which characters a font really draws."""

from __future__ import annotations

import itertools
import shutil
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from media_pipeline.errors import PermanentError
from media_pipeline.media.process import run_process
from media_pipeline.processes import ProcessFailed

KNOWN_FONTS = (
    Path("/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf"),
    Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/noto/NotoSansKR-Regular.ttf"),
    Path("/System/Library/Fonts/AppleSDGothicNeo.ttc"),
    Path("C:/Windows/Fonts/malgun.ttf"),
)
INSTALL_HINT = (
    "no Hangul-capable font found; install one (Debian/Ubuntu: `apt-get install fonts-nanum` or "
    "`fonts-noto-cjk`) or set MEDIA_PIPELINE_FONT_PATH to a .ttf/.otf/.ttc file"
)
HANGUL_PROBE = "가"
# An unassigned code point: no font maps it, so it always draws the font's missing-glyph (.notdef) shape.
MISSING_PROBE = "\u0378"


def glyph_bitmap(font_path: Path, text: str, size: int = 48) -> bytes:
    """Grayscale bitmap of ``text`` drawn with ``font_path`` on a fixed canvas (for glyph comparisons)."""
    font = ImageFont.truetype(str(font_path), size)
    image = Image.new("L", (size * 2 * max(1, len(text)), size * 2), 0)
    ImageDraw.Draw(image).text((size // 2, size // 2), text, font=font, fill=255)
    return image.tobytes()


def draws_glyph(font_path: Path, char: str) -> bool:
    """True if ``font_path`` has a real glyph for ``char`` (not blank, not its missing-glyph box)."""
    drawn = glyph_bitmap(font_path, char)
    if not any(drawn):
        return False
    return drawn != glyph_bitmap(font_path, MISSING_PROBE)


@lru_cache(maxsize=32)
def supports_hangul(font_path: Path) -> bool:
    """True if the font draws Hangul syllables."""
    try:
        return draws_glyph(font_path, HANGUL_PROBE)
    except OSError:
        return False


def _fc_match(pattern: str) -> Path | None:
    if shutil.which("fc-match") is None:
        return None
    lines: list[str] = []
    try:
        run_process(["fc-match", "-f", "%{file}", pattern], on_line=lines.append, timeout=30)
    except ProcessFailed:
        return None
    found = "".join(lines).strip()
    return Path(found) if found else None


def find_font(preferred: Path | None = None, *, bold: bool = True) -> Path:
    """A Hangul-capable font file: ``preferred`` if given, else fontconfig's match, else known paths.

    With ``bold`` (default, more legible over video) a bold face is tried first. Raises
    :class:`PermanentError` with an install hint when none is found, and when ``preferred`` is missing or
    cannot draw Hangul (Korean text would come out as tofu boxes).
    """
    if preferred is not None:
        if not preferred.is_file():
            raise PermanentError(f"configured font {preferred} does not exist")
        if not supports_hangul(preferred):
            raise PermanentError(f"configured font {preferred} has no Hangul glyphs; {INSTALL_HINT}")
        return preferred
    patterns = [":lang=ko:weight=bold", ":lang=ko"] if bold else [":lang=ko"]
    candidates = itertools.chain((_fc_match(p) for p in patterns), KNOWN_FONTS)
    for candidate in candidates:
        if candidate is not None and candidate.is_file() and supports_hangul(candidate):
            return candidate
    raise PermanentError(INSTALL_HINT)


def font_family(path: Path) -> str:
    """Family name of a font file (what ASS ``Fontname`` and fontconfig match on)."""
    family, _style = ImageFont.truetype(str(path), 12).getname()
    if not family:
        raise PermanentError(f"font {path} has no family name")
    return family
