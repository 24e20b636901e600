"""Memory of one task end to end: ``produce_task`` in a fresh process on an ephemeral Dagster instance.

The worker process (Python: Dagster + the pipeline) and its children (ffmpeg, espeak-ng, ffprobe) are
sampled together at ~20 Hz; the Python peak is also taken exactly from the worker's ``ru_maxrss``. The
daemon and run-worker processes of a deployed instance are measured by the orchestration benchmark.
"""

from __future__ import annotations

import os
import shutil

from bench.common import BenchOptions, Section, fmt, fmt_range, median, table, target_line
from bench.measure import run_worker

TASK_LIMIT_MB = 1024.0
FULL = {"duration": 30.0, "scenes": 6}
QUICK = {"duration": 10.0, "scenes": 2}


def _env() -> dict[str, str]:
    """This environment without DAGSTER_HOME (ephemeral instance) and MEDIA_PIPELINE_* settings."""
    return {
        key: value
        for key, value in os.environ.items()
        if key != "DAGSTER_HOME" and not key.startswith("MEDIA_PIPELINE_")
    }


def _measure_task(options: BenchOptions, run: int) -> dict:
    shape = QUICK if options.quick else FULL
    run_dir = options.work_dir / "memory" / f"run{run}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    args = [
        "task",
        str(run_dir / "data"),
        "--duration",
        str(shape["duration"]),
        "--scenes",
        str(shape["scenes"]),
    ]
    measured = run_worker(args, run_dir / "result.json", env=_env())
    report = measured.report
    record = {
        "wall_s": report["wall_s"],
        "cpu_s": report["cpu_s"],
        "outer_wall_s": measured.wall_s,
        "tree_peak_mb": measured.peaks.tree_mb,
        "tree_pss_peak_mb": measured.peaks.tree_pss_mb,
        "ffmpeg_peak_mb": measured.peaks.ffmpeg_mb,
        "other_peak_mb": measured.peaks.other_mb,
        "python_peak_mb": report["maxrss_self_mb"],
        "python_sampled_peak_mb": measured.peaks.python_mb,
        "largest_child_mb": report["maxrss_largest_child_mb"],
        "samples": measured.peaks.samples,
        **report["result"],
    }
    shutil.rmtree(run_dir / "data", ignore_errors=True)
    return record


def _table(records: list[dict]) -> str:
    def col(key: str, digits: int = 0) -> str:
        return fmt_range([r[key] for r in records], digits)

    first = records[0]
    rows = [
        ["task wall s (produce_task, all 5 stages)", col("wall_s", 1)],
        ["task CPU s (Python + children)", col("cpu_s", 1)],
        ["**peak RSS, whole tree (sampled sum) MB**", col("tree_peak_mb")],
        ["peak PSS, whole tree (shared pages counted once) MB", col("tree_pss_peak_mb")],
        ["Python process peak MB (exact ru_maxrss)", col("python_peak_mb")],
        ["ffmpeg peak MB (sampled sum of concurrent ffmpeg)", col("ffmpeg_peak_mb")],
        ["largest single child MB (exact ru_maxrss)", col("largest_child_mb")],
        ["other children peak MB (espeak-ng, ffprobe, …)", col("other_peak_mb")],
        *(
            [f"stage `{stage}` wall s", fmt(median(r["stages_s"].get(stage) for r in records), 2)]
            for stage in first["stages_s"]
        ),
        ["output", f"{first['duration_s']:.2f} s {first['resolution']}"],
    ]
    return table(["measure", "value"], rows)


def main(results: dict[str, Section], options: BenchOptions) -> None:
    """Produce the task ``options.runs`` times and store the ``memory`` section."""
    records = []
    for run in range(options.runs):
        record = _measure_task(options, run)
        records.append(record)
        print(
            f"[memory] run {run + 1}/{options.runs}: wall {record['wall_s']:.1f} s, tree peak "
            f"{record['tree_peak_mb']:.0f} MB (python {record['python_peak_mb']:.0f}, ffmpeg "
            f"{record['ffmpeg_peak_mb']:.0f})",
            flush=True,
        )
    shape = QUICK if options.quick else FULL
    intro = (
        f"One shortform task ({shape['duration']:g} s target, {shape['scenes']} scenes, 1080x1920, "
        "Korean, local images and publisher) via `produce_task` in a fresh process, `DAGSTER_HOME` "
        f"unset (ephemeral instance); median [min–max] of {options.runs} run(s)."
    )
    tree_peak = median(r["tree_peak_mb"] for r in records)
    target = target_line("all processes of one task", tree_peak, TASK_LIMIT_MB, at_least=False, unit=" MB")
    results["memory"] = Section(
        title="Memory: one task end to end",
        markdown=f"{intro}\n\n{_table(records)}\n\nTarget:\n\n{target}",
        data={"runs": records},
    )
