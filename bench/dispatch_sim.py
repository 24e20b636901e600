"""Dispatcher simulation (issue 27, capacity): the real ``launchable`` query, the real stage requests and the
real state machine on a fake clock, with stage durations from the orchestration benchmark.

``python -m bench.dispatch_sim [--quick]`` or ``bench.run_all --only dispatch_sim``.

What is real: the app DB (SQLite file) with ``HEAVY_WORKSPACES`` workspaces holding ``TASKS`` queued tasks
plus ``LIGHT_WORKSPACES`` workspaces with one task each, queued *last*; ``PipelineState.launchable`` as the
two dispatch sensors call it, through the sensors' own selection ``select_launches`` (first stage / later
stages, ``sensor_max_runs_per_tick`` per tick each, no second run for a run key; the selection before the
head-of-line fix is simulated too, for comparison); ``stage_run_request`` for each run's tags;
``stage_started`` / ``stage_completed`` for every transition. What is modelled: Dagster's run queue
(queued runs dequeued by ``dagster/priority`` tag, then creation order, at most ``STAGE_SLOTS`` runs per
stage, as the instance's ``tag_concurrency_limits`` say), a sensor tick every ``TICK_S``, the run worker's
start-up and each stage's duration (uniform ±20 % around the measured medians). Time only moves forward
from event to event, so a simulated day costs a few minutes.
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import BenchOptions, Section, median, table
from media_pipeline.domain import STAGES
from media_pipeline.orchestration.launch_selection import Launchable, RunKeysWithRun, select_launches
from media_pipeline.orchestration.stage_requests import stage_run_request
from media_pipeline.settings import PlanLimits, Settings
from media_pipeline.store import Owner, QueueService
from media_pipeline.store.db import make_engine, upgrade_db
from media_pipeline.store.pipeline_state import LaunchItem, PipelineState

STAGE_S = {"script": 0.72, "images": 2.39, "video": 30.30, "thumbnail": 0.64, "youtube_video": 0.80}
"""Stage run medians of the orchestration benchmark's SQLite batch (15 s shorts at 1080x1920), seconds."""
WORKER_START_S = 3.0
"""Run created → dequeued → run worker started, medians of the same benchmark (0.9 + 2.0 s)."""
TICK_S = 5.0
DEQUEUE_S = 1.0
STAGE_SLOTS = 1
HEAVY_WORKSPACES, TASKS, LIGHT_WORKSPACES, HORIZON_H = 990, 100_000, 10, 24.0
QUICK = {"heavy": 40, "tasks": 2_000, "light": 5, "horizon_h": 3.0}
PRIORITY_TAG = "dagster/priority"

Selection = Callable[[Launchable, RunKeysWithRun, bool, int, int], list[LaunchItem]]
"""A dispatch sensor's choice: (launchable, with-run lookup, first stage?, limit, max window) → requests."""


class FakeClock:
    """The simulation's time: starts at a fixed instant, moved by the event loop."""

    def __init__(self, start: datetime = datetime(2026, 12, 1, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@dataclass(order=True)
class _Event:
    at: datetime
    order: int
    kind: str = field(compare=False)
    item: LaunchItem | None = field(compare=False, default=None)


@dataclass
class Outcome:
    """What happened to the light workspaces' tasks and to throughput."""

    light_first_start_h: list[float | None]
    light_published_h: list[float | None]
    published: int
    published_per_h_after_warmup: float | None
    simulated_h: float
    launchable_calls: int
    launchable_ms_median: float | None
    wall_s: float


def seed(url: str, heavy: int, tasks: int, light: int, settings: Settings, clock: FakeClock) -> list[str]:
    """Queue ``tasks`` tasks across ``heavy`` workspaces, then one task in each of ``light`` workspaces.
    Returns the light tasks' ids. The clock moves a second per workspace, so queue order is seeding order."""
    per = tasks // heavy
    for index in range(heavy):
        clock.now += timedelta(seconds=1)
        queue = QueueService(
            url, Owner(f"heavy-u{index}", f"heavy{index:04d}"), clock=clock, settings=settings
        )
        version = queue.get_or_create_default_queue().version
        added = queue.add_assets([f"video-{n:05d}" for n in range(per)], None, version)
        queue.run(added.version)
    light_ids = []
    for index in range(light):
        clock.now += timedelta(seconds=1)
        queue = QueueService(
            url, Owner(f"light-u{index}", f"light{index:04d}"), clock=clock, settings=settings
        )
        version = queue.get_or_create_default_queue().version
        added = queue.add_assets(["the-one-video"], None, version)
        light_ids += [task.id for task in queue.run(added.version).queued]
    return light_ids


class Simulation:
    """Sensors, run queue and run workers around the real app DB, driven by a heap of timed events."""

    def __init__(
        self,
        state: PipelineState,
        clock: FakeClock,
        settings: Settings,
        select: Selection,
        video_slots: int = STAGE_SLOTS,
        seed_: int = 7,
    ) -> None:
        self.state = state
        self.clock = clock
        self.limit = settings.sensor_max_runs_per_tick
        self.max_window = settings.sensor_launchable_window_max
        self.select = select
        self.random = random.Random(seed_)
        self.events: list[_Event] = []
        self.order = 0
        self.with_run: set[str] = set()
        self.run_queues: dict[str, list[tuple[int, int, LaunchItem]]] = {stage: [] for stage in STAGES}
        self.busy = dict.fromkeys(STAGES, 0)
        self.slots = {stage: video_slots if stage == "video" else STAGE_SLOTS for stage in STAGES}
        self.dirty = True
        self.published_at: dict[str, datetime] = {}
        self.first_start: dict[str, datetime] = {}
        self.launchable_ms: list[float] = []

    def at(self, delay_s: float, kind: str, item: LaunchItem | None = None) -> None:
        """Schedule an event ``delay_s`` from now."""
        self.order += 1
        heapq.heappush(
            self.events, _Event(self.clock.now + timedelta(seconds=delay_s), self.order, kind, item)
        )

    def launchable(self, window: int) -> list[LaunchItem]:
        """The real query at the fake clock's instant, timed."""
        started = time.perf_counter()
        items = self.state.launchable(self.clock.now, window)
        self.launchable_ms.append((time.perf_counter() - started) * 1000)
        return items

    def tick(self) -> None:
        """Both dispatch sensors, each requesting the stages the selection picks (``select_launches`` is
        the sensors' own); a run is queued in its stage's run queue under its ``dagster/priority``."""
        if self.dirty:  # the real sensors long-poll; nothing changed means the same answer
            self.dirty = False
            for first in (True, False):
                chosen = self.select(
                    self.launchable, self.with_run.intersection, first, self.limit, self.max_window
                )
                self.dirty |= len(chosen) == self.limit  # more may be waiting: the next tick looks again
                for item in chosen:
                    self.with_run.add(item.run_key)
                    priority = int(stage_run_request(item).tags.get(PRIORITY_TAG, 0))
                    self.order += 1
                    heapq.heappush(self.run_queues[item.stage], (-priority, self.order, item))
        self.at(TICK_S, "tick")

    def dequeue(self) -> None:
        """The run coordinator: start queued runs by priority then age while their stage has a slot."""
        for stage, queue in self.run_queues.items():
            while queue and self.busy[stage] < self.slots[stage]:
                self.busy[stage] += 1
                self.at(WORKER_START_S, "start", heapq.heappop(queue)[2])
        self.at(DEQUEUE_S, "dequeue")

    def start(self, item: LaunchItem) -> None:
        """The run worker reports the stage started, then works for the stage's duration."""
        if not self.state.stage_started(item.task_id, item.generation, item.stage, item.run_key):
            raise RuntimeError(f"the state machine refused to start {item.run_key}")
        self.first_start.setdefault(item.task_id, self.clock.now)
        self.at(STAGE_S[item.stage] * self.random.uniform(0.8, 1.2), "complete", item)

    def complete(self, item: LaunchItem) -> None:
        """The run worker reports the stage completed and frees the stage's slot."""
        if not self.state.stage_completed(item.task_id, item.generation, item.stage, item.run_key):
            raise RuntimeError(f"the state machine refused to complete {item.run_key}")
        self.busy[item.stage] -= 1
        self.dirty = True
        if item.stage == STAGES[-1]:
            self.published_at[item.task_id] = self.clock.now

    def run(self, light_ids: list[str], horizon_h: float) -> Outcome:
        """Simulate until every light task is published and two hours have passed, or the horizon."""
        begin, wall = self.clock.now, time.monotonic()
        self.at(0, "tick")
        self.at(0, "dequeue")
        end = begin + timedelta(hours=horizon_h)
        warm = begin + timedelta(hours=1)
        while self.events and self.clock.now < end:
            event = heapq.heappop(self.events)
            self.clock.now = event.at
            if event.kind == "tick":
                self.tick()
            elif event.kind == "dequeue":
                self.dequeue()
            elif event.kind == "start":
                assert event.item is not None
                self.start(event.item)
            else:
                assert event.item is not None
                self.complete(event.item)
            if self.clock.now >= warm + timedelta(hours=1) and all(t in self.published_at for t in light_ids):
                break
        hours = (self.clock.now - begin).total_seconds() / 3600

        def since(moment: datetime | None) -> float | None:
            return None if moment is None else (moment - begin).total_seconds() / 3600

        after_warm = [moment for moment in self.published_at.values() if moment >= warm]
        span_h = (self.clock.now - warm).total_seconds() / 3600
        return Outcome(
            light_first_start_h=[since(self.first_start.get(task)) for task in light_ids],
            light_published_h=[since(self.published_at.get(task)) for task in light_ids],
            published=len(self.published_at),
            published_per_h_after_warmup=len(after_warm) / span_h if span_h > 0 else None,
            simulated_h=hours,
            launchable_calls=len(self.launchable_ms),
            launchable_ms_median=median(self.launchable_ms),
            wall_s=time.monotonic() - wall,
        )


def head_of_line(
    launchable: Launchable, with_run: RunKeysWithRun, first: bool, limit: int, max_window: int
) -> list[LaunchItem]:
    """The sensors' selection before the fix (for comparison): the first ``limit`` stages of a window of
    ``2 × limit``, and only then those with a run dropped."""
    items = [item for item in launchable(2 * limit) if (item.stage == STAGES[0]) == first][:limit]
    taken = set(with_run([item.run_key for item in items]))
    return [item for item in items if item.run_key not in taken]


def fair(
    launchable: Launchable, with_run: RunKeysWithRun, first: bool, limit: int, max_window: int
) -> list[LaunchItem]:
    """The sensors' selection (``select_launches``)."""
    return select_launches(launchable, with_run, first=first, limit=limit, max_window=max_window)


SELECTIONS: dict[str, Selection] = {"head-of-line (before)": head_of_line, "select_launches (after)": fair}


def simulate(
    work_dir: Path,
    heavy: int,
    tasks: int,
    light: int,
    horizon_h: float,
    *,
    video_slots: int = STAGE_SLOTS,
    selections: tuple[str, ...] = tuple(SELECTIONS),
) -> dict[str, Any]:
    """Seed one SQLite database (or reuse the one seeded before with the same sizes), then simulate each of
    ``selections`` (names in ``SELECTIONS``) on a copy of it; the fixed selection first, and the others only
    for as long as it took (comparing one-task workspaces' waits needs no more). The video stage has
    ``video_slots`` slots (its ``tag_concurrency_limits`` value), every other stage one."""
    work_dir.mkdir(parents=True, exist_ok=True)
    per = tasks // heavy
    limits = PlanLimits(drafts_per_queue=per, items_per_add=per, runs_per_day=per)
    settings = Settings(plans={"sim": limits}, default_plan="sim", data_dir=work_dir / "data")
    template = work_dir / f"dispatch_sim-seed-{heavy}-{tasks}-{light}.db"
    seeded = seeded_template(template, heavy, tasks, light, settings)
    runs: dict[str, dict[str, Any]] = {}
    for name, select in reversed([(name, SELECTIONS[name]) for name in selections]):
        path = work_dir / "dispatch_sim.db"
        _remove(path)
        with sqlite3.connect(template) as source, sqlite3.connect(path) as copy:
            source.backup(copy)
        engine = make_engine(f"sqlite:///{path}")
        clock = FakeClock(datetime.fromisoformat(seeded["clock"]))
        hours = min([horizon_h, *(run["simulated_h"] for run in runs.values())])
        try:
            state = PipelineState(engine, clock=clock)
            outcome = Simulation(state, clock, settings, select, video_slots).run(seeded["light_ids"], hours)
        finally:
            engine.dispose()
        runs[name] = outcome.__dict__
        print(name, dict(zip(FIGURES, markdown_column(outcome.__dict__), strict=True)), flush=True)
    return {
        "seed_s": seeded["seed_s"],
        "tasks": per * heavy + light,
        "workspaces": heavy + light,
        "horizon_h": horizon_h,
        "video_slots": video_slots,
        "runs": {name: runs[name] for name in selections},
    }


def seeded_template(template: Path, heavy: int, tasks: int, light: int, settings: Settings) -> dict[str, Any]:
    """The seeded database at ``template``, seeded now unless a finished seeding left it (its light task
    ids, the clock after seeding and the seeding time are kept beside it, in ``<template>.json``)."""
    record = template.with_suffix(".json")
    if record.exists() and template.exists():
        return dict(json.loads(record.read_text()))
    _remove(template)
    upgrade_db(f"sqlite:///{template}")
    clock = FakeClock()
    started = time.monotonic()
    light_ids = seed(f"sqlite:///{template}", heavy, tasks, light, settings, clock)
    seeded = {"light_ids": light_ids, "clock": clock.now.isoformat(), "seed_s": time.monotonic() - started}
    record.write_text(json.dumps(seeded))
    return seeded


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _h(value: float | None) -> str:
    return "not within the horizon" if value is None else f"{value:.2f} h"


def markdown_column(run: dict[str, Any]) -> list[str]:
    """One simulation's figures, in the order of ``FIGURES``."""
    starts = [value for value in run["light_first_start_h"] if value is not None]
    done = [value for value in run["light_published_h"] if value is not None]
    missing = len(run["light_published_h"]) - len(done)
    unstarted = len(run["light_first_start_h"]) - len(starts)
    return [
        f"{run['simulated_h']:.1f}",
        f"{run['published']:,}",
        f"{run['published_per_h_after_warmup'] or 0:.1f}",
        _h(max(starts) if starts and not unstarted else None)
        + (f" ({unstarted} not started)" if unstarted else ""),
        _h(max(done) if done and not missing else None) + (f" ({missing} not published)" if missing else ""),
        f"{run['launchable_calls']:,} / {run['launchable_ms_median']:.1f}",
        f"{run['wall_s']:.0f}",
    ]


FIGURES = [
    "simulated hours",
    "published",
    "throughput after the first hour, videos/h",
    "one-task workspaces: longest wait to first stage start",
    "one-task workspaces: longest wait to published",
    "launchable queries / median ms",
    "simulation wall s",
]


def markdown(result: dict[str, Any]) -> str:
    """The report: one column per selection."""
    columns = {name: markdown_column(run) for name, run in result["runs"].items()}
    rows = [[figure, *(column[index] for column in columns.values())] for index, figure in enumerate(FIGURES)]
    return (
        f"{result['tasks']:,} tasks in {result['workspaces']:,} workspaces (the one-task workspaces queued "
        f"after everything else; seeding {result['seed_s']:.0f} s), horizon {result['horizon_h']:g} h; "
        f"{result.get('video_slots', STAGE_SLOTS)} video slot(s), one slot for each other stage "
        f"(`tag_concurrency_limits`), sensor tick {TICK_S:g} s, run start-up "
        f"{WORKER_START_S:g} s, stage durations {STAGE_S} s ±20 %.\n\n" + table(["figure", *columns], rows)
    )


def main(
    results: dict[str, Section],
    options: BenchOptions,
    *,
    video_slots: int = STAGE_SLOTS,
    selections: tuple[str, ...] = tuple(SELECTIONS),
) -> None:
    """bench.run_all entry point (one simulation: the result is deterministic up to timing)."""
    sizes = (
        QUICK
        if options.quick
        else {"heavy": HEAVY_WORKSPACES, "tasks": TASKS, "light": LIGHT_WORKSPACES, "horizon_h": HORIZON_H}
    )
    result = simulate(
        options.work_dir / "dispatch_sim", **sizes, video_slots=video_slots, selections=selections
    )
    results["dispatch_sim"] = Section(title="Dispatcher simulation", markdown=markdown(result), data=result)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 tasks, 3 simulated hours")
    parser.add_argument("--video-slots", type=int, default=STAGE_SLOTS, help="video stage slots (default 1)")
    parser.add_argument(
        "--after-only", action="store_true", help="simulate select_launches only (not the old selection)"
    )
    parsed = parser.parse_args()
    found: dict[str, Section] = {}
    chosen = ("select_launches (after)",) if parsed.after_only else tuple(SELECTIONS)
    main(found, BenchOptions(runs=1, quick=parsed.quick), video_slots=parsed.video_slots, selections=chosen)
    print(found["dispatch_sim"].markdown)
