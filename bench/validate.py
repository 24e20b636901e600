"""Checks that a benchmark output is the video it should be, so the comparison is fair."""

from __future__ import annotations

from pathlib import Path

from media_pipeline.media.probe import check_video, summarize

DURATION_TOLERANCE_S = 0.25


def output_problems(
    path: Path, *, width: int, height: int, fps: int, duration_s: float
) -> tuple[dict, list[str]]:
    """(ffprobe summary, problems) of ``path``: our spec checks plus the expected duration."""
    summary = summarize(path)
    problems = check_video(summary, width=width, height=height, fps=fps)
    if abs(summary.duration - duration_s) > DURATION_TOLERANCE_S:
        problems.append(f"lasts {summary.duration:.3f} s, expected {duration_s:.3f} s")
    return summary.as_dict(), problems
