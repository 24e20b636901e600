"""Image checks and normalisation shared by the image sources: magic-byte sniffing, a Pillow decode check,
and cover-cropping to the video canvas saved as PNG atomically."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image, ImageOps

from media_pipeline.errors import PermanentError
from media_pipeline.fsutil import atomic_path

# (magic prefix, offset of a second marker, second marker, MIME type, file extension)
_SIGNATURES: tuple[tuple[bytes, int, bytes, str, str], ...] = (
    (b"\xff\xd8\xff", 0, b"", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, b"", "image/png", ".png"),
    (b"GIF87a", 0, b"", "image/gif", ".gif"),
    (b"GIF89a", 0, b"", "image/gif", ".gif"),
    (b"RIFF", 8, b"WEBP", "image/webp", ".webp"),
)
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
SNIFF_BYTES = 16


class InvalidImageError(PermanentError):
    """Bytes that are not an accepted, decodable image."""


def sniff_image_type(head: bytes) -> tuple[str, str] | None:
    """(MIME type, extension) of JPEG/PNG/GIF/WebP data from its first bytes; None for anything else."""
    for magic, offset, marker, mime, ext in _SIGNATURES:
        if head.startswith(magic) and (not marker or head[offset : offset + len(marker)] == marker):
            return mime, ext
    return None


def _open(source: bytes | Path) -> Image.Image:
    return Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)


def verify_image(source: bytes | Path, what: str = "image") -> str:
    """Check that ``source`` is a JPEG/PNG/GIF/WebP that Pillow decodes fully; return its MIME type.

    The type comes from the magic bytes and must agree with what Pillow detects. Decompression bombs
    (Pillow's pixel limit) count as invalid.
    """
    head = source[:SNIFF_BYTES] if isinstance(source, bytes) else _read_head(source)
    sniffed = sniff_image_type(head)
    if sniffed is None:
        raise InvalidImageError(f"{what} is not a JPEG, PNG, GIF or WebP image (checked its bytes)")
    mime = sniffed[0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with _open(source) as img:
                detected = img.format
                img.load()
    except (
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ) as exc:
        raise InvalidImageError(f"{what} could not be decoded as {mime}: {exc}") from exc
    if detected != PILLOW_FORMATS[mime]:
        raise InvalidImageError(f"{what} looks like {mime} but decodes as {detected}")
    return mime


def _read_head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(SNIFF_BYTES)


def cover_fit(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    """``img`` scaled to cover ``size`` and centre-cropped, EXIF orientation applied, as RGB."""
    img = ImageOps.exif_transpose(img)
    if img.mode not in ("RGB", "L"):
        background = Image.new("RGBA", img.size, (0, 0, 0, 255))
        img = Image.alpha_composite(background, img.convert("RGBA"))
    return ImageOps.fit(img.convert("RGB"), size, method=Image.Resampling.LANCZOS)


def write_scene_image(source: bytes | Path, size: tuple[int, int], dest: Path, what: str = "image") -> Path:
    """Verify ``source``, cover-fit it to ``size`` and save it as PNG at ``dest`` atomically."""
    verify_image(source, what)
    with _open(source) as img, atomic_path(dest) as tmp:
        cover_fit(img, size).save(tmp, format="PNG")
    return dest
