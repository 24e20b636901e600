"""Where a segment's time goes: ffmpeg ``-benchmark`` on each step of our segment command, one at a time.

For every segment of a timeline: decode + Ken Burns (zooms: the covered picture scaled per frame; pans: a
moving crop) to the null muxer, then with the captions overlaid, then the real segment (plus libx264, one
thread), and the still image encoded with the same settings (the static bound's work for that segment).
Differences between steps are the cost of each stage.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
from ffmpeg.nodes import OutputStream

from bench.common import Section, fmt, table
from bench.timeline import Timeline
from media_pipeline.media.ffmpeg import FFMPEG
from media_pipeline.media.libass import AssRenderer
from media_pipeline.media.probe import media_duration
from media_pipeline.media.render import Segment, caption_renderer, captions_dir, plan_segments

_TIMES = re.compile(r"bench: utime=([\d.]+)s stime=([\d.]+)s rtime=([\d.]+)s")
_MAXRSS = re.compile(r"bench: maxrss=(\d+)kB")


@dataclass
class BenchTimes:
    """ffmpeg's own ``-benchmark`` report of one command."""

    user_s: float = 0.0
    sys_s: float = 0.0
    real_s: float = 0.0
    maxrss_mb: float = 0.0

    @property
    def cpu_s(self) -> float:
        """User plus system CPU seconds."""
        return self.user_s + self.sys_s

    def add(self, other: BenchTimes) -> None:
        """Accumulate ``other`` (times add up, the peak is the larger one)."""
        self.user_s += other.user_s
        self.sys_s += other.sys_s
        self.real_s += other.real_s
        self.maxrss_mb = max(self.maxrss_mb, other.maxrss_mb)


def run_benchmarked(graph: OutputStream) -> BenchTimes:
    """Run ``graph`` with ``-benchmark`` and parse its report; raises on failure."""
    cmd = graph.global_args("-hide_banner", "-nostdin", "-nostats", "-y", "-benchmark").compile(cmd=FFMPEG)
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    times, rss = _TIMES.search(done.stderr), _MAXRSS.search(done.stderr)
    if done.returncode != 0 or times is None or rss is None:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    user, system, real = (float(value) for value in times.groups())
    return BenchTimes(user, system, real, int(rss.group(1)) / 1024)


@dataclass(frozen=True)
class SegmentRun:
    """One segment being profiled: the file a step writes (``out``), and where its captions are drawn
    (``captions``, by the profile's ``renderer``)."""

    timeline: Timeline
    segment: Segment
    out: Path
    captions: Path
    renderer: AssRenderer


# Each step: a label and the ffmpeg graph for one segment.
Step = tuple[str, Callable[[SegmentRun], OutputStream]]


def _kenburns_only(run: SegmentRun) -> OutputStream:
    s = run.segment
    return s.kenburns.output("-", **{"frames:v": s.frames}, f="null")


def _with_subtitles(run: SegmentRun) -> OutputStream:
    s = run.segment
    return s.video(run.captions, run.renderer).output("-", **{"frames:v": s.frames}, f="null")


def _full_segment(run: SegmentRun) -> OutputStream:
    return run.segment.graph(run.out, run.captions, run.renderer)


def _still_encode(run: SegmentRun) -> OutputStream:
    # Decode and convert the image once, then repeat that frame (as the static bound does).
    s = run.segment
    still = ffmpeg.input(str(s.image), framerate=run.timeline.fps).filter("format", "yuv420p")
    repeated = still.filter("tpad", stop=-1, stop_mode="clone")
    return repeated.output(str(run.out), **{"frames:v": s.frames}, **s.codec, an=None)


STEPS: tuple[Step, ...] = (
    ("decode + Ken Burns (zoom: scaled per frame / pan: crop) → null", _kenburns_only),
    ("+ captions (libass states overlaid) → null", _with_subtitles),
    ("+ libx264 encode = our segment", _full_segment),
    ("still image → libx264 (static bound's video work)", _still_encode),
)


def profile_segment(
    timeline: Timeline, segment: Segment, steps: tuple[Step, ...], out: Path, renderer: AssRenderer
) -> dict[str, BenchTimes]:
    """Each step's ``-benchmark`` report for ``segment``, its caption images drawn by ``renderer`` into a
    folder beside ``out`` that is removed afterwards, as the render removes a segment's."""
    with captions_dir(out.parent) as captions:
        run = SegmentRun(timeline, segment, out, captions, renderer)
        return {label: run_benchmarked(build(run)) for label, build in steps}


def profile_case(timeline: Timeline, work_dir: Path) -> Section:
    """Benchmark every step over all segments of ``timeline`` (sequentially, so no contention)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    spec = timeline.render_spec()
    segments = plan_segments(spec, work_dir, media_duration(spec.narration_wav))
    out = work_dir / "profile.mp4"
    totals = {label: BenchTimes() for label, _ in STEPS}
    with caption_renderer(spec) as renderer:
        for segment in segments:
            for label, times in profile_segment(timeline, segment, STEPS, out, renderer).items():
                totals[label].add(times)
    out.unlink(missing_ok=True)
    rows = []
    previous: float | None = None
    for label, times in totals.items():
        delta = "" if previous is None or label.startswith("still") else fmt(times.cpu_s - previous, 1)
        rows.append([label, fmt(times.cpu_s, 1), delta, fmt(times.real_s, 1), fmt(times.maxrss_mb, 0)])
        previous = times.cpu_s
    markdown = table(
        ["step (all segments, one at a time)", "CPU s", "Δ CPU s", "wall s", "max RSS MB (one ffmpeg)"], rows
    )
    return Section(
        title="profile",
        markdown=markdown,
        data={label: vars(times) for label, times in totals.items()},
    )
