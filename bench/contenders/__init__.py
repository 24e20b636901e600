"""The renderers compared by the render benchmark; each ``render(timeline, out, work_dir) -> dict``.

``ours`` and ``ours-warm`` call :func:`media_pipeline.media.render.render_video` (cold: empty segment
cache; warm: every segment cached, only the final pass runs), ``static`` is the lower bound (still images,
one ffmpeg command, same encoder settings) and ``moviepy`` renders the same timeline with MoviePy 2.x.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.timeline import Timeline

Renderer = Callable[[Timeline, Path, Path], dict[str, Any]]

CONTENDERS: dict[str, str] = {
    "ours": "bench.contenders.ours:render_cold",
    "ours-warm": "bench.contenders.ours:render_warm",
    "static": "bench.contenders.static:render",
    "moviepy": "bench.contenders.moviepy_timeline:render",
}
# Contenders whose work dir must be prepared by one unmeasured render before the measured runs.
NEEDS_PRIMING = frozenset({"ours-warm"})


def load(name: str) -> Renderer:
    """The render function of contender ``name`` (imported lazily: MoviePy is heavy)."""
    module, _, attr = CONTENDERS[name].partition(":")
    return getattr(importlib.import_module(module), attr)
