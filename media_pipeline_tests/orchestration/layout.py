"""The storage keys a published task is made of, for the object-storage tests."""

from __future__ import annotations


def rule_based_keys(task_id: str, scenes: int) -> set[str]:
    """Every file a published task is made of (seed 001 layout) plus the analysis and the HLS master."""
    names = ["task.json", "story.json", "narration.wav", "subtitles.srt", "subtitles.ass", "output.mp4"]
    names += ["analysis.json", "hls/master.m3u8", "thumbnail.jpg", "publish.json"]
    names += [f"scene_{i:02d}.png" for i in range(scenes)]
    return {f"tasks/{task_id}/{name}" for name in names}
