"""Orchestration benchmark: real tasks from Run to published through dagster-daemon.

For SQLite (embedded default) and PostgreSQL (app DB + dagster-postgres instance) it measures a batch's
makespan (Run call -> last task succeeded), per-stage execution times, the stage handoff latency (a
stage's run ends -> the next stage's run starts) split into its parts (sensor -> run created, queued ->
dequeued, launch -> run worker started), makespan / sum of video-stage execution, and the peak RSS of the
daemon, the code server, one run worker and ffmpeg. Then one full-size 30 s short alone on SQLite,
interleaved with the same task produced in-process (``produce_task``): Run -> published against the
in-process wall time, its handoffs with nothing else running, and the memory of all processes of the
deployment while it runs (sampled sum). It also measures the per-task overhead of the Python API's
in-process ``materialize`` (wall time minus the time spent inside the assets).

``python -m bench.orchestration [--batch BACKEND] [--alone BACKEND] [--alone-runs N] [--quick]`` measures
just the handoff (its split per part) of a batch and of the 30 s short alone through the daemon, on either
backend, and prints the tables: the quick A/B of one orchestration change (``make bench`` runs the whole).
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import psutil

from bench.common import MB, BenchOptions, Section, fmt, table, target_line
from bench.measure import descendants
from bench.timeline import TITLE, Case
from media_pipeline.domain import VideoType
from media_pipeline.orchestration.tags import STAGE_TAG, TASK_TAG
from media_pipeline.store import Owner, QueueService, TaskService, upgrade_db
from media_pipeline_tests.orchestration.daemon import (
    DaemonHome,
    app_db_url,
    make_home,
    running_daemon,
    use_postgres,
    wait_for,
)
from media_pipeline_tests.pgserver import pg_server

STAGES = ["script", "images", "video", "thumbnail", "youtube_video"]
OWNER = Owner(user_id="bench", workspace_id="bench")
FULL = {"language": "ko", "imageCount": 5, "targetDurationS": 15, "styles": ["sunset", "ocean", "forest"]}
QUICK = {"language": "en", "imageCount": 2, "targetDurationS": 5, "renderHeight": 320}
ROLES = ("daemon", "code_server", "run_worker", "ffmpeg", "task_tree", "deployment", "deployment_pss")
HANDOFF_IDLE_S, HANDOFF_LOADED_S = 3.0, 4.0
ONE_TASK_RATIO, MAKESPAN_RATIO, ONE_TASK_MB = 1.5, 1.2, 1024.0
PSS_EVERY = 10
"""PSS needs /proc/PID/smaps_rollup, so it is read on every 10th sample (1 Hz)."""


def short_options(duration_s: float, scenes: int) -> dict:
    """Queue options of the render benchmark's Korean short (``short30`` for 30 s and 6 scenes)."""
    case = Case(f"short{duration_s:g}", VideoType.SHORTFORM, duration_s, scenes=scenes)
    return case.settings().model_dump(mode="json", by_alias=True, exclude_unset=True)


def _role(cmdline: list[str]) -> str | None:
    """Which part of the deployment a process is, from its command line."""
    text = " ".join(cmdline)
    if cmdline and cmdline[0].endswith("ffmpeg"):
        return "ffmpeg"
    # the code server starts each run worker as a multiprocessing "spawn" child (or `dagster api execute_run`)
    if "execute_run" in text or "spawn_main" in text:
        return "run_worker"
    if "dagster-daemon" in text:
        return "daemon"
    if "grpc" in text:
        return "code_server"
    return None


class RolePeaks(threading.Thread):
    """Peak memory (MiB) under the daemon, sampled at 10 Hz: RSS of the single largest process of each
    role; ``task_tree``: one run worker plus all its children (ffmpeg, espeak-ng) summed per sample;
    ``deployment``: every process under the daemon (daemon, code server, run workers, their children)
    summed per sample, and ``deployment_pss`` the same in PSS (shared pages counted once).

    Roles are read from the command line on every sample: a child that a run worker forks carries the
    worker's command line until it execs ffmpeg, so a role fixed when a PID is first seen counted ffmpeg
    processes as run workers (the 347 MB "run worker" of the earlier results)."""

    def __init__(self, root_pid: int) -> None:
        super().__init__(daemon=True)
        self.root_pid = root_pid
        self.peaks = dict.fromkeys(ROLES, 0.0)
        self._done = threading.Event()
        self._processes: dict[int, psutil.Process] = {}

    def _sample(self, with_pss: bool) -> None:
        rss: dict[int, float] = {}
        roles: dict[int, str | None] = {}
        pss = 0.0
        for pid in descendants(self.root_pid):
            try:
                proc = self._processes.setdefault(pid, psutil.Process(pid))
                memory = proc.memory_full_info() if with_pss else proc.memory_info()
                roles[pid], rss[pid] = _role(proc.cmdline()), memory.rss / MB
                pss += getattr(memory, "pss", memory.rss) / MB
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
        for pid, role in roles.items():
            if role is not None:
                self.peaks[role] = max(self.peaks[role], rss[pid])
            if role == "run_worker":
                tree = sum(rss.get(member, 0.0) for member in descendants(pid))
                self.peaks["task_tree"] = max(self.peaks["task_tree"], tree)
        self.peaks["deployment"] = max(self.peaks["deployment"], sum(rss.values()))
        if with_pss:
            self.peaks["deployment_pss"] = max(self.peaks["deployment_pss"], pss)

    def run(self) -> None:
        samples = 0
        while not self._done.is_set():
            self._sample(with_pss=samples % PSS_EVERY == 0)
            samples += 1
            self._done.wait(0.1)

    def stop(self) -> dict[str, float]:
        self._done.set()
        self.join()
        return self.peaks


@dataclass
class BatchResult:
    """What one batch run measured."""

    backend: str
    tasks: int
    makespan_s: float
    stage_exec_s: dict[str, float]
    handoff_s: list[float]
    gap_s: list[float]
    parts_s: dict[str, list[float]]
    video_sum_s: float
    peaks_mb: dict[str, float]
    failed: list[str] = field(default_factory=list)
    load: dict[str, list[float]] = field(default_factory=dict)
    unstarted: dict[str, int] = field(default_factory=dict)
    """Stage runs that ended without starting, by "stage status"."""


@contextmanager
def _backend(name: str, tmp: Path) -> Iterator[DaemonHome]:
    """A daemon home on SQLite, or on a throwaway PostgreSQL (app DB and Dagster storage)."""
    if name == "sqlite":
        yield make_home(tmp)
        return
    with pg_server() as server:
        app_url, dagster_url = server.create_database("app"), server.create_database("dagster")
        home = make_home(tmp)
        use_postgres(home, app_url, dagster_url)
        yield home


def _load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def _run_batch(backend: str, count: int, options: dict) -> BatchResult:
    """``count`` tasks with ``options`` from Run to published through a fresh daemon on ``backend``."""
    with (
        tempfile.TemporaryDirectory(prefix=f"bench-orch-{backend}-") as tmp,
        _backend(backend, Path(tmp)) as home,
    ):
        os.environ["DAGSTER_HOME"] = str(home.dagster_home)
        url = app_db_url(home)
        home.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade_db(url)
        settings = home.settings()
        queue, tasks = QueueService(url, OWNER, settings=settings), TaskService(url, OWNER, settings=settings)
        added = queue.add_assets(
            [f"bench-{i}" for i in range(count)], options, queue.get_or_create_default_queue().version
        )
        with running_daemon(home) as daemon:
            sampler = RolePeaks(daemon.pid)
            sampler.start()
            # let the daemon load the code location before the clock starts
            instance = dg.DagsterInstance.get()
            wait_for(
                lambda: "SENSOR" in instance.get_daemon_heartbeats(), timeout=120, what="daemon heartbeat"
            )
            load_start, started = _load(), time.time()
            ids = [t.id for t in queue.run(added.version).queued]
            rows = wait_for(
                lambda: (
                    (r := [tasks.get(t) for t in ids])
                    and all(x.status in ("succeeded", "failed") for x in r)
                    and r
                ),
                timeout=3600,
                what="the batch to finish",
                interval=0.5,
            )
            makespan = max(row.finished_at.timestamp() for row in rows) - started
            records = wait_for(
                lambda: (rs := _stage_runs(instance)) and all(r.dagster_run.is_finished for r in rs) and rs,
                timeout=120,
                what="runs to end",
            )
            peaks = sampler.stop()
        result = _analyse(backend, instance, records, makespan, peaks)
        result.failed = [row.id for row in rows if row.status != "succeeded"]
        result.load = {"start": load_start, "end": _load()}
        del os.environ["DAGSTER_HOME"]
        return result


def _stage(record: dg.RunRecord) -> str:
    return record.dagster_run.tags[STAGE_TAG]


def _stage_runs(instance: dg.DagsterInstance) -> list[dg.RunRecord]:
    return [r for r in instance.get_run_records() if STAGE_TAG in r.dagster_run.tags]


def _event_times(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    return {
        event.dagster_event.event_type_value: event.timestamp
        for event in instance.all_logs(run_id)
        if event.dagster_event is not None
    }


def _analyse(backend, instance, all_records, makespan, peaks) -> BatchResult:
    # a stage run that never started (canceled while queued, e.g. a second request for a stage that already
    # ran) has no start time: count it, measure the runs that did the work
    records = [r for r in all_records if r.start_time is not None]
    unstarted: dict[str, int] = {}
    for record in all_records:
        if record.start_time is None:
            key = f"{_stage(record)} {record.dagster_run.status.value}"
            unstarted[key] = unstarted.get(key, 0) + 1
    by_task: dict[str, dict[str, dg.RunRecord]] = {}
    for record in records:
        tags = record.dagster_run.tags
        by_task.setdefault(tags[TASK_TAG], {})[tags[STAGE_TAG]] = record
    stage_exec = {
        stage: statistics.median(runs[stage].end_time - runs[stage].start_time for runs in by_task.values())
        for stage in STAGES
    }
    handoffs, gaps, created, dequeued, started = [], [], [], [], []
    for runs in by_task.values():
        for upstream, downstream in itertools.pairwise(STAGES):
            before, after = runs[upstream], runs[downstream]
            events = _event_times(instance, after.dagster_run.run_id)
            # the next stage can only start once its upstream ended AND the stage's one slot is free
            slot_free = max(
                (r.end_time for r in records if _stage(r) == downstream and r.start_time < after.start_time),
                default=0.0,
            )
            ready = max(before.end_time, slot_free)
            gaps.append(after.start_time - before.end_time)
            handoffs.append(after.start_time - ready)
            created.append(after.create_timestamp.timestamp() - before.end_time)
            dequeued.append(events["PIPELINE_STARTING"] - max(after.create_timestamp.timestamp(), slot_free))
            started.append(after.start_time - events["PIPELINE_STARTING"])
    video_sum = sum(runs["video"].end_time - runs["video"].start_time for runs in by_task.values())
    return BatchResult(
        backend=backend,
        tasks=len(by_task),
        makespan_s=makespan,
        stage_exec_s=stage_exec,
        handoff_s=handoffs,
        gap_s=gaps,
        parts_s={
            "previous run end -> next run created (sensor)": created,
            "created (and stage slot free) -> dequeued (run queue)": dequeued,
            "dequeued -> run worker started (process + code load)": started,
        },
        video_sum_s=video_sum,
        peaks_mb=peaks,
        unstarted=unstarted,
    )


def _produce(instance: dg.DagsterInstance, data_dir: Path, task_id: str, title: str, options: dict) -> float:
    """Wall time of ``produce_task`` of one task in this process on ``instance``."""
    from media_pipeline.domain import TaskSpec
    from media_pipeline.pipeline import produce_task
    from media_pipeline.settings import Settings

    spec = TaskSpec(task_id=task_id, title=title, settings=options)
    started = time.perf_counter()
    produce_task(spec, settings=Settings(data_dir=data_dir, publisher="local"), instance=instance)
    return time.perf_counter() - started


def _materialize_overhead(options: dict) -> dict[str, float]:
    """Wall time of ``produce_task`` minus the time spent inside the five assets (median of 3 tasks)."""
    overheads, walls = [], []
    with tempfile.TemporaryDirectory(prefix="bench-materialize-") as tmp, dg.instance_for_test() as instance:
        for number in range(3):
            wall = _produce(instance, Path(tmp), f"m{number}", "Overhead", options)
            run_id = instance.get_runs(limit=1)[0].run_id
            inside = sum(
                float(match.group(1))
                for event in instance.all_logs(run_id)
                if (match := re.search(r" done in ([0-9.]+)s$", event.user_message or ""))
            )
            walls.append(wall)
            overheads.append(wall - inside)
    return {"wall_s": statistics.median(walls), "overhead_s": statistics.median(overheads)}


@dataclass
class OneTask:
    """One short alone through the daemon (SQLite) and in-process, interleaved run by run."""

    options: dict
    daemon_s: list[float] = field(default_factory=list)
    in_process_s: list[float] = field(default_factory=list)
    runs: list[BatchResult] = field(default_factory=list)

    def handoffs(self) -> list[float]:
        """Every stage handoff of every daemon run."""
        return [h for run in self.runs for h in run.handoff_s]

    def part(self, name: str) -> float:
        """Median of one handoff part over every daemon run."""
        return statistics.median(v for run in self.runs for v in run.parts_s[name])

    def peak(self, role: str) -> float:
        """Highest peak of ``role`` over the daemon runs."""
        return max(run.peaks_mb[role] for run in self.runs)


def _one_task(options: dict, runs: int) -> OneTask:
    """The same short ``runs`` times in-process and through the daemon, alternating."""
    result = OneTask(options)
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-one-") as tmp, dg.instance_for_test() as instance:
            result.in_process_s.append(_produce(instance, Path(tmp), "inprocess", TITLE, options))
        run = _run_batch("sqlite", 1, {"title": TITLE, **options})
        result.runs.append(run)
        result.daemon_s.append(run.makespan_s)
    return result


def _loads(runs: list[BatchResult]) -> str:
    return "; ".join(f"{r.load['start']} → {r.load['end']}" for r in runs)


def _batch_markdown(results: list[BatchResult], options: dict) -> list[str]:
    rows = []
    for r in results:
        ratio = r.makespan_s / r.video_sum_s if r.video_sum_s else None
        rows.append(
            [
                r.backend,
                str(r.tasks),
                fmt(r.makespan_s),
                fmt(statistics.median(r.handoff_s), 2),
                fmt(max(r.handoff_s), 2),
                fmt(statistics.median(r.gap_s), 2),
                fmt(r.video_sum_s),
                fmt(ratio, 2),
                *(fmt(r.stage_exec_s[s], 2) for s in STAGES),
            ]
        )
    return [
        f"**Batch** of {results[0].tasks} tasks per backend, options `{options}` (1080x1920 unless "
        "renderHeight is set), published to the local folder; the batch loads the machine itself (one "
        "task's render runs while other tasks' stages start). Load average (1/5/15 min) at Run → at the "
        f"end: {', '.join(f'{r.backend} {_loads([r])}' for r in results)}.",
        "",
        table(
            [
                "backend",
                "tasks",
                "makespan s",
                "handoff median s",
                "handoff max s",
                "raw gap median s",
                "Σ video s",
                "makespan/Σ video",
            ]
            + [f"{s} s" for s in STAGES],
            rows,
        ),
        "",
        "Handoff = next stage's run started − max(its upstream run ended, the stage's slot was freed by the "
        "previous run of that stage): the orchestration's own latency. Raw gap = next started − upstream "
        "ended, which also counts waiting behind other tasks for the one-run-per-stage slot. Stage runs that "
        "ended without starting (left out of the figures): "
        + ("; ".join(f"{r.backend} {r.unstarted}" for r in results if r.unstarted) or "none")
        + ".",
        "",
    ]


def _one_task_rows(one: OneTask) -> list[list[str]]:
    daemon, in_process = statistics.median(one.daemon_s), statistics.median(one.in_process_s)
    video = statistics.median(run.stage_exec_s["video"] for run in one.runs)

    def each(values: list[float]) -> str:
        return f"{statistics.median(values):.1f} ({', '.join(f'{v:.1f}' for v in values)})"

    return [
        ["Run → published through the daemon, s", each(one.daemon_s)],
        ["in-process `produce_task` wall, s", each(one.in_process_s)],
        ["**daemon / in-process**", f"**{daemon / in_process:.2f}×**"],
        ["video stage (daemon run), s", fmt(video, 1)],
        ["handoff median / max, s", f"{statistics.median(one.handoffs()):.2f} / {max(one.handoffs()):.2f}"],
    ]


def _markdown(results: list[BatchResult], one: OneTask, materialize: dict[str, float], options: dict) -> str:
    runs = [*one.runs, *results]
    lines = [
        f"**One short alone** (SQLite): options `{one.options}`, {len(one.runs)} run(s) through the daemon, "
        "each right after the same task produced in this process (`produce_task`, ephemeral instance). "
        f"Load average at Run → at the end: {_loads(one.runs)}.",
        "",
        table(["measure", "value"], _one_task_rows(one)),
        "",
        *_batch_markdown(results, options),
        "Handoff latency split (medians), one short alone and in the batches:",
        "",
        table(
            ["part", "one short", *(f"batch {r.backend}" for r in results)],
            [
                [p, fmt(one.part(p), 2), *(fmt(statistics.median(r.parts_s[p]), 2) for r in results)]
                for p in results[0].parts_s
            ],
        ),
        "",
        "Peak memory (MiB): RSS of the single largest process per role; one task's run (worker + its ffmpeg "
        "and espeak-ng children) and the whole deployment (every process under the daemon) summed per "
        "sample; the deployment's PSS (shared pages counted once) likewise. In the batches several run "
        "workers are alive at once.",
        "",
        table(
            ["role", "one short", *(f"batch {r.backend}" for r in results)],
            [[role, fmt(one.peak(role), 0), *(fmt(r.peaks_mb[role], 0) for r in results)] for role in ROLES],
        ),
        "",
        f"In-process `produce_task` (materialize of all five assets, small task): wall "
        f"{materialize['wall_s']:.2f} s, of which Dagster overhead outside the assets "
        f"{materialize['overhead_s'] * 1000:.0f} ms per task.",
        "",
        target_line(
            "one short: Run → published / in-process `produce_task`",
            statistics.median(one.daemon_s) / statistics.median(one.in_process_s),
            ONE_TASK_RATIO,
            at_least=False,
        ),
        target_line(
            "one short: handoff median (nothing else running)",
            statistics.median(one.handoffs()),
            HANDOFF_IDLE_S,
            at_least=False,
            unit=" s",
        ),
        target_line(
            "one short: all processes of the deployment (sampled RSS sum)",
            one.peak("deployment"),
            ONE_TASK_MB,
            at_least=False,
            unit=" MiB",
        ),
    ]
    for r in results:
        lines.append(
            target_line(
                f"batch {r.backend}: handoff median (under load)",
                statistics.median(r.handoff_s),
                HANDOFF_LOADED_S,
                at_least=False,
                unit=" s",
            )
        )
        lines.append(
            target_line(
                f"batch {r.backend}: makespan / Σ video-stage",
                r.makespan_s / r.video_sum_s,
                MAKESPAN_RATIO,
                at_least=False,
            )
        )
    lines += [f"- {r.backend}: FAILED tasks {r.failed}" for r in runs if r.failed]
    return "\n".join(lines)


def main(results: dict[str, Section], options: BenchOptions) -> None:
    """One short alone (interleaved with in-process), the batch on SQLite and PostgreSQL and the
    materialize overhead; add the section."""
    task_options = QUICK if options.quick else FULL
    count = 3 if options.quick else 10
    short = {**short_options(10, 2), "renderHeight": 320} if options.quick else short_options(30, 6)
    one = _one_task(short, 1 if options.quick else 2)
    batches = [_run_batch(backend, count, task_options) for backend in ("sqlite", "postgres")]
    materialize = _materialize_overhead(QUICK)
    data = {
        "one_task": {
            "options": one.options,
            "daemon_s": one.daemon_s,
            "in_process_s": one.in_process_s,
            "runs": [run.__dict__ for run in one.runs],
        },
        "batches": [b.__dict__ for b in batches],
        "materialize": materialize,
        "task_options": task_options,
    }
    results["orchestration"] = Section(
        "Orchestration (dagster-daemon)", _markdown(batches, one, materialize, task_options), data
    )


def _handoff_rows(label: str, runs: list[BatchResult]) -> list[list[str]]:
    """One row per handoff measure (median, max, each part's median) of ``runs`` pooled."""
    handoffs = [h for run in runs for h in run.handoff_s]
    rows = [[f"{label}: handoff median / max, s", f"{statistics.median(handoffs):.2f} / {max(handoffs):.2f}"]]
    rows += [
        [f"{label}: {part}", fmt(statistics.median(v for run in runs for v in run.parts_s[part]), 2)]
        for part in runs[0].parts_s
    ]
    return [*rows, [f"{label}: load average at Run → at the end", _loads(runs)]]


def handoff_cli(argv: list[str] | None = None) -> None:
    """Measure the handoff of a batch and/or of the short alone on the chosen backends; print a table."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.orchestration", description=__doc__.split("\n\n")[-1]
    )
    parser.add_argument("--batch", action="append", default=[], choices=["sqlite", "postgres"])
    parser.add_argument("--alone", action="append", default=[], choices=["sqlite", "postgres"])
    parser.add_argument("--alone-runs", type=int, default=2, help="runs of the short alone per backend")
    parser.add_argument("--quick", action="store_true", help="3 small tasks per batch, a 10 s short alone")
    args = parser.parse_args(argv)
    short = {**short_options(10, 2), "renderHeight": 320} if args.quick else short_options(30, 6)
    rows = []
    for backend in args.alone:
        runs = [_run_batch(backend, 1, {"title": TITLE, **short}) for _ in range(args.alone_runs)]
        rows += _handoff_rows(f"alone {backend}", runs)
    for backend in args.batch:
        batch = _run_batch(backend, 3 if args.quick else 10, QUICK if args.quick else FULL)
        rows += _handoff_rows(f"batch {backend}", [batch])
        rows.append([f"batch {backend}: makespan / Σ video", fmt(batch.makespan_s / batch.video_sum_s, 2)])
    print(table(["measure", "value"], rows))


if __name__ == "__main__":
    handoff_cli()
