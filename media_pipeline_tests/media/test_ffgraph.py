"""ffmpeg-python graphs as supervised processes (media/ffgraph.py), and the rule that media/ builds every
ffmpeg graph with ffmpeg-python: an AST scan finds no hand-assembled filter strings or argv."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import threading
from pathlib import Path

import ffmpeg
import pytest

import media_pipeline.media
from media_pipeline.media.ffgraph import QUIET_ARGS, compile_graph, lavfi_source, run_graph
from media_pipeline.media.ffmpeg import FFMPEG, FFPROBE
from media_pipeline.media.process import ProcessCancelled
from media_pipeline.processes import ProcessTimedOut

MEDIA_DIR = Path(media_pipeline.media.__file__).parent
# Command-line flags that take a filter graph or an input: only ffmpeg-python writes them.
_GRAPH_FLAGS = {
    "-vf",
    "-af",
    "-filter_complex",
    "-filter_complex_script",
    "-lavfi",
    "-filter:v",
    "-filter:a",
    "-i",
}
# A link label (``[0:a]``, ``[out]``) or two filters chained (``name=...,name=``, ``;``).
_FILTER_TEXT = re.compile(
    r"\[(\d+(:[vas](:\d+)?)?|[a-z_][a-z0-9_]*)\]"  # link label
    r"|\b[a-z][a-z0-9_]*=[^,;\s]*[,;]\s*[a-z][a-z0-9_]*="  # filter=...,filter=
)


def _texts(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string literal of ``tree`` (f-strings with ``{}`` for their values) and its line."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) else "{}" for v in node.values]
            found.append((node.lineno, "".join(str(part) for part in parts)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
    return found


def _is_copy_context(node: ast.expr) -> bool:
    """``contextvars.copy_context()``: its ``.run`` runs a function, not a process."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute | ast.Name)
        and getattr(node.func, "attr", getattr(node.func, "id", None)) == "copy_context"
    )


def hand_built_ffmpeg(source: str) -> list[str]:
    """Why ``source`` assembles an ffmpeg graph or argv by hand, or runs one outside ffgraph (empty: it
    does not)."""
    tree = ast.parse(source)
    problems = [f"line {line}: {text!r}" for line, text in _texts(tree) if text in _GRAPH_FLAGS]
    problems += [
        f"line {line}: filter text {text!r}" for line, text in _texts(tree) if _FILTER_TEXT.search(text)
    ]
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "FFMPEG" and isinstance(node.ctx, ast.Load):
            problems.append(f"line {node.lineno}: runs the ffmpeg executable itself")
        in_context = isinstance(node, ast.Attribute) and _is_copy_context(node.value)  # contextvars
        if isinstance(node, ast.Attribute) and node.attr in ("run", "run_async") and not in_context:
            problems.append(f"line {node.lineno}: .{node.attr}() bypasses the process layer")
    return problems


def test_the_scan_finds_the_hand_built_commands_it_forbids() -> None:
    old_mix = 'graph = "[0:a]asplit=2[voice][key];[voice][key]amix=inputs=2[out]"'
    old_chain = 'chain = f"volume={gain}dB,aresample={rate}"'
    old_argv = 'cmd = [FFMPEG, "-i", str(path), "-vf", chain]'
    assert len(hand_built_ffmpeg(old_mix)) == 1
    assert len(hand_built_ffmpeg(old_chain)) == 1
    assert len(hand_built_ffmpeg(old_argv)) == 3
    assert len(hand_built_ffmpeg("ffmpeg.input(str(path)).output(str(out)).run()")) == 1
    assert hand_built_ffmpeg('stream.filter("volume", f"{gain:.2f}dB").filter("aresample", 44100)') == []


def test_media_builds_every_ffmpeg_graph_with_ffmpeg_python() -> None:
    """Outside ffgraph.py (which compiles graphs and names the executable) no module of media/ assembles a
    filter string or an ffmpeg argv by hand."""
    problems = {
        path.name: found
        for path in sorted(MEDIA_DIR.glob("*.py"))
        if path.name != "ffgraph.py" and (found := hand_built_ffmpeg(path.read_text(encoding="utf-8")))
    }
    assert problems == {}
    builders = {path.name for path in MEDIA_DIR.glob("*.py") if "\nimport ffmpeg\n" in path.read_text()}
    assert {"render.py", "hls.py", "mastering.py", "loudness.py", "frames.py", "tts.py"} <= builders


def _probe(path: Path) -> dict:
    cmd = [FFPROBE, "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)]
    return json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def test_compile_graph_adds_the_quiet_flags_and_progress_as_global_args(tmp_path: Path) -> None:
    graph = ffmpeg.input("in.wav").filter("volume", 2).output(str(tmp_path / "out.wav"))
    argv = compile_graph(graph, loglevel="info", progress=True)
    assert argv[0] == FFMPEG
    assert argv[:5] == [FFMPEG, "-i", "in.wav", "-filter_complex", "[0]volume=2[s0]"]
    flags = argv[argv.index(str(tmp_path / "out.wav")) + 1 :]
    expected = [*QUIET_ARGS, "-progress", "pipe:1"]
    expected[expected.index("-loglevel") + 1] = "info"
    assert flags == expected


def test_a_source_filter_with_graph_specials_in_its_options_runs_as_written(tmp_path: Path) -> None:
    """Commas, a semicolon and a colon inside an expression survive both escaping levels of the lavfi
    input: the tone has the asked rate and length, and its level is that of the expression."""
    expression = "st(0,0.5);ld(0)*sin(2*PI*440*t)"
    out = tmp_path / "tone.wav"
    source = lavfi_source("aevalsrc", exprs=expression, s=8000, d="0.5")
    run_graph(source.output(str(out), **{"c:a": "pcm_s16le"}), timeout=60)
    stream = _probe(out)["streams"][0]
    assert (stream["codec_name"], stream["sample_rate"]) == ("pcm_s16le", "8000")
    assert float(stream["duration"]) == pytest.approx(0.5, abs=0.01)
    level = ffmpeg.input(str(out)).filter("volumedetect").output("-", f="null")
    peak = re.search(r"max_volume: (-?[\d.]+) dB", run_graph(level, timeout=60, loglevel="info"))
    assert peak is not None and float(peak[1]) == pytest.approx(-6.0, abs=0.3)  # amplitude 0.5


def test_run_graph_reports_progress_and_stops_on_timeout_and_cancel(tmp_path: Path) -> None:
    tone = lavfi_source("sine", frequency=440, sample_rate=8000, duration=3)
    seen: list[float] = []
    run_graph(tone.output(str(tmp_path / "a.wav")), timeout=60, on_seconds=seen.append)
    assert seen and seen[-1] == pytest.approx(3.0, abs=0.05)

    endless = lavfi_source("sine", frequency=440).filter("arealtime").output("-", f="null")
    with pytest.raises(ProcessTimedOut):
        run_graph(endless, timeout=0.5)
    cancel = threading.Event()
    started = threading.Event()

    def on_seconds(_: float) -> None:
        started.set()
        cancel.set()

    with pytest.raises(ProcessCancelled):
        run_graph(endless, timeout=60, on_seconds=on_seconds, cancel=cancel)
    assert started.is_set()
