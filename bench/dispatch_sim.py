"""Dispatcher simulation (issue 27, capacity): the real ``launchable`` query, the real stage requests and the
real state machine on a fake clock, with stage durations from the orchestration benchmark.

``python -m bench.dispatch_sim [--quick]`` or ``bench.run_all --only dispatch_sim``.

What is real: the app DB (SQLite file) with ``HEAVY_WORKSPACES`` workspaces holding ``TASKS`` queued tasks
plus ``LIGHT_WORKSPACES`` workspaces with one task each, queued *last*; ``PipelineState.launchable`` as the
two dispatch sensors call it (first stage / later stages, ``sensor_max_runs_per_tick`` per tick each, no
second run for a run key); ``stage_run_request`` for each run's tags; ``stage_started`` /
``stage_completed`` for every transition. What is modelled: Dagster's run queue (queued runs dequeued by
``dagster/priority`` tag, then creation order, at most ``STAGE_SLOTS`` runs per stage, as the instance's
``tag_concurrency_limits`` say), a sensor tick every ``TICK_S``, the run worker's start-up and each stage's
duration (uniform ±20 % around the measured medians). Time only moves forward from event to event, so a
simulated day costs a few minutes.
"""

from __future__ import annotations

import argparse
import heapq
import random
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import BenchOptions, Section, median, table
from media_pipeline.domain import STAGES
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


class FakeClock:
    """The simulation's time: starts at a fixed instant, moved by the event loop."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, tzinfo=UTC)

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

    def __init__(self, state: PipelineState, clock: FakeClock, settings: Settings, seed_: int = 7) -> None:
        self.state = state
        self.clock = clock
        self.limit = settings.sensor_max_runs_per_tick
        self.random = random.Random(seed_)
        self.events: list[_Event] = []
        self.order = 0
        self.with_run: set[str] = set()
        self.run_queue: list[tuple[int, int, LaunchItem]] = []
        self.busy = dict.fromkeys(STAGES, 0)
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

    def tick(self) -> None:
        """Both dispatch sensors: launchable stages without a run get a run (in the order returned)."""
        if self.dirty:  # the real sensors long-poll; nothing changed means the same answer
            started = time.perf_counter()
            launchable = self.state.launchable(self.clock.now, self.limit * 2)
            self.launchable_ms.append((time.perf_counter() - started) * 1000)
            for first in (True, False):
                items = [item for item in launchable if (item.stage == STAGES[0]) == first][: self.limit]
                for item in items:
                    if item.run_key in self.with_run:
                        continue
                    self.with_run.add(item.run_key)
                    priority = int(stage_run_request(item).tags.get(PRIORITY_TAG, 0))
                    self.order += 1
                    heapq.heappush(self.run_queue, (-priority, self.order, item))
            self.dirty = False
        self.at(TICK_S, "tick")

    def dequeue(self) -> None:
        """The run coordinator: start queued runs by priority then age while their stage has a slot."""
        waiting: deque[tuple[int, int, LaunchItem]] = deque()
        while self.run_queue:
            entry = heapq.heappop(self.run_queue)
            if self.busy[entry[2].stage] < STAGE_SLOTS:
                self.busy[entry[2].stage] += 1
                self.at(WORKER_START_S, "start", entry[2])
            else:
                waiting.append(entry)
        for entry in waiting:
            heapq.heappush(self.run_queue, entry)
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


def simulate(work_dir: Path, heavy: int, tasks: int, light: int, horizon_h: float) -> dict[str, Any]:
    """One simulation on a fresh SQLite database."""
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / "dispatch_sim.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    upgrade_db(url)
    per = tasks // heavy
    limits = PlanLimits(drafts_per_queue=per, items_per_add=per, runs_per_day=per)
    settings = Settings(plans={"sim": limits}, default_plan="sim", data_dir=work_dir / "data")
    clock = FakeClock()
    seeded = time.monotonic()
    light_ids = seed(url, heavy, tasks, light, settings, clock)
    seed_s = time.monotonic() - seeded
    engine = make_engine(url)
    try:
        outcome = Simulation(PipelineState(engine, clock=clock, settings=settings), clock, settings).run(
            light_ids, horizon_h
        )
    finally:
        engine.dispose()
    return {"seed_s": seed_s, "tasks": per * heavy + light, "workspaces": heavy + light, **outcome.__dict__}


def _h(value: float | None) -> str:
    return "not within the horizon" if value is None else f"{value:.2f} h"


def markdown(result: dict[str, Any]) -> str:
    """The report of one simulation."""
    starts = [value for value in result["light_first_start_h"] if value is not None]
    done = [value for value in result["light_published_h"] if value is not None]
    missing = len(result["light_published_h"]) - len(done)
    rows = [
        ["tasks / workspaces", f"{result['tasks']:,} / {result['workspaces']:,}"],
        ["simulated hours", f"{result['simulated_h']:.1f}"],
        ["published", f"{result['published']:,}"],
        ["throughput after the first hour, videos/h", f"{result['published_per_h_after_warmup'] or 0:.1f}"],
        ["one-task workspaces: longest wait to first stage start", _h(max(starts) if starts else None)],
        [
            "one-task workspaces: longest wait to published",
            _h(max(done) if done and not missing else None)
            + (f" ({missing} not published)" if missing else ""),
        ],
        [
            "launchable calls / median ms",
            f"{result['launchable_calls']:,} / {result['launchable_ms_median']:.1f}",
        ],
        ["wall s (seed / simulation)", f"{result['seed_s']:.0f} / {result['wall_s']:.0f}"],
    ]
    return (
        f"One stage slot each (`tag_concurrency_limits`), sensor tick {TICK_S:g} s, run start-up "
        f"{WORKER_START_S:g} s, stage durations {STAGE_S} s ±20 %; the one-task workspaces queued after "
        "everything else.\n\n" + table(["figure", "value"], rows)
    )


def main(results: dict[str, Section], options: BenchOptions) -> None:
    """bench.run_all entry point (one simulation: the result is deterministic up to timing)."""
    sizes = (
        QUICK
        if options.quick
        else {"heavy": HEAVY_WORKSPACES, "tasks": TASKS, "light": LIGHT_WORKSPACES, "horizon_h": HORIZON_H}
    )
    result = simulate(options.work_dir / "dispatch_sim", **sizes)
    results["dispatch_sim"] = Section(title="Dispatcher simulation", markdown=markdown(result), data=result)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 tasks, 3 simulated hours")
    parsed = parser.parse_args()
    found: dict[str, Section] = {}
    main(found, BenchOptions(runs=1, quick=parsed.quick))
    print(found["dispatch_sim"].markdown)
