"""API under many creators (issue 27): the HTTP API on PostgreSQL with ``TASKS`` tasks across ``WORKSPACES``
workspaces, ``CLIENTS`` concurrent console clients for ``DURATION_S`` doing what the studio does, and
``SUBSCRIBERS`` progress WebSocket subscribers receiving events from running tasks.

``python -m bench.api_load [--quick] [--runs N]`` or through ``bench.run_all --only api_load``.

The API runs as the README runs it (``media-pipeline api``: one uvicorn process) in its own process; the
load comes from this process with httpx + asyncio (one ``AsyncClient`` per virtual user, think time between
requests like a person at the console) and the ``websockets`` client. A separate reporter process writes
stage progress of the running tasks through ``PipelineState.stage_progress`` (what a stage's worker calls),
stamping the wall time into the progress message, so each subscriber measures delivery from "the stage
reported" to "the event arrived".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import websockets

from bench.common import BenchOptions, Section, median, table, target_line
from media_pipeline.settings import PlanLimits, Settings
from media_pipeline.store import Owner, QueueService
from media_pipeline.store.db import make_engine, upgrade_db
from media_pipeline.store.pipeline_state import PipelineState
from media_pipeline.store.users import UserService
from media_pipeline_tests.net import free_port
from media_pipeline_tests.pgserver import pg_server

WORKSPACES, TASKS, CLIENTS, SUBSCRIBERS, DURATION_S = 200, 10_000, 200, 1_000, 60.0
QUICK = {"workspaces": 20, "tasks": 400, "clients": 20, "subscribers": 50, "duration_s": 10.0}
QUEUED_SHARE = 0.4
"""Share of each workspace's tasks that is queued (Run pressed); the rest stay drafts; one of them runs."""
THINK_S = 1.0
"""Mean pause of a virtual user between two actions (exponential), like a person clicking through pages."""
REPORT_INTERVAL_S = 1.0
"""Each running task reports progress this often (a stage's worker reports every ~1-2 s)."""
PASSWORD = "bench-password-1234"
SIGN_IN_CONCURRENCY = 4
"""Sign-ins before the load starts, a few at a time (each is a deliberately slow password hash)."""
TARGETS = {"read_p99_ms": 250.0, "write_p99_ms": 500.0, "event_p99_s": 1.0, "api_rss_mb": 500.0}
READS = {
    "queue": 10,
    "queue jobs": 20,
    "videos": 15,
    "tabs": 15,
    "task page": 15,
    "progress": 10,
    "logs": 10,
    "contents": 10,
    "plan": 3,
    "credits": 2,
}
WRITES = {"add": 3, "patch": 2, "reorder": 1, "run": 1, "delete": 1}


@dataclass
class Sizes:
    """One run's size."""

    workspaces: int
    tasks: int
    clients: int
    subscribers: int
    duration_s: float
    workers: int = os.cpu_count() or 1
    """API worker processes: the README's recommendation, one per core the API may use."""


@dataclass
class Workspace:
    """A seeded workspace: its user, queue and tasks."""

    username: str
    owner: Owner
    task_ids: list[str]
    running_id: str


@dataclass
class Recorder:
    """Latencies (ms) per action, errors, and event delivery delays (s)."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    delivery_s: list[float] = field(default_factory=list)
    events: int = 0

    def error(self, name: str, detail: str) -> None:
        """Count an error of ``name`` and keep the first few for the report."""
        self.errors[name] += 1
        if len(self.error_samples) < 10:
            self.error_samples.append(f"{name}: {detail[:200]}")


# -- seeding -------------------------------------------------------------------------------------------------


def bench_settings(sizes: Sizes, data_dir: Path) -> Settings:
    """Settings with a plan large enough for the seeded queues and the writes of the run."""
    per_workspace = sizes.tasks // sizes.workspaces
    limits = PlanLimits(
        drafts_per_queue=per_workspace * 4, items_per_add=per_workspace, runs_per_day=per_workspace * 4
    )
    return Settings(plans={"bench": limits}, default_plan="bench", data_dir=data_dir)


def seed(url: str, sizes: Sizes, settings: Settings) -> list[Workspace]:
    """Users, queues and tasks: per workspace drafts, queued tasks and one running (script stage)."""
    engine = make_engine(url)
    try:
        upgrade_db(engine)
        users = UserService(engine)
        state = PipelineState(engine)
        per_workspace = sizes.tasks // sizes.workspaces
        workspaces = []
        for index in range(sizes.workspaces):
            username = f"creator{index:04d}"
            owner = users.add(username, PASSWORD, workspace_id=f"ws{index:04d}")
            queue = QueueService(engine, owner, settings=settings)
            version = queue.get_or_create_default_queue().version
            assets = [f"{username}-video-{number:05d}" for number in range(per_workspace)]
            added = queue.add_assets(assets, {"privacy": "private"}, version)
            ids = [task.id for task in added.tasks]
            queued = queue.run(added.version, ids[: max(1, int(per_workspace * QUEUED_SHARE))]).queued
            running = queued[0]
            if not state.stage_started(running.id, running.generation, "script", f"bench-run-{index}"):
                raise RuntimeError(f"could not start the script stage of {running.id}")
            workspaces.append(Workspace(username, owner, ids, running.id))
        return workspaces
    finally:
        engine.dispose()


def report_progress(url: str, running: list[tuple[str, int]], stop_at: float) -> None:
    """Reporter process: every running task reports progress each REPORT_INTERVAL_S, stamped with the time."""
    state = PipelineState(url)
    step = REPORT_INTERVAL_S / max(1, len(running))
    percent = 0.0
    while time.time() < stop_at:
        percent = (percent + 1.0) % 100
        for task_id, generation in running:
            started = time.monotonic()
            state.stage_progress(task_id, generation, "script", percent, f"bench {time.time():.6f}")
            time.sleep(max(0.0, step - (time.monotonic() - started)))


# -- the API process -----------------------------------------------------------------------------------------


@contextmanager
def api_process(url: str, sizes: Sizes, data_dir: Path) -> Iterator[tuple[str, psutil.Process]]:
    """``media-pipeline api`` on a free loopback port; yields its base URL and process."""
    port = free_port()
    env = {
        **os.environ,
        "MEDIA_PIPELINE_APP_DB_URL": url,
        "MEDIA_PIPELINE_API_PORT": str(port),
        "MEDIA_PIPELINE_DATA_DIR": str(data_dir),
        "MEDIA_PIPELINE_PLANS": json.dumps(bench_settings(sizes, data_dir).model_dump(mode="json")["plans"]),
        "MEDIA_PIPELINE_DEFAULT_PLAN": "bench",
        "MEDIA_PIPELINE_API_WORKERS": str(sizes.workers),
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    log = (data_dir / "api.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "media_pipeline.cli", "api"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the API exited with {process.returncode}: see {data_dir / 'api.log'}")
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the API did not answer /health within 60 s")
            time.sleep(0.2)  # start-up poll of a separate process (no event to await)
        yield base, psutil.Process(process.pid)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


# -- virtual users -------------------------------------------------------------------------------------------


class Creator:
    """One signed-in console user of one workspace, acting until ``stop_at``."""

    def __init__(
        self, client: httpx.AsyncClient, workspace: Workspace, recorder: Recorder, seed: int
    ) -> None:
        self.client = client
        self.workspace = workspace
        self.recorder = recorder
        self.random = random.Random(seed)
        self.queue_id = ""
        self.added = 0

    async def call(self, name: str, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        """One timed request; a 5xx, a transport error or an unexpected 4xx counts as an error."""
        started = time.perf_counter()
        try:
            response = await self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            self.recorder.error(name, repr(exc))
            return None
        self.recorder.latencies[name].append((time.perf_counter() - started) * 1000)
        if response.status_code >= 400:
            self.recorder.error(name, f"{response.status_code} {response.text}")
            return None
        return response

    async def sign_in(self) -> None:
        """Sign in and open the default queue, as the console does on load."""
        body = {"username": self.workspace.username, "password": PASSWORD}
        response = await self.call("sign in", "POST", "/api/auth/login", json=body)
        if response is None:
            raise RuntimeError(f"{self.workspace.username} could not sign in")
        self.client.headers["Authorization"] = f"Bearer {response.json()['accessToken']}"
        queue = await self.call("queue", "GET", "/api/queue")
        assert queue is not None
        self.queue_id = queue.json()["id"]

    async def act(self, stop_at: float) -> None:
        """Think, then do one console action, until ``stop_at``."""
        names = list(READS) + list(WRITES)
        weights = list(READS.values()) + list(WRITES.values())
        while True:
            await asyncio.sleep(self.random.expovariate(1 / THINK_S))
            if time.monotonic() >= stop_at:
                return
            name = self.random.choices(names, weights)[0]
            await (self.write(name) if name in WRITES else self.read(name))

    async def read(self, name: str) -> None:
        """One read the console makes on its pages."""
        task = self.random.choice(self.workspace.task_ids)
        paths = {
            "queue": "/api/queue",
            "queue jobs": f"/api/queue/{self.queue_id}/jobs",
            "videos": "/api/v1/videos?limit=50",
            "tabs": "/api/automation/tabs?limit=100",
            "task page": f"/api/v1/videos/{task}",
            "progress": f"/api/v1/videos/{self.workspace.running_id}/progress",
            "logs": f"/api/automation/logs?taskId={task}&limit=100",
            "contents": "/api/contents?limit=50",
            "plan": "/api/workspace/plan",
            "credits": "/api/v1/credits",
        }
        await self.call(name, "GET", paths[name])

    async def write(self, name: str) -> None:
        """One queue change the console makes (it reads the queue's drafts and version first)."""
        listing = await self.call("queue jobs", "GET", f"/api/queue/{self.queue_id}/jobs")
        if listing is None:
            return
        body = listing.json()
        drafts = [job["id"] for job in body["jobs"]]
        version = body["version"]
        jobs = f"/api/queue/{self.queue_id}/jobs"
        if name == "add" or not drafts:
            self.added += 1
            asset = f"{self.workspace.username}-new-{self.added:05d}"
            await self.call("add", "POST", jobs, json={"assetIds": [asset], "version": version})
        elif name == "patch":
            chosen = self.random.sample(drafts, min(3, len(drafts)))
            patch = {"jobIds": chosen, "optionsPartial": {"privacy": "unlisted"}, "version": version}
            await self.call("patch", "PATCH", f"{jobs}/bulk", json=patch)
        elif name == "reorder":
            order = drafts[1:] + drafts[:1]
            await self.call(
                "reorder", "PATCH", f"{jobs}/reorder", json={"orderedJobIds": order, "version": version}
            )
        elif name == "run":
            await self.call(
                "run",
                "POST",
                f"/api/queue/{self.queue_id}/run",
                json={"jobIds": drafts[:1], "version": version},
            )
        else:
            await self.call(
                "delete", "DELETE", f"{jobs}/bulk", json={"jobIds": drafts[-1:], "version": version}
            )


async def subscribe(base: str, token: str, task_id: str, recorder: Recorder, stop_at: float) -> None:
    """One progress WebSocket subscriber: delay from the stamp in each progress message to its arrival."""
    url = f"{base.replace('http', 'ws', 1)}/ws/videos/{task_id}/render-progress?access_token={token}"
    try:
        async with websockets.connect(url, open_timeout=60, max_queue=64) as socket:
            while (remaining := stop_at - time.monotonic()) > 0:
                try:
                    raw = await asyncio.wait_for(socket.recv(), remaining)
                except TimeoutError:
                    return
                arrived = time.time()
                event = json.loads(raw)
                if event.get("type") == "error":
                    recorder.error("websocket", raw)
                    return
                message = event.get("message") or ""
                if event.get("type") == "progress" and message.startswith("bench "):
                    recorder.delivery_s.append(arrived - float(message.split()[1]))
                    recorder.events += 1
    except (OSError, websockets.WebSocketException) as exc:
        recorder.error("websocket", repr(exc))


def tree_cpu_s(process: psutil.Process) -> float:
    """CPU seconds (user + system) used so far by the API process and its workers."""
    return sum(sum(p.cpu_times()[:2]) for p in [process, *process.children(recursive=True)])


async def sample_memory(process: psutil.Process, stop_at: float, peaks: list[float]) -> None:
    """Peak RSS (MB) of the API process and its children, sampled at 4 Hz."""
    while time.monotonic() < stop_at:
        tree = [process, *process.children(recursive=True)]
        peaks.append(sum(p.memory_info().rss for p in tree) / 2**20)
        await asyncio.sleep(0.25)


async def load(base: str, workspaces: list[Workspace], sizes: Sizes, api: psutil.Process) -> dict[str, Any]:
    """Sign everybody in, open the subscribers, then run the clients for ``duration_s``."""
    recorder = Recorder()
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
    clients = [httpx.AsyncClient(base_url=base, timeout=30, limits=limits) for _ in range(sizes.clients)]
    try:
        creators = [
            Creator(client, workspaces[index % len(workspaces)], recorder, index)
            for index, client in enumerate(clients)
        ]
        signing_in = asyncio.Semaphore(SIGN_IN_CONCURRENCY)

        async def sign_in(creator: Creator) -> None:
            async with signing_in:
                await creator.sign_in()

        await asyncio.gather(*(sign_in(creator) for creator in creators))
        open_until = time.monotonic() + sizes.duration_s + 30
        subscribers = [
            asyncio.create_task(
                subscribe(
                    base,
                    creators[index % len(creators)].client.headers["Authorization"].split()[1],
                    creators[index % len(creators)].workspace.running_id,
                    recorder,
                    open_until,
                )
            )
            for index in range(sizes.subscribers)
        ]
        cpu_before = tree_cpu_s(api)
        started = time.monotonic()
        stop_at = started + sizes.duration_s
        peaks: list[float] = []
        await asyncio.gather(
            sample_memory(api, stop_at, peaks), *(creator.act(stop_at) for creator in creators)
        )
        elapsed = time.monotonic() - started
        cpu_after = tree_cpu_s(api)
        for task in subscribers:
            task.cancel()
        await asyncio.gather(*subscribers, return_exceptions=True)
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))
    requests = sum(len(values) for name, values in recorder.latencies.items() if name != "sign in")
    cpu_s = cpu_after - cpu_before
    return {
        "latencies": dict(recorder.latencies),
        "errors": dict(recorder.errors),
        "error_samples": recorder.error_samples,
        "delivery_s": recorder.delivery_s,
        "events": recorder.events,
        "requests": requests,
        "elapsed_s": elapsed,
        "api_cpu_s": cpu_s,
        "api_peak_rss_mb": max(peaks) if peaks else None,
    }


# -- one run and the report ----------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float | None:
    """The ``share`` percentile (nearest rank) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def run_once(sizes: Sizes, work_dir: Path) -> dict[str, Any]:
    """Seed a fresh PostgreSQL, start the API and the reporter, run the load; the raw figures."""
    work_dir.mkdir(parents=True, exist_ok=True)
    with pg_server(work_dir) as server:
        url = server.create_database("api_load")
        settings = bench_settings(sizes, work_dir / "data")
        seeded_at = time.monotonic()
        workspaces = seed(url, sizes, settings)
        seed_s = time.monotonic() - seeded_at
        with api_process(url, sizes, work_dir / "data") as (base, api):
            running = [(workspace.running_id, 1) for workspace in workspaces]
            stop_at = time.time() + sizes.duration_s + 90
            context = multiprocessing.get_context("spawn")
            reporter = context.Process(target=report_progress, args=(url, running, stop_at), daemon=True)
            reporter.start()
            try:
                result = asyncio.run(load(base, workspaces, sizes, api))
            finally:
                reporter.terminate()
                reporter.join(10)
    return {**result, "seed_s": seed_s, "sizes": sizes.__dict__}


def summarize(run: dict[str, Any]) -> dict[str, Any]:
    """Percentiles per action and per kind, throughput, errors, delivery and memory of one run."""
    reads = [value for name in READS for value in run["latencies"].get(name, [])]
    writes = [value for name in WRITES for value in run["latencies"].get(name, [])]
    actions = {
        name: {
            "count": len(values),
            "p50_ms": percentile(values, 0.5),
            "p99_ms": percentile(values, 0.99),
        }
        for name, values in sorted(run["latencies"].items())
    }
    return {
        "read_p50_ms": percentile(reads, 0.5),
        "read_p99_ms": percentile(reads, 0.99),
        "write_p50_ms": percentile(writes, 0.5),
        "write_p99_ms": percentile(writes, 0.99),
        "requests_per_s": run["requests"] / run["elapsed_s"],
        "api_cpu_ms_per_request": 1000 * run["api_cpu_s"] / max(1, run["requests"]),
        "errors": sum(run["errors"].values()),
        "event_p50_s": percentile(run["delivery_s"], 0.5),
        "event_p99_s": percentile(run["delivery_s"], 0.99),
        "events": run["events"],
        "api_rss_mb": run["api_peak_rss_mb"],
        "actions": actions,
    }


def _fmt(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def markdown(summaries: list[dict[str, Any]], sizes: Sizes) -> str:
    """The report: medians over runs against the targets, and per-action figures of the last run."""

    def med(key: str) -> float | None:
        values = [summary[key] for summary in summaries if summary[key] is not None]
        return median(values) if values else None

    rows = [
        ["reads p50 / p99 ms", f"{_fmt(med('read_p50_ms'))} / {_fmt(med('read_p99_ms'))}", "p99 ≤ 250"],
        ["writes p50 / p99 ms", f"{_fmt(med('write_p50_ms'))} / {_fmt(med('write_p99_ms'))}", "p99 ≤ 500"],
        ["errors", _fmt(med("errors")), "0"],
        [
            "event delivery p50 / p99 s",
            f"{_fmt(med('event_p50_s'), 2)} / {_fmt(med('event_p99_s'), 2)}",
            "p99 ≤ 1",
        ],
        ["events received", _fmt(med("events")), ""],
        ["requests / s", _fmt(med("requests_per_s"), 1), ""],
        ["API CPU ms per request", _fmt(med("api_cpu_ms_per_request"), 1), ""],
        ["API peak RSS MB", _fmt(med("api_rss_mb")), "≤ 500"],
    ]
    head = (
        f"{sizes.tasks:,} tasks in {sizes.workspaces} workspaces on PostgreSQL, {sizes.workers} API "
        f"worker(s), {sizes.clients} clients "
        f"(think time {THINK_S:g} s mean) and {sizes.subscribers:,} progress subscribers for "
        f"{sizes.duration_s:g} s; medians of {len(summaries)} run(s).\n\n"
    )
    last = summaries[-1]["actions"]
    per_action = table(
        ["action", "requests", "p50 ms", "p99 ms"],
        [[name, str(a["count"]), _fmt(a["p50_ms"]), _fmt(a["p99_ms"])] for name, a in last.items()],
    )
    verdicts = [
        target_line("reads p99", med("read_p99_ms"), TARGETS["read_p99_ms"], at_least=False, unit=" ms"),
        target_line("writes p99", med("write_p99_ms"), TARGETS["write_p99_ms"], at_least=False, unit=" ms"),
        target_line(
            "event delivery p99", med("event_p99_s"), TARGETS["event_p99_s"], at_least=False, unit=" s"
        ),
        target_line("errors", med("errors"), 0, at_least=False, unit=""),
        target_line("API peak RSS", med("api_rss_mb"), TARGETS["api_rss_mb"], at_least=False, unit=" MB"),
    ]
    return (
        head + table(["figure", "value", "target"], rows) + "\n\n" + "\n".join(verdicts) + "\n\n" + per_action
    )


def main(results: dict[str, Section], options: BenchOptions, *, workers: int | None = None) -> None:
    """bench.run_all entry point; ``workers`` overrides the API worker count (default: one per core)."""
    sizes = Sizes(**QUICK) if options.quick else Sizes(WORKSPACES, TASKS, CLIENTS, SUBSCRIBERS, DURATION_S)
    if workers:
        sizes.workers = workers
    runs = [run_once(sizes, options.work_dir / "api_load" / f"run{index}") for index in range(options.runs)]
    summaries = [summarize(run) for run in runs]
    results["api_load"] = Section(
        title="API under load",
        markdown=markdown(summaries, sizes),
        data={
            "runs": [
                {
                    **summary,
                    "errors_by_action": run["errors"],
                    "error_samples": run["error_samples"],
                    "seed_s": run["seed_s"],
                }
                for summary, run in zip(summaries, runs, strict=True)
            ]
        },
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke-test size")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--workers", type=int, help="API worker processes (default: one per core)")
    parsed = parser.parse_args()
    found: dict[str, Section] = {}
    main(found, BenchOptions(runs=parsed.runs, quick=parsed.quick), workers=parsed.workers)
    print(found["api_load"].markdown)
