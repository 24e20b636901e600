"""Orchestration benchmark: a batch of real tasks from Run to published through dagster-daemon.

For SQLite (embedded default) and PostgreSQL (app DB + dagster-postgres instance) it measures the batch
makespan (Run call -> last task succeeded), per-stage execution times, the stage handoff latency (a
stage's run ends -> the next stage's run starts) split into its parts (sensor -> run created, queued ->
dequeued, launch -> run worker started), makespan / sum of video-stage execution, and the peak RSS of the
daemon, the code server, one run worker and ffmpeg. It also measures the per-task overhead of the Python
API's in-process ``materialize`` (wall time minus the time spent inside the assets).
"""

from __future__ import annotations

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
ROLES = ("daemon", "code_server", "run_worker", "ffmpeg", "task_tree")


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


def _tree_rss_mb(pid: int) -> float:
    """Summed RSS of ``pid`` and its descendants (processes that end meanwhile count as 0)."""
    total = 0
    for member in descendants(pid):
        try:
            total += psutil.Process(member).memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return total / MB


class RolePeaks(threading.Thread):
    """Peak RSS (MiB) of the single largest process of each role under the daemon, sampled at 10 Hz, and
    ``task_tree``: the peak of one run worker plus all its children (ffmpeg, espeak-ng) summed per sample."""

    def __init__(self, root_pid: int) -> None:
        super().__init__(daemon=True)
        self.root_pid = root_pid
        self.peaks = dict.fromkeys(ROLES, 0.0)
        self._done = threading.Event()
        self._roles: dict[int, tuple[psutil.Process, str | None]] = {}

    def run(self) -> None:
        while not self._done.is_set():
            for pid in descendants(self.root_pid):
                try:
                    if pid not in self._roles:
                        proc = psutil.Process(pid)
                        self._roles[pid] = (proc, _role(proc.cmdline()))
                    proc, role = self._roles[pid]
                    if role is not None:
                        self.peaks[role] = max(self.peaks[role], proc.memory_info().rss / MB)
                    if role == "run_worker":
                        self.peaks["task_tree"] = max(self.peaks["task_tree"], _tree_rss_mb(pid))
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    continue
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
    parts_s: dict[str, float]
    video_sum_s: float
    peaks_mb: dict[str, float]
    failed: list[str] = field(default_factory=list)


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


def _run_batch(backend: str, count: int, options: dict) -> BatchResult:
    with (
        tempfile.TemporaryDirectory(prefix=f"bench-orch-{backend}-") as tmp,
        _backend(backend, Path(tmp)) as home,
    ):
        os.environ["DAGSTER_HOME"] = str(home.dagster_home)
        url = app_db_url(home)
        home.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade_db(url)
        queue, tasks = QueueService(url, OWNER), TaskService(url, OWNER)
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
            started = time.time()
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


def _analyse(backend, instance, records, makespan, peaks) -> BatchResult:
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
            "previous run end -> next run created (sensor)": statistics.median(created),
            "created (and stage slot free) -> dequeued (run queue)": statistics.median(dequeued),
            "dequeued -> run worker started (process + code load)": statistics.median(started),
        },
        video_sum_s=video_sum,
        peaks_mb=peaks,
    )


def _materialize_overhead(options: dict) -> dict[str, float]:
    """Wall time of ``produce_task`` minus the time spent inside the five assets (median of 3 tasks)."""
    from media_pipeline.domain import TaskSpec
    from media_pipeline.pipeline import produce_task
    from media_pipeline.settings import Settings

    overheads, walls = [], []
    with tempfile.TemporaryDirectory(prefix="bench-materialize-") as tmp, dg.instance_for_test() as instance:
        settings = Settings(data_dir=Path(tmp), publisher="local")
        for number in range(3):
            spec = TaskSpec(task_id=f"m{number}", title="Overhead", settings=options)
            started = time.perf_counter()
            produce_task(spec, settings=settings, instance=instance)
            wall = time.perf_counter() - started
            run_id = instance.get_runs(limit=1)[0].run_id
            inside = sum(
                float(match.group(1))
                for event in instance.all_logs(run_id)
                if (match := re.search(r" done in ([0-9.]+)s$", event.user_message or ""))
            )
            walls.append(wall)
            overheads.append(wall - inside)
    return {"wall_s": statistics.median(walls), "overhead_s": statistics.median(overheads)}


def _markdown(results: list[BatchResult], materialize: dict[str, float], options: dict) -> str:
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
    lines = [
        f"Batch options: `{options}` (1080x1920 unless renderHeight is set), published to the local folder.",
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
        "ended, which also counts waiting behind other tasks for the one-run-per-stage slot.",
        "",
        "Handoff latency split (medians):",
        "",
        table(
            ["part"] + [r.backend for r in results],
            [[p] + [fmt(r.parts_s[p], 2) for r in results] for p in results[0].parts_s],
        ),
        "",
        "Peak RSS of the single largest process per role, and of one task's run (worker + its ffmpeg and "
        "espeak-ng children, summed per sample) (MiB):",
        "",
        table(
            ["role"] + [r.backend for r in results],
            [[role] + [fmt(r.peaks_mb[role], 0) for r in results] for role in ROLES],
        ),
        "",
        f"In-process `produce_task` (materialize of all five assets, small task): wall "
        f"{materialize['wall_s']:.2f} s, of which Dagster overhead outside the assets "
        f"{materialize['overhead_s'] * 1000:.0f} ms per task.",
        "",
    ]
    for r in results:
        lines.append(
            target_line(
                f"{r.backend}: handoff median", statistics.median(r.handoff_s), 3, at_least=False, unit=" s"
            )
        )
        lines.append(
            target_line(
                f"{r.backend}: makespan / Σ video-stage", r.makespan_s / r.video_sum_s, 1.3, at_least=False
            )
        )
        one_task = r.peaks_mb["task_tree"] + r.peaks_mb["daemon"] + r.peaks_mb["code_server"]
        lines.append(
            target_line(
                f"{r.backend}: one task's run tree + daemon + code server",
                one_task,
                1024,
                at_least=False,
                unit=" MiB",
            )
        )
        if r.failed:
            lines.append(f"- {r.backend}: FAILED tasks {r.failed}")
    return "\n".join(lines)


def main(results: dict[str, Section], options: BenchOptions) -> None:
    """Run the batch on SQLite and PostgreSQL and the materialize overhead; add the section."""
    task_options = QUICK if options.quick else FULL
    count = 3 if options.quick else 10
    batches = [_run_batch(backend, count, task_options) for backend in ("sqlite", "postgres")]
    materialize = _materialize_overhead(QUICK)
    data = {
        "batches": [b.__dict__ for b in batches],
        "materialize": materialize,
        "task_options": task_options,
    }
    results["orchestration"] = Section(
        "Orchestration (dagster-daemon)", _markdown(batches, materialize, task_options), data
    )
