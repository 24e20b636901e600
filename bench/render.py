"""Render benchmark: our renderer (cold and warm segment cache) vs the static-image lower bound vs MoviePy.

All contenders render the same prebuilt timeline per case, in fresh worker processes, interleaved run by
run (the machine is shared, so noise spreads over all of them). Wall and CPU time are those of the render
call alone; peak RSS is sampled over the worker's whole process tree. Every output is checked with ffprobe.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.common import BenchOptions, Section, fmt, fmt_range, median, ratio, table, target_line
from bench.contenders import NEEDS_PRIMING
from bench.measure import run_worker
from bench.profile_render import profile_case
from bench.quality import render_reference, ssim, video_stream_bytes
from bench.timeline import Case, Timeline, build_timeline
from bench.validate import output_problems
from media_pipeline.domain import VideoType

CASES = (
    Case("short30", VideoType.SHORTFORM, 30.0, moviepy=True),
    Case("short60", VideoType.SHORTFORM, 60.0),
    Case("long60", VideoType.LONGFORM, 60.0),
)
QUICK_CASES = (
    Case("short10", VideoType.SHORTFORM, 10.0, scenes=2, moviepy=True),
    Case("long10", VideoType.LONGFORM, 10.0, scenes=2),
)
OURS_CONTENDERS = ("ours", "ours-warm", "static")
MOVIEPY_SPEEDUP_TARGET = 15.0
STATIC_RATIO_TARGET = 1.8
SSIM_TARGET = 0.98
KEPT_OUTPUT = "last.mp4"


def contenders_for(case: Case) -> tuple[str, ...]:
    """Contenders of a case (MoviePy only where the case says so: it takes minutes per run)."""
    return (*OURS_CONTENDERS, "moviepy") if case.moviepy else OURS_CONTENDERS


def measure_render(contender: str, timeline_file: Path, run_dir: Path, timeline: Timeline) -> dict[str, Any]:
    """One measured render in a fresh worker plus the ffprobe validation of its output (kept as
    ``run_dir/last.mp4``)."""
    out = run_dir / "out.mp4"
    work = run_dir / "work"
    run_dir.mkdir(parents=True, exist_ok=True)
    measured = run_worker(
        ["render", contender, str(timeline_file), str(out), str(work)], run_dir / "result.json"
    )
    summary, problems = output_problems(
        out, width=timeline.width, height=timeline.height, fps=timeline.fps, duration_s=timeline.duration_s
    )
    out.replace(run_dir / KEPT_OUTPUT)  # the latest output, for the quality check
    report = measured.report
    return {
        "wall_s": report["wall_s"],
        "cpu_s": report["cpu_s"],
        "outer_wall_s": measured.wall_s,
        "outer_cpu_s": measured.cpu_s,
        "tree_peak_mb": measured.peaks.tree_mb,
        "tree_pss_peak_mb": measured.peaks.tree_pss_mb,
        "ffmpeg_peak_mb": measured.peaks.ffmpeg_mb,
        "python_peak_mb": report["maxrss_self_mb"],
        "largest_child_mb": report["maxrss_largest_child_mb"],
        "samples": measured.peaks.samples,
        "result": report["result"],
        "summary": summary,
        "problems": problems,
    }


def _run_all(
    cases: tuple[Case, ...], timelines: dict[str, Path], options: BenchOptions
) -> dict[tuple[str, str], list[dict]]:
    """Measure every (case, contender) ``options.runs`` times, interleaved; prime warm caches first."""
    root = options.work_dir / "render"
    loaded = {name: Timeline.load(path) for name, path in timelines.items()}
    for case in cases:
        for contender in NEEDS_PRIMING & set(contenders_for(case)):
            print(f"[render] priming {case.name}/{contender}", flush=True)
            measure_render(contender, timelines[case.name], root / case.name / contender, loaded[case.name])
    runs: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for run in range(options.runs):
        for case in cases:
            for contender in contenders_for(case):
                record = measure_render(
                    contender, timelines[case.name], root / case.name / contender, loaded[case.name]
                )
                runs[case.name, contender].append(record)
                print(
                    f"[render] run {run + 1}/{options.runs} {case.name} {contender}: "
                    f"wall {record['wall_s']:.1f} s, cpu {record['cpu_s']:.1f} s, "
                    f"tree {record['tree_peak_mb']:.0f} MB {record['problems'] or 'ok'}",
                    flush=True,
                )
    return runs


def _med(records: list[dict], key: str) -> float | None:
    return median(r[key] for r in records)


def _output_cell(records: list[dict]) -> str:
    problems = sorted({p for r in records for p in r["problems"]})
    if problems:
        return "⚠ " + "; ".join(problems)
    first = records[0]["summary"]
    return f"ok: {first['duration']:.2f} s {first['width']}x{first['height']}"


def _results_table(cases: tuple[Case, ...], runs: dict[tuple[str, str], list[dict]]) -> str:
    rows = []
    for case in cases:
        for contender in contenders_for(case):
            records = runs[case.name, contender]
            rows.append(
                [
                    case.name,
                    contender,
                    fmt_range([r["wall_s"] for r in records]),
                    fmt_range([r["cpu_s"] for r in records]),
                    fmt(_med(records, "tree_peak_mb"), 0),
                    fmt(_med(records, "tree_pss_peak_mb"), 0),
                    fmt(_med(records, "ffmpeg_peak_mb"), 0),
                    fmt(_med(records, "python_peak_mb"), 0),
                    _output_cell(records),
                ]
            )
    headers = [
        "case", "contender", "wall s, median [min–max]", "CPU s (user+sys)", "peak RSS tree MB",
        "peak PSS tree MB", "ffmpeg peak RSS MB", "Python peak MB", "output (ffprobe)",
    ]  # fmt: skip
    return table(headers, rows)


def _ratios(case: Case, runs: dict[tuple[str, str], list[dict]]) -> dict[str, float | None]:
    def med(contender: str, key: str) -> float | None:
        records = runs.get((case.name, contender))
        return _med(records, key) if records else None

    return {
        "ours_over_static_wall": ratio(med("ours", "wall_s"), med("static", "wall_s")),
        "ours_over_static_cpu": ratio(med("ours", "cpu_s"), med("static", "cpu_s")),
        "moviepy_over_ours_wall": ratio(med("moviepy", "wall_s"), med("ours", "wall_s")),
        "moviepy_over_ours_cpu": ratio(med("moviepy", "cpu_s"), med("ours", "cpu_s")),
        "moviepy_over_ours_rss": ratio(med("moviepy", "tree_peak_mb"), med("ours", "tree_peak_mb")),
    }


def _ratio_table(cases: tuple[Case, ...], ratios: dict[str, dict[str, float | None]]) -> str:
    keys = list(next(iter(ratios.values())))
    headers = ["case", *(key.replace("_over_", " / ").replace("_", " ") for key in keys)]
    rows = [[case.name, *(fmt(ratios[case.name][key], 2, "×") for key in keys)] for case in cases]
    return table(headers, rows)


def _phase_table(cases: tuple[Case, ...], runs: dict[tuple[str, str], list[dict]]) -> str:
    rows = []
    for case in cases:
        for contender in ("ours", "ours-warm"):
            records = runs[case.name, contender]
            phases = [r["result"]["phases_s"] for r in records]
            rows.append(
                [
                    case.name,
                    contender,
                    fmt(median(p.get("segments") for p in phases), 2),
                    fmt(median(p.get("final_pass") for p in phases), 2),
                    fmt(_med(records, "wall_s"), 2),
                    str(records[0]["result"]["segments_rendered"]),
                ]
            )
    return table(["case", "contender", "segments s", "final pass s", "total s", "segments rendered"], rows)


def _targets(case: Case, ratios: dict[str, float | None], quality: dict[str, dict]) -> list[str]:
    ssim_lines = [
        target_line(f"{name}: SSIM vs reference", q["ssim"], SSIM_TARGET, at_least=True, unit="")
        for name, q in quality.items()
    ]
    return [
        target_line(
            f"{case.name}: MoviePy / ours (wall)",
            ratios["moviepy_over_ours_wall"],
            MOVIEPY_SPEEDUP_TARGET,
            at_least=True,
        ),
        target_line(
            f"{case.name}: ours / static bound (wall)",
            ratios["ours_over_static_wall"],
            STATIC_RATIO_TARGET,
            at_least=False,
        ),
        *ssim_lines,
    ]


def _quality(
    cases: tuple[Case, ...], timelines: dict[str, Timeline], options: BenchOptions
) -> dict[str, dict]:
    """Per case: SSIM of our latest output against the pre-issue-15 reference render, and file sizes."""
    quality = {}
    for case in cases:
        ours = options.work_dir / "render" / case.name / "ours" / KEPT_OUTPUT
        reference = render_reference(
            timelines[case.name],
            options.work_dir / "quality" / f"{case.name}.mp4",
            options.work_dir / "quality",
        )
        quality[case.name] = {
            "ssim": ssim(ours, reference),
            "ours_video_mb": video_stream_bytes(ours) / 1e6,
            "reference_video_mb": video_stream_bytes(reference) / 1e6,
        }
    return quality


def _quality_table(quality: dict[str, dict]) -> str:
    rows = [
        [name, fmt(q["ssim"], 4), fmt(q["ours_video_mb"], 2), fmt(q["reference_video_mb"], 2)]
        for name, q in quality.items()
    ]
    headers = ["case", "SSIM ours vs reference (all planes)", "ours video MB", "reference video MB"]
    return table(headers, rows)


def _timeline_table(timelines: dict[str, Timeline]) -> str:
    rows = [
        [t.case, f"{t.width}x{t.height}", str(t.fps), str(len(t.scene_images)), f"{t.duration_s:.2f}",
         ", ".join(f"{d:.2f}" for d in t.scene_durations), str(len(t.cues))]
        for t in timelines.values()
    ]  # fmt: skip
    return table(["case", "size", "fps", "scenes", "length s", "scene lengths s", "subtitle cues"], rows)


def main(results: dict[str, Section], options: BenchOptions) -> None:
    """Build the timelines, measure all contenders, profile the first case, store the ``render`` section."""
    cases = QUICK_CASES if options.quick else CASES
    inputs = options.work_dir / "inputs"
    built = {case.name: build_timeline(case, inputs) for case in cases}
    timeline_files = {name: inputs / name / "timeline.json" for name in built}
    shutil.rmtree(options.work_dir / "render", ignore_errors=True)
    runs = _run_all(cases, timeline_files, options)
    ratios = {case.name: _ratios(case, runs) for case in cases}
    target_case = cases[0]
    profile = profile_case(built[target_case.name], options.work_dir / "profile")
    quality = _quality(cases, built, options)
    skipped = [case.name for case in cases if not case.moviepy]
    markdown = "\n\n".join(
        [
            f"Timelines (Korean template script, espeak-ng narration, burned-in subtitles; built once, "
            f"{options.runs} run(s) per contender, interleaved):\n\n{_timeline_table(built)}",
            _results_table(cases, runs),
            "Ratios (medians):\n\n" + _ratio_table(cases, ratios),
            "Targets:\n\n" + "\n".join(_targets(target_case, ratios[target_case.name], quality)),
            "Quality: our latest output against the same timeline rendered the way segments were before "
            "issue 15 (one zoompan per scene over a 2x cover, libx264 veryfast CRF 23 with default options; "
            "`bench/quality.py`), ffmpeg `ssim`, and the size of each video stream:\n\n"
            + _quality_table(quality),
            "Where our render time goes (median wall per phase; segments run 2 in parallel):\n\n"
            + _phase_table(cases, runs),
            f"ffmpeg `-benchmark` per step, {target_case.name}, all segments rendered one at a time "
            f"(1 run):\n\n{profile.markdown}",
            f"MoviePy runs only on {target_case.name} ({', '.join(skipped)} skipped: it needs minutes per "
            "run and its ratio is already clear from one case)."
            if skipped
            else "",
        ]
    )
    results["render"] = Section(
        title="Render: ours vs static-image bound vs MoviePy",
        markdown=markdown.strip(),
        data={
            "timelines": {name: vars(t) for name, t in built.items()},
            "runs": {f"{case}/{contender}": records for (case, contender), records in runs.items()},
            "ratios": ratios,
            "profile": profile.data,
            "quality": quality,
        },
    )
