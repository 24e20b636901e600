"""API under many creators (issue 27): the HTTP API on PostgreSQL with ``TASKS`` tasks across ``WORKSPACES``
workspaces, ``CLIENTS`` concurrent console users for ``DURATION_S`` doing what the console does, and
``SUBSCRIBERS`` progress WebSocket subscribers receiving events from running tasks.

``python -m bench.api_load [--quick] [--stress] [--runs N] [--workers N]`` or ``bench.run_all --only
api_load``.

Load model (``bench/console_user.py``): each virtual user opens console pages as the browser does (a page
view = the page chrome's and the page's requests, concurrently, on at most 6 connections), with a person's
think time between page views: negative exponential, mean 7 s, cut at 70 s, the emulated browser of the
TPC-W web benchmark (TPC Benchmark W, "think time"). Open pages refresh themselves as the console does (the
automation page every 10 s, a running task's page on each new stage). ``--stress`` keeps the first model
(one request per action, 1 s mean think time, ≈ ``CLIENTS`` requests a second) so figures stay comparable
with the earlier runs.

The API runs as the README runs it (``media-pipeline api``) in its own process; the load comes from this
process with httpx + asyncio (one ``AsyncClient`` per virtual user) and the ``websockets`` client. A separate
reporter process writes stage progress of the running tasks through ``PipelineState.stage_progress`` (what
a stage's worker calls), stamping the wall time into the progress message, so each subscriber measures
delivery from "the stage reported" to "the event arrived".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import websockets

from bench.common import BenchOptions, Section, median, table, target_line
from bench.console_user import (
    BROWSER_CONNECTIONS,
    STRESS_THINK_S,
    THINK_MAX_S,
    THINK_MEAN_S,
    ConsoleUser,
    Recorder,
    StressUser,
    Workspace,
)
from media_pipeline.settings import PlanLimits, Settings
from media_pipeline.store import LibraryService, QueueService
from media_pipeline.store.db import make_engine, upgrade_db
from media_pipeline.store.pipeline_state import PipelineState
from media_pipeline.store.users import UserService
from media_pipeline_tests.net import free_port
from media_pipeline_tests.pgserver import pg_server

WORKSPACES, TASKS, CLIENTS, SUBSCRIBERS, DURATION_S = 200, 10_000, 200, 1_000, 60.0
QUICK = (20, 400, 20, 50, 10.0)
"""``--quick``: workspaces, tasks, users, subscribers, seconds."""
QUEUED_SHARE = 0.4
"""Share of each workspace's tasks that is queued (Run pressed); the rest stay drafts; one of them runs."""
REPORT_INTERVAL_S = 1.0
"""Each running task reports progress this often (a stage's worker reports every ~1-2 s)."""
PASSWORD = "bench-password-1234"
SIGN_IN_CONCURRENCY = 4
"""Sign-ins before the load starts, a few at a time (each is a deliberately slow password hash)."""
TARGETS = {"read_p99_ms": 250.0, "write_p99_ms": 500.0, "event_p99_s": 1.0, "api_rss_mb": 500.0}


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
    stress: bool = False
    """The first load model (one request per action, 1 s think time) instead of console page views."""


# -- seeding -------------------------------------------------------------------------------------------------


def bench_settings(sizes: Sizes, data_dir: Path) -> Settings:
    """Settings with a plan large enough for the seeded queues and the writes of the run."""
    per_workspace = sizes.tasks // sizes.workspaces
    limits = PlanLimits(
        drafts_per_queue=per_workspace * 4, items_per_add=per_workspace, runs_per_day=per_workspace * 4
    )
    return Settings(plans={"bench": limits}, default_plan="bench", data_dir=data_dir)


def seed(url: str, sizes: Sizes, settings: Settings) -> list[Workspace]:
    """Users, library items and their tasks: per workspace drafts, queued tasks and one running (script
    stage)."""
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
            library = LibraryService(engine, owner)
            titles = (f"{username} video {number:05d}" for number in range(per_workspace))
            assets = [library.create({"title": title}).id for title in titles]
            added = queue.add_assets(assets, {"privacy": "private"}, version)
            ids = [task.id for task in added.tasks]
            queued = queue.run(added.version, ids[: max(1, int(per_workspace * QUEUED_SHARE))]).queued
            running = queued[0]
            if not state.stage_started(running.id, running.generation, "script", f"bench-run-{index}"):
                raise RuntimeError(f"could not start the script stage of {running.id}")
            workspaces.append(Workspace(username, ids, running.id))
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
def api_process(
    url: str, sizes: Sizes, data_dir: Path, *, pythonpath: Path | None = None
) -> Iterator[tuple[str, psutil.Process]]:
    """``media-pipeline api`` on a free loopback port (its code from ``pythonpath`` if given, e.g. another
    commit's tree); yields its base URL and process."""
    port = free_port()
    env = {
        **os.environ,
        **({"PYTHONPATH": str(pythonpath)} if pythonpath else {}),
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


# -- the load -----------------------------------------------------------------------------------------------


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
                    recorder.error("websocket", str(raw))
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
    """Sign everybody in, open the subscribers, then run the users for ``duration_s``."""
    signing = Recorder()
    limits = httpx.Limits(max_connections=BROWSER_CONNECTIONS, max_keepalive_connections=BROWSER_CONNECTIONS)
    clients = [httpx.AsyncClient(base_url=base, timeout=30, limits=limits) for _ in range(sizes.clients)]
    kind = StressUser if sizes.stress else ConsoleUser
    try:
        users = [
            kind(client, workspaces[index % len(workspaces)], signing, index)
            for index, client in enumerate(clients)
        ]
        signing_in = asyncio.Semaphore(SIGN_IN_CONCURRENCY)

        async def sign_in(user: StressUser | ConsoleUser) -> str:
            async with signing_in:
                return await user.sign_in(PASSWORD)

        tokens = await asyncio.gather(*(sign_in(user) for user in users))
        recorder = Recorder()
        for user in users:
            user.recorder = recorder
        open_until = time.monotonic() + sizes.duration_s + 30
        subscribers = [
            asyncio.create_task(
                subscribe(
                    base,
                    tokens[index % len(users)],
                    users[index % len(users)].workspace.running_id,
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
        await asyncio.gather(sample_memory(api, stop_at, peaks), *(user.act(stop_at) for user in users))
        elapsed = time.monotonic() - started
        cpu_after = tree_cpu_s(api)
        for task in subscribers:
            task.cancel()
        await asyncio.gather(*subscribers, return_exceptions=True)
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))
    return {
        "latencies": dict(recorder.latencies),
        "writes": sorted(recorder.writes),
        "pages": dict(recorder.pages),
        "errors": dict(recorder.errors),
        "error_samples": recorder.error_samples,
        "delivery_s": recorder.delivery_s,
        "events": recorder.events,
        "requests": sum(len(values) for values in recorder.latencies.values()),
        "elapsed_s": elapsed,
        "api_cpu_s": cpu_after - cpu_before,
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


def _spread(values: list[float]) -> dict[str, Any]:
    return {"count": len(values), "p50_ms": percentile(values, 0.5), "p99_ms": percentile(values, 0.99)}


def summarize(run: dict[str, Any]) -> dict[str, Any]:
    """Percentiles per request, per kind and per page view, throughput, errors, delivery and memory."""
    latencies: dict[str, list[float]] = run["latencies"]
    reads = [value for name, values in latencies.items() if name not in run["writes"] for value in values]
    writes = [value for name in run["writes"] for value in latencies[name]]
    views = [value for values in run["pages"].values() for value in values]
    return {
        "read_p50_ms": percentile(reads, 0.5),
        "read_p99_ms": percentile(reads, 0.99),
        "write_p50_ms": percentile(writes, 0.5),
        "write_p99_ms": percentile(writes, 0.99),
        "page_p50_ms": percentile(views, 0.5),
        "page_p99_ms": percentile(views, 0.99),
        "page_views_per_s": len(views) / run["elapsed_s"],
        "requests_per_s": run["requests"] / run["elapsed_s"],
        "api_cpu_ms_per_request": 1000 * run["api_cpu_s"] / max(1, run["requests"]),
        "errors": sum(run["errors"].values()),
        "event_p50_s": percentile(run["delivery_s"], 0.5),
        "event_p99_s": percentile(run["delivery_s"], 0.99),
        "events": run["events"],
        "api_rss_mb": run["api_peak_rss_mb"],
        "actions": {name: _spread(values) for name, values in sorted(latencies.items())},
        "pages": {name: _spread(values) for name, values in sorted(run["pages"].items())},
    }


def _fmt(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _pair(low: float | None, high: float | None, digits: int = 0) -> str:
    return f"{_fmt(low, digits)} / {_fmt(high, digits)}"


def _per_name(title: str, spreads: dict[str, dict[str, Any]]) -> str:
    rows = [[name, str(a["count"]), _fmt(a["p50_ms"]), _fmt(a["p99_ms"])] for name, a in spreads.items()]
    return table([title, "count", "p50 ms", "p99 ms"], rows)


def markdown(summaries: list[dict[str, Any]], sizes: Sizes) -> str:
    """The report: medians over runs against the targets, and per-request and per-page figures of the last
    run."""

    def med(key: str) -> float | None:
        values = [summary[key] for summary in summaries if summary[key] is not None]
        return median(values) if values else None

    rows = [
        ["reads p50 / p99 ms", _pair(med("read_p50_ms"), med("read_p99_ms")), "p99 ≤ 250"],
        ["writes p50 / p99 ms", _pair(med("write_p50_ms"), med("write_p99_ms")), "p99 ≤ 500"],
        ["errors", _fmt(med("errors")), "0"],
        ["event delivery p50 / p99 s", _pair(med("event_p50_s"), med("event_p99_s"), 2), "p99 ≤ 1"],
        ["events received", _fmt(med("events")), ""],
        ["requests / s", _fmt(med("requests_per_s"), 1), ""],
        ["API CPU ms per request", _fmt(med("api_cpu_ms_per_request"), 1), ""],
        ["API peak RSS MB", _fmt(med("api_rss_mb")), "≤ 500"],
    ]
    if not sizes.stress:
        rows[2:2] = [["page views p50 / p99 ms", _pair(med("page_p50_ms"), med("page_p99_ms")), ""]]
        rows.insert(-2, ["page views / s", _fmt(med("page_views_per_s"), 1), ""])
    model = (
        f"one request per action, think time {STRESS_THINK_S:g} s mean (--stress)"
        if sizes.stress
        else f"console page views, think time {THINK_MEAN_S:g} s mean, cut at {THINK_MAX_S:g} s"
    )
    head = (
        f"{sizes.tasks:,} tasks in {sizes.workspaces} workspaces on PostgreSQL, {sizes.workers} API "
        f"worker(s), {sizes.clients} users ({model}) and {sizes.subscribers:,} progress subscribers for "
        f"{sizes.duration_s:g} s; medians of {len(summaries)} run(s).\n\n"
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
    parts = [head + table(["figure", "value", "target"], rows), "\n".join(verdicts)]
    parts.append(_per_name("request", summaries[-1]["actions"]))
    if summaries[-1]["pages"]:
        parts.append(_per_name("page view", summaries[-1]["pages"]))
    return "\n\n".join(parts)


def main(
    results: dict[str, Section], options: BenchOptions, *, workers: int | None = None, stress: bool = False
) -> None:
    """bench.run_all entry point; ``workers`` overrides the API worker count (default: one per core),
    ``stress`` chooses the first load model."""
    sizes = Sizes(*QUICK) if options.quick else Sizes(WORKSPACES, TASKS, CLIENTS, SUBSCRIBERS, DURATION_S)
    sizes.stress = stress
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
    parser.add_argument(
        "--stress", action="store_true", help="one request per action, 1 s think time (the first load model)"
    )
    parsed = parser.parse_args()
    found: dict[str, Section] = {}
    options = BenchOptions(runs=parsed.runs, quick=parsed.quick)
    main(found, options, workers=parsed.workers, stress=parsed.stress)
    print(found["api_load"].markdown)
