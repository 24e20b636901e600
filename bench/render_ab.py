"""Render before/after a code change, side by side in one run: this checkout against another one.

``python -m bench.render_ab --before DIR [--runs N] [--case short30]`` (run it from a directory that
holds no ``bench`` package, e.g. ``cd /tmp``, with ``PYTHONPATH`` set to this checkout; ``DIR`` is a
checkout of the earlier commit, e.g. a temporary ``git worktree``). The case's timeline is built once
by this checkout; each run renders it with ``ours`` (cold cache) and the ``static`` bound in fresh
workers whose ``PYTHONPATH`` is one checkout or the other, interleaved (the side that goes first
alternates per run), recording the 1-minute load average at each start. Then SSIM of this checkout's
output against the earlier one's, both outputs' loudness and their codec settings (ffprobe).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from bench.common import BENCH_DIR, WORK_DIR, fmt, median, ratio, table
from bench.measure import run_worker
from bench.quality import ssim
from bench.render import CASES
from bench.timeline import build_timeline
from media_pipeline.media.loudness import measure_loudness
from media_pipeline.media.probe import probe

CONTENDERS = ("ours", "static")
_STREAM_KEYS = (
    "codec_name",
    "profile",
    "pix_fmt",
    "width",
    "height",
    "avg_frame_rate",
    "sample_rate",
    "channels",
)


def _settings(path: Path) -> list[dict[str, Any]]:
    """Codec settings of every stream (what must stay the same)."""
    return [{key: s.get(key) for key in _STREAM_KEYS if key in s} for s in probe(path)["streams"]]


def _render(tree: Path, contender: str, timeline: Path, run_dir: Path) -> dict[str, Any]:
    run_dir.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    args = ["render", contender, str(timeline), str(run_dir / "out.mp4"), str(run_dir / "work")]
    measured = run_worker(args, run_dir / "result.json", env=env)
    return {"wall_s": measured.report["wall_s"], "cpu_s": measured.report["cpu_s"], "load_1min": load}


def compare(before: Path, after: Path, case_name: str, runs: int, work_dir: Path) -> dict[str, Any]:
    """Measure both checkouts on one case; returns per-side runs, medians, ratios and output checks."""
    case = next(case for case in CASES if case.name == case_name)
    built = build_timeline(case, work_dir / "inputs")
    timeline = work_dir / "inputs" / case.name / "timeline.json"
    sides = {"before": before, "after": after}
    records: dict[str, dict[str, list[dict[str, Any]]]] = {s: {c: [] for c in CONTENDERS} for s in sides}
    for run in range(runs):
        order = list(sides) if run % 2 == 0 else list(reversed(sides))
        for contender in CONTENDERS:
            for side in order:
                record = _render(sides[side], contender, timeline, work_dir / "ab" / side / contender)
                records[side][contender].append(record)
                print(f"[render_ab] run {run + 1}/{runs} {side} {contender}: {record}", flush=True)
    summary: dict[str, Any] = {"case": case.name, "duration_s": built.duration_s, "runs": records}
    for side in sides:
        med = {
            c: {k: median(r[k] for r in records[side][c]) for k in ("wall_s", "cpu_s")} for c in CONTENDERS
        }
        out = work_dir / "ab" / side / "ours" / "out.mp4"
        summary[side] = {
            "median": med,
            "ratio_wall": ratio(med["ours"]["wall_s"], med["static"]["wall_s"]),
            "ratio_cpu": ratio(med["ours"]["cpu_s"], med["static"]["cpu_s"]),
            "loudness": measure_loudness(out).as_dict(),
            "settings": _settings(out),
        }
    after_out, before_out = (work_dir / "ab" / side / "ours" / "out.mp4" for side in ("after", "before"))
    summary["ssim_after_vs_before"] = ssim(after_out, before_out)
    summary["same_settings"] = summary["before"]["settings"] == summary["after"]["settings"]
    return summary


def markdown(summary: dict[str, Any]) -> str:
    """The comparison as a README table plus the output checks."""
    rows = []
    for side in ("before", "after"):
        data = summary[side]
        loudness = data["loudness"]
        loads = [r["load_1min"] for c in CONTENDERS for r in summary["runs"][side][c]]
        rows.append(
            [
                side,
                fmt(data["median"]["ours"]["wall_s"], 1),
                fmt(data["median"]["static"]["wall_s"], 1),
                fmt(data["ratio_wall"], 2, "×"),
                fmt(data["median"]["ours"]["cpu_s"], 1),
                fmt(data["median"]["static"]["cpu_s"], 1),
                fmt(data["ratio_cpu"], 2, "×"),
                f"{min(loads):.1f}–{max(loads):.1f}",
                f"{loudness['integrated_lufs']:.1f} LUFS / {loudness['true_peak_dbtp']:.1f} dBTP",
            ]
        )
    headers = [
        "checkout", "ours wall s", "static wall s", "ours/static wall", "ours CPU s", "static CPU s",
        "ours/static CPU", "load (1 min) at starts", "loudness of ours",
    ]  # fmt: skip
    checks = (
        "SSIM of the after render against the before render (all planes): "
        f"**{summary['ssim_after_vs_before']:.4f}**; "
        f"codec settings of every stream (ffprobe) identical: **{summary['same_settings']}**."
    )
    return table(headers, rows) + "\n\n" + checks


def main() -> None:
    """Parse arguments, compare, print markdown, write ``render_ab.json`` into the work dir."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--case", default="short30")
    parser.add_argument("--work-dir", type=Path, default=WORK_DIR)
    args = parser.parse_args()
    summary = compare(args.before.resolve(), BENCH_DIR.parent, args.case, args.runs, args.work_dir)
    (args.work_dir / "render_ab.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(markdown(summary))


if __name__ == "__main__":
    main()
