"""Subprocess entry of the measured runs (so every run is a fresh process tree sampled from outside).

``python -m bench.worker render CONTENDER TIMELINE OUT WORK_DIR --result FILE`` renders one timeline;
``python -m bench.worker task DATA_DIR --result FILE`` produces one task end to end via ``produce_task``.
Each writes a JSON report: inner wall time and CPU (this process plus its waited-for children) of the work
alone (without interpreter start-up and imports), exact ``ru_maxrss`` of this process and of its largest
child, and what the work returned.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

KIB = 1024


def _usage() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def measured(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``work`` and return its result with wall/CPU deltas and max RSS values (MiB)."""
    own_before, children_before = _usage()
    started = time.perf_counter()
    result = work()
    wall = time.perf_counter() - started
    own_after, children_after = _usage()
    return {
        "wall_s": wall,
        "cpu_self_s": own_after - own_before,
        "cpu_children_s": children_after - children_before,
        "cpu_s": (own_after - own_before) + (children_after - children_before),
        # Linux reports ru_maxrss in KiB.
        "maxrss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / KIB,
        "maxrss_largest_child_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / KIB,
        "result": result,
    }


def _render(args: argparse.Namespace) -> dict[str, Any]:
    from bench.contenders import load
    from bench.timeline import Timeline

    renderer = load(args.contender)
    timeline = Timeline.load(Path(args.timeline))
    return measured(lambda: renderer(timeline, Path(args.out), Path(args.work_dir)))


def _task(args: argparse.Namespace) -> dict[str, Any]:
    from bench.task import produce_one

    return measured(lambda: produce_one(Path(args.data_dir), args.duration, args.scenes))


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, do the work, write the report."""
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    sub = parser.add_subparsers(dest="mode", required=True)
    render = sub.add_parser("render")
    render.add_argument("contender")
    render.add_argument("timeline")
    render.add_argument("out")
    render.add_argument("work_dir")
    task = sub.add_parser("task")
    task.add_argument("data_dir")
    task.add_argument("--duration", type=float, default=30.0)
    task.add_argument("--scenes", type=int, default=6)
    for mode in (render, task):
        mode.add_argument("--result", required=True)
    args = parser.parse_args(argv)
    report = _render(args) if args.mode == "render" else _task(args)
    Path(args.result).write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
