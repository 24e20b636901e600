"""Font discovery and proof that Hangul is drawn with real glyphs, not tofu boxes."""

from __future__ import annotations

from pathlib import Path

import pytest

from media_pipeline.errors import PermanentError
from media_pipeline.media import fonts
from media_pipeline.media.fonts import MISSING_PROBE, find_font, font_family, glyph_bitmap, supports_hangul

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PRIVATE_USE = "\ue000"


def test_found_font_draws_hangul_not_tofu(font: Path) -> None:
    hangul = glyph_bitmap(font, "한국어")
    tofu = glyph_bitmap(font, PRIVATE_USE * 3)
    missing = glyph_bitmap(font, MISSING_PROBE * 3)
    assert any(hangul), "Hangul drew nothing"
    assert hangul != tofu, "Hangul drawn as the private-use (missing) glyph"
    assert hangul != missing, "Hangul drawn as the .notdef box"
    # Different syllables give different shapes (a tofu font would draw identical boxes).
    assert glyph_bitmap(font, "가") != glyph_bitmap(font, "나")
    assert supports_hangul(font)


@pytest.mark.skipif(not DEJAVU.is_file(), reason="DejaVu not installed")
def test_font_without_hangul_is_detected() -> None:
    assert not supports_hangul(DEJAVU)
    assert glyph_bitmap(DEJAVU, "가") == glyph_bitmap(DEJAVU, PRIVATE_USE)


def test_preferred_font_wins_and_bad_preferred_is_refused(font: Path, tmp_path: Path) -> None:
    assert find_font(font) == font
    with pytest.raises(PermanentError, match="does not exist"):
        find_font(tmp_path / "nope.ttf")
    with pytest.raises(PermanentError, match="no Hangul glyphs"):
        find_font(DEJAVU)


def test_no_hangul_font_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "KNOWN_FONTS", (DEJAVU,))
    monkeypatch.setattr(fonts, "_fc_match", lambda pattern: None)
    with pytest.raises(PermanentError, match="fonts-nanum"):
        find_font()


def test_font_family_is_the_ass_font_name(font: Path) -> None:
    family = font_family(font)
    assert family and "\n" not in family
    if "nanum" in font.name.lower():
        assert family.startswith("Nanum")
