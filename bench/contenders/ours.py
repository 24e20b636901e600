"""Our renderer, timed per phase: parallel Ken Burns segments, audio mastering, then the concat + AAC
final pass."""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.timeline import Timeline
from media_pipeline.media import render as render_module
from media_pipeline.media.render import render_video

# Module-level functions of render.py that render_video calls, timed as phases.
PHASES = {"segments": "render_segments", "mastering": "master_audio", "final_pass": "_final_pass"}


@contextlib.contextmanager
def _timed_phases(timings: dict[str, float]) -> Iterator[None]:
    """Wrap the phase functions of render.py so each call adds its wall time to ``timings``."""
    originals = {attr: getattr(render_module, attr) for attr in PHASES.values()}

    def wrap(phase: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                timings[phase] = timings.get(phase, 0.0) + time.perf_counter() - started

        return timed

    for phase, attr in PHASES.items():
        setattr(render_module, attr, wrap(phase, originals[attr]))
    try:
        yield
    finally:
        for attr, original in originals.items():
            setattr(render_module, attr, original)


def _render(timeline: Timeline, out: Path, work_dir: Path) -> dict[str, Any]:
    timings: dict[str, float] = {}
    with _timed_phases(timings):
        result = render_video(timeline.render_spec(), out, work_dir)
    return {
        "segments_rendered": result.segments_rendered,
        "segments_cached": result.segments_cached,
        "phases_s": timings,
    }


def render_cold(timeline: Timeline, out: Path, work_dir: Path) -> dict[str, Any]:
    """Render with an empty segment cache (``work_dir`` is emptied first)."""
    shutil.rmtree(work_dir, ignore_errors=True)
    return _render(timeline, out, work_dir)


def render_warm(timeline: Timeline, out: Path, work_dir: Path) -> dict[str, Any]:
    """Render reusing the segments already cached in ``work_dir``."""
    return _render(timeline, out, work_dir)
