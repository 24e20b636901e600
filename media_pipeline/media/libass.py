"""libass, the renderer behind ffmpeg's ``subtitles`` filter, called directly (ctypes): an ASS file drawn
at a given time into one RGBA image with alpha, cropped to what was drawn (docs/ARCHITECTURE.md §9,
"Captions"). Set up like the filter sets it up (frame and storage size = the video's, fontconfig, the
fonts directory), so the pixels are the ones the filter would blend into the frame.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import TracebackType

from PIL import Image

from media_pipeline.errors import PermanentError

log = logging.getLogger(__name__)

# libass's font provider that picks the platform's (fontconfig here), as ffmpeg passes it.
_FONT_PROVIDER_AUTODETECT = 1
# libass's message levels up to warnings are logged (as ffmpeg's default log level shows them); its
# informational font-loading lines are not.
_MESSAGE_WARN = 2
_MESSAGE_BYTES = 1024
_MessageCallback = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p)


class _AssImage(ctypes.Structure):
    """``ASS_Image`` of ass.h (libass 0.17): one alpha bitmap of one colour, a linked list per frame."""


_AssImage._fields_ = [
    ("w", ctypes.c_int),
    ("h", ctypes.c_int),
    ("stride", ctypes.c_int),
    ("bitmap", ctypes.POINTER(ctypes.c_ubyte)),
    ("color", ctypes.c_uint32),
    ("dst_x", ctypes.c_int),
    ("dst_y", ctypes.c_int),
    ("next", ctypes.POINTER(_AssImage)),
    ("type", ctypes.c_int),
]


@lru_cache(maxsize=1)
def _library() -> ctypes.CDLL:
    name = ctypes.util.find_library("ass") or "libass.so.9"
    try:
        lib = ctypes.CDLL(name)
    except OSError as error:
        raise PermanentError(f"libass is not installed ({error}); run `make system-deps`") from error
    pointer, text, number = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    signatures: dict[str, tuple[list[type], type | None]] = {
        "ass_library_init": ([], pointer),
        "ass_library_done": ([pointer], None),
        "ass_set_message_cb": ([pointer, _MessageCallback, pointer], None),
        "ass_set_fonts_dir": ([pointer, text], None),
        "ass_renderer_init": ([pointer], pointer),
        "ass_renderer_done": ([pointer], None),
        "ass_set_frame_size": ([pointer, number, number], None),
        "ass_set_storage_size": ([pointer, number, number], None),
        "ass_set_fonts": ([pointer, text, text, number, text, number], None),
        "ass_read_file": ([pointer, text, text], pointer),
        "ass_free_track": ([pointer], None),
        "ass_render_frame": (
            [pointer, pointer, ctypes.c_longlong, ctypes.POINTER(number)],
            ctypes.POINTER(_AssImage),
        ),
    }
    for function, (arguments, result) in signatures.items():
        getattr(lib, function).argtypes = arguments
        getattr(lib, function).restype = result
    return lib


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.vsnprintf.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p]
    return libc


def _log_message(level: int, template: bytes | None, arguments: int | None, _data: int | None) -> None:
    """libass's message callback: its ``printf`` template filled in by ``vsnprintf``, then logged."""
    if level > _MESSAGE_WARN or template is None:
        return
    text = ctypes.create_string_buffer(_MESSAGE_BYTES)
    _libc().vsnprintf(text, _MESSAGE_BYTES, template, arguments)
    log.warning("libass: %s", text.value.decode("utf-8", "replace").strip())


_ON_MESSAGE = _MessageCallback(_log_message)


@dataclass(frozen=True)
class Drawing:
    """What an ASS file draws at one moment: ``image`` (RGBA) placed at ``(x, y)`` of the frame, and
    whether it differs from the drawing asked of the same renderer before it (``changed``)."""

    image: Image.Image | None
    x: int
    y: int
    changed: bool


def _bitmaps(head: ctypes._Pointer[_AssImage]) -> list[_AssImage]:
    images = []
    while head:
        image = head.contents
        if image.w > 0 and image.h > 0:
            images.append(image)
        head = image.next
    return images


def _composite(images: list[_AssImage]) -> tuple[Image.Image, int, int]:
    """The bitmaps blended in order (shadow, outline, fill) over a transparent canvas of their union (from
    an even corner), as the filter blends them over the frame; the canvas' colour is the first bitmap's,
    so chroma at the edges does not drift to black when the overlay is subsampled to 4:2:0."""
    # Even corner: ffmpeg's overlay places a picture at even offsets in 4:2:0.
    x1, y1 = (min(i.dst_x for i in images) // 2 * 2), (min(i.dst_y for i in images) // 2 * 2)
    x2, y2 = max(i.dst_x + i.w for i in images), max(i.dst_y + i.h for i in images)
    first = images[0].color
    canvas = Image.new("RGBA", (x2 - x1, y2 - y1), (first >> 24, first >> 16 & 255, first >> 8 & 255, 0))
    for image in images:
        colour = image.color
        opacity = 255 - (colour & 255)
        mask = Image.frombuffer(
            "L",
            (image.w, image.h),
            ctypes.string_at(image.bitmap, image.stride * image.h),
            "raw",
            "L",
            image.stride,
            1,
        )
        if opacity < 255:
            mask = mask.point(lambda value, opacity=opacity: (value * opacity + 127) // 255)
        layer = Image.new("RGBA", mask.size, (colour >> 24, colour >> 16 & 255, colour >> 8 & 255, 255))
        layer.putalpha(mask)
        canvas.alpha_composite(layer, (image.dst_x - x1, image.dst_y - y1))
    return canvas, x1, y1


class AssTrack:
    """One ASS file read by an :class:`AssRenderer`, ready to draw at any time (see
    :meth:`AssRenderer.track`)."""

    def __init__(self, lib: ctypes.CDLL, renderer: int, track: int) -> None:
        self._lib, self._renderer, self._track = lib, renderer, track

    def draw(self, ms: int) -> Drawing:
        """What the captions draw at ``ms`` milliseconds."""
        change = ctypes.c_int(0)
        images = _bitmaps(self._lib.ass_render_frame(self._renderer, self._track, ms, ctypes.byref(change)))
        if not images:
            return Drawing(None, 0, 0, bool(change.value))
        image, x, y = _composite(images)
        return Drawing(image, x, y, bool(change.value))


class AssRenderer:
    """libass set up for a ``size`` = ``(width, height)`` frame and a fonts directory, drawing any number of
    ASS files, one at a time (a context manager: the library and renderer are freed on exit).

    Setting libass up (fontconfig's start, the fonts directory) is the costly part, ~40 ms CPU, so one
    renderer serves every segment of a render. libass's library and renderer are not thread-safe: a lock
    lets one :meth:`track` at a time use them.
    """

    def __init__(self, size: tuple[int, int], fonts_dir: Path | None = None) -> None:
        self.fonts_dir = fonts_dir
        self._lock = threading.Lock()
        self._lib = _library()
        self._renderer: int | None = None
        self._library: int | None = self._lib.ass_library_init()
        if self._library:
            self._lib.ass_set_message_cb(self._library, _ON_MESSAGE, None)
            if fonts_dir is not None:
                self._lib.ass_set_fonts_dir(self._library, str(fonts_dir.resolve()).encode())
            self._renderer = self._lib.ass_renderer_init(self._library)
        if not self._renderer:
            self.close()
            raise PermanentError("libass could not be initialised")
        self._lib.ass_set_frame_size(self._renderer, *size)
        self._lib.ass_set_storage_size(self._renderer, *size)
        self._lib.ass_set_fonts(self._renderer, None, None, _FONT_PROVIDER_AUTODETECT, None, 1)

    @contextmanager
    def track(self, ass: Path) -> Iterator[AssTrack]:
        """The captions of ``ass``, drawn by this renderer alone until the block ends (other threads' tracks
        wait), then freed."""
        with self._lock:
            if self._renderer is None:
                raise ValueError("the libass renderer is closed")
            track = self._lib.ass_read_file(self._library, str(ass.resolve()).encode(), None)
            if not track:
                raise PermanentError(f"libass could not read the captions {ass.name}")
            try:
                yield AssTrack(self._lib, self._renderer, track)
            finally:
                self._lib.ass_free_track(track)

    def close(self) -> None:
        """Free the renderer and library (idempotent; waits for a track in use)."""
        with self._lock:
            if self._renderer:
                self._lib.ass_renderer_done(self._renderer)
            if self._library:
                self._lib.ass_library_done(self._library)
            self._renderer = self._library = None

    def __enter__(self) -> AssRenderer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
