"""Run worker start-up: what a stage's run worker does between being launched and its run starting.

The code server starts each run worker as a fresh ``spawn`` interpreter (the default run launcher), which
imports Dagster (unpickling ``dagster._grpc.impl.start_run_in_subprocess``), opens the instance
(``DagsterInstance.from_ref``), reads its run, loads the code location (``media_pipeline.definitions``) and
executes the run until ``PIPELINE_START``: the "dequeued -> run worker started" part of the handoff, less
the launch itself (the daemon's gRPC call, the code server's spawn). This benchmark does those steps in a
fresh interpreter against a real instance (SQLite, or dagster-postgres on a throwaway PostgreSQL) and
prints the CPU seconds and wall time of each step, medians of ``--runs`` runs. ``--importtime FILE``
keeps the first child's ``-X importtime`` output.

``python -m bench.worker_start [--backend sqlite|postgres] [--runs N] [--importtime FILE]``
"""

from __future__ import annotations

import itertools
import json
import sys
import time

CHILD_FLAG = "--child"
STEPS = (
    "interpreter start-up",
    "import dagster._grpc.impl",
    "open the instance",
    "read the run",
    "load the definitions",
    "execute to PIPELINE_START",
)


def _child(run_id: str) -> None:
    """The run worker's steps, timed; prints one JSON list of [CPU s, wall s] per step (this module is
    the child's main, so it imports nothing but the standard library before the first mark)."""
    marks = [(time.process_time(), time.perf_counter())]

    def mark() -> None:
        marks.append((time.process_time(), time.perf_counter()))

    import dagster._grpc.impl  # noqa: F401  (what unpickling the worker's target imports)
    from dagster import DagsterInstance
    from dagster._core.definitions.reconstruct import ReconstructableRepository
    from dagster._core.execution.api import execute_run_iterator

    mark()
    instance = DagsterInstance.get()
    mark()
    run = instance.get_run_by_id(run_id)
    assert run is not None
    mark()
    repository = ReconstructableRepository.for_module("media_pipeline.definitions", "defs")
    recon_job = repository.get_reconstructable_job(run.job_name)
    recon_job.get_definition()
    mark()
    for event in execute_run_iterator(recon_job, run, instance):
        if event.event_type_value == "PIPELINE_START":
            break
    mark()
    # the interpreter's start-up is the CPU before the first mark; its wall is not known here
    steps = [[marks[0][0], None], *([b[0] - a[0], b[1] - a[1]] for a, b in itertools.pairwise(marks))]
    print(json.dumps(steps))


def _measure(backend: str, runs: int, importtime: str | None) -> dict[str, list[float]]:
    """CPU seconds per step of ``runs`` children (``<step> wall`` too), and the whole child's CPU."""
    import os
    import subprocess
    import tempfile
    from contextlib import ExitStack
    from pathlib import Path

    import dagster as dg

    from media_pipeline_tests.orchestration.daemon import make_home, use_postgres
    from media_pipeline_tests.pgserver import pg_server

    results: dict[str, list[float]] = {}
    with ExitStack() as stack:
        home = make_home(Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-worker-"))))
        if backend == "postgres":
            server = stack.enter_context(pg_server())
            use_postgres(home, server.create_database("app"), server.create_database("dagster"))
        os.environ["DAGSTER_HOME"] = str(home.dagster_home)
        from media_pipeline.definitions import defs

        instance = dg.DagsterInstance.get()
        for number in range(runs):
            run = instance.create_run_for_job(defs.resolve_job_def("script_job"), tags={"bench": str(number)})
            flags = ["-X", "importtime"] if importtime and number == 0 else []
            before = os.times()
            done = subprocess.run(
                [sys.executable, *flags, "-m", "bench.worker_start", CHILD_FLAG, run.run_id],
                env=home.env,
                capture_output=True,
                text=True,
                check=True,
            )
            after = os.times()
            if flags:
                Path(str(importtime)).write_text(done.stderr)
            for step, (cpu, wall) in zip(STEPS, json.loads(done.stdout.splitlines()[-1]), strict=True):
                results.setdefault(step, []).append(cpu)
                if wall is not None:
                    results.setdefault(f"{step} wall", []).append(wall)
            results.setdefault("whole child (with its exit)", []).append(
                after.children_user - before.children_user + after.children_system - before.children_system
            )
    return results


def main(argv: list[str] | None = None) -> None:
    """Parse the options, measure, print a table of medians (CPU s, wall s) per step."""
    import argparse
    import os
    import statistics

    from bench.common import fmt, median, table

    usage = __doc__.split("\n\n")[-1]
    parser = argparse.ArgumentParser(prog="python -m bench.worker_start", description=usage)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--importtime", help="write the first child's -X importtime output here")
    args = parser.parse_args(argv)
    load = [round(v, 2) for v in os.getloadavg()]
    results = _measure(args.backend, args.runs, args.importtime)
    rows = [
        [step, fmt(statistics.median(cpu), 3), fmt(median(results.get(f"{step} wall", [])), 3)]
        for step, cpu in results.items()
        if not step.endswith(" wall")
    ]
    end = [round(v, 2) for v in os.getloadavg()]
    print(f"{args.backend}, {args.runs} runs; load average at start {load}, at the end {end}")
    print(table(["step", "CPU s (median)", "wall s (median)"], rows))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == CHILD_FLAG:
        _child(sys.argv[2])
    else:
        main()
