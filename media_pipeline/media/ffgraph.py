"""ffmpeg-python graphs as supervised processes: the one place a graph becomes an argv and runs.

The media modules build each ffmpeg invocation as an ffmpeg-python graph (inputs, filters, outputs);
:func:`compile_graph` adds the project's common global flags and compiles it, :func:`run_graph` runs the
argv through :func:`~media_pipeline.media.process.run_process` (own process group, ``-progress`` parsing,
timeout, cancel; docs/ARCHITECTURE.md §4, "Unattended operation"). ffmpeg-python's own ``run()`` is never
used: it would start ffmpeg outside the project's process layer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import ffmpeg
from ffmpeg._utils import escape_chars
from ffmpeg.nodes import OutputStream, Stream

from media_pipeline.media.ffmpeg import FFMPEG, progress_reader
from media_pipeline.media.process import run_process

# Quiet, non-interactive; ``-y`` overwrites (outputs are temp paths of atomic writes).
QUIET_ARGS = ("-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y")
PROGRESS_ARGS = ("-progress", "pipe:1")
# Characters special to a filter option value, then to the filter graph around it (ffmpeg-python's escaping).
_OPTION_SPECIALS = "\\'=:"
_GRAPH_SPECIALS = "\\'[],;"


def compile_graph(graph: OutputStream, *, loglevel: str = "error", progress: bool = False) -> list[str]:
    """The argv of ``graph`` with :data:`QUIET_ARGS` (at ``loglevel``) and, with ``progress``,
    ``-progress pipe:1`` as global args."""
    flags = [*QUIET_ARGS]
    flags[flags.index("-loglevel") + 1] = loglevel
    if progress:
        flags += PROGRESS_ARGS
    argv: list[str] = graph.global_args(*flags).compile(cmd=FFMPEG)
    return argv


def run_graph(
    graph: OutputStream,
    *,
    timeout: float | None,
    on_seconds: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
    loglevel: str = "error",
) -> str:
    """Compile ``graph`` and run it supervised; returns the tail of ffmpeg's stderr.

    With ``on_seconds`` ffmpeg reports progress on stdout and each output time (seconds) is passed to it.
    Failures, timeouts and ``cancel`` behave as in :func:`~media_pipeline.media.process.run_process`.
    """
    cmd = compile_graph(graph, loglevel=loglevel, progress=on_seconds is not None)
    on_line = progress_reader(on_seconds) if on_seconds is not None else None
    return run_process(cmd, on_line=on_line, timeout=timeout, cancel=cancel)


def lavfi_source(name: str, **options: object) -> Stream:
    """The output of source filter ``name`` (no inputs, e.g. ``aevalsrc``) with ``options``, as an input.

    ffmpeg-python's filter nodes need an input stream, so a source filter enters the graph through the
    ``lavfi`` device; its name and options are escaped the way ffmpeg-python escapes any filter (option
    level, then graph level).
    """
    params = ":".join(f"{key}={escape_chars(value, _OPTION_SPECIALS)}" for key, value in options.items())
    spec = escape_chars(f"{name}={params}" if params else name, _GRAPH_SPECIALS)
    return ffmpeg.input(spec, f="lavfi")
