"""CPU per request of the console's read endpoints (issue 27 item 3): the API (``media-pipeline api``, one
worker) on a PostgreSQL seeded like ``bench.api_load``, each endpoint called ``--calls`` times in a row by
one signed-in user, and the API process's CPU (user + system) divided by the calls.

``python -m bench.api_cpu [--workspaces N] [--per-workspace N] [--rounds N] [--calls N] [--only NAMES]
[--against COMMIT] [--followed N] [--profile DIR] [--workers N]``

- ``--only`` measures just those endpoints (names as in ``endpoints``, comma-separated).
- ``--against COMMIT`` starts a second API from that commit's source tree (``git archive``, unpacked
  under ``bench/.work/api_cpu``; or a source tree's folder) on the same database and measures both,
  interleaved: in each round every endpoint is measured on both, the order alternating, so machine load
  falls on both alike. The report is the median per endpoint over the rounds.
- ``--profile DIR`` records the API with py-spy (``--rate`` Hz) while each endpoint is called and writes
  ``DIR/<endpoint>.txt`` (py-spy's raw format: collapsed stacks with their sample counts).

- ``--followed N`` also measures the APIs with no request but N progress sockets open, each following the
  running task of one workspace: the CPU (ms per second) the progress polling costs.

- ``--workers N`` runs each API with N worker processes (default 1), as ``api_workers`` does: CPU is
  then that of the supervisor and its workers together.

Only the API's CPU is counted, not PostgreSQL's or this client's. The report ends with each API's RSS
after the calls: the supervisor's (with ``--workers`` > 1) and each worker's.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import psutil
from websockets.sync.client import connect

from bench.api_load import PASSWORD, Sizes, api_process, bench_settings, seed, tree_cpu_s
from bench.common import BENCH_DIR, WORK_DIR, table
from bench.console_user import Workspace
from media_pipeline_tests.pgserver import pg_server

PER_WORKSPACE = 50
"""Tasks (and library items) per workspace, as in the full-size ``bench.api_load`` seed."""
IDLE_S = 10.0
"""How long the CPU of the APIs is measured with no request (idle, and with progress sockets open)."""


def endpoints(task_ids: list[str], running_id: str) -> dict[str, str]:
    """The reads the console's pages make (``bench/console_user.py``), by name; a task page reads a draft."""
    task = task_ids[-1]
    return {
        "queue": "/api/queue",
        "queue jobs": "/api/queue/{queue}/jobs",
        "credits": "/api/v1/credits",
        "library": "/api/library?limit=24&offset=0",
        "tabs": "/api/automation/tabs",
        "scheduled": "/api/v1/videos?status=scheduled",
        "reviews": "/api/v1/reviews",
        "logs": "/api/automation/logs?limit=200",
        "video": f"/api/v1/videos/{task}",
        "files": f"/api/v1/videos/{task}/files",
        "usage": f"/api/v1/credits/usage?videoId={task}",
        "task logs": f"/api/automation/logs?limit=200&taskId={running_id}",
        "contents": "/api/contents?limit=20&offset=0",
        "performance": "/api/performance/summary?days=28",
    }


def rss_mb(process: psutil.Process) -> list[float]:
    """RSS (MB) of the process and of each of its workers, in that order."""
    return [p.memory_info().rss / 2**20 for p in [process, *process.children(recursive=True)]]


def measure(client: httpx.Client, process: psutil.Process, path: str, calls: int) -> float:
    """CPU ms of the API per call of ``path`` (``calls`` in a row, each must answer 200)."""
    before = tree_cpu_s(process)
    for _ in range(calls):
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:200]}")
    return 1000 * (tree_cpu_s(process) - before) / calls


@contextmanager
def profiled(pid: int, out: Path, rate: int) -> Iterator[None]:
    """py-spy records ``pid`` into ``out`` while the block runs: only the thread holding the GIL, i.e.
    Python at work, not a thread waiting for the database or the event loop waiting for a socket."""
    spy = Path(sys.executable).with_name("py-spy")  # the venv's (the bench extra)
    options = ["--gil", "--pid", str(pid), "--rate", str(rate), "--format", "raw", "-o", str(out)]
    recorder = subprocess.Popen(
        [spy, "record", *options], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(1.0)  # py-spy attaches asynchronously; it reports nothing to wait on
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)
        recorder.wait(60)


def unpack(commit: str, into: Path) -> Path:
    """The source tree of ``commit`` of this repository (``git archive``), unpacked into ``into``."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], capture_output=True, check=True, cwd=BENCH_DIR.parent
    ).stdout  # from the top folder: in a subfolder, git archives only that folder
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def signed_in(base: str, username: str) -> httpx.Client:
    """A keep-alive client of the API at ``base`` signed in as ``username``."""
    client = httpx.Client(base_url=base, timeout=60)
    login = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    login.raise_for_status()
    client.headers["Authorization"] = f"Bearer {login.json()['accessToken']}"
    return client


Api = tuple[str, psutil.Process]
"""An API's base URL and process."""


def per_endpoint(
    apis: dict[str, Api], clients: dict[str, httpx.Client], paths: dict[str, str], args: argparse.Namespace
) -> dict[tuple[str, str], float]:
    """Median CPU ms per request of each endpoint on each API over ``args.rounds`` interleaved rounds."""
    for name, client in clients.items():  # warm-up: imports, caches, the pool's connections
        for path in paths.values():
            measure(client, apis[name][1], path, 3)
    samples: dict[tuple[str, str], list[float]] = {}
    for round_index in range(args.rounds):
        order = list(apis) if round_index % 2 == 0 else list(reversed(apis))
        for endpoint, path in paths.items():
            for name in order:
                cost = measure(clients[name], apis[name][1], path, args.calls)
                samples.setdefault((endpoint, name), []).append(cost)
    return {key: statistics.median(values) for key, values in samples.items()}


def following(apis: dict[str, Api], workspaces: list[Workspace], seconds: float) -> dict[str, float]:
    """CPU ms per second of each API while it serves one progress socket per workspace, each following
    that workspace's running task (nothing reports progress: what is left is the polling), all APIs in the
    same window."""
    with ExitStack() as stack:
        for base, _ in apis.values():
            for workspace in workspaces:
                client = signed_in(base, workspace.username)
                client.close()
                token = client.headers["Authorization"].removeprefix("Bearer ")
                url = f"{base.replace('http', 'ws', 1)}/ws/videos/{workspace.running_id}/render-progress"
                socket = stack.enter_context(connect(f"{url}?access_token={token}"))
                socket.recv(60)  # connected
                socket.recv(60)  # snapshot
        before = {name: tree_cpu_s(process) for name, (_, process) in apis.items()}
        time.sleep(seconds)  # the measured window itself
        return {
            name: 1000 * (tree_cpu_s(process) - before[name]) / seconds for name, (_, process) in apis.items()
        }


def run(args: argparse.Namespace) -> str:
    """Seed, start the API(s), measure (and profile); the report."""
    work = WORK_DIR / "api_cpu"
    work.mkdir(parents=True, exist_ok=True)
    sizes = Sizes(args.workspaces, args.workspaces * args.per_workspace, 1, 0, 0.0, workers=args.workers)
    trees: dict[str, Path | None] = {"this tree": None}
    if args.against:
        given = Path(args.against)
        trees[args.against] = given if given.is_dir() else unpack(args.against, work / "against")
    with pg_server(work) as server, ExitStack() as stack:
        url = server.create_database("api_cpu")
        workspaces = seed(url, sizes, bench_settings(sizes, work / "data"))
        apis = {
            name: stack.enter_context(api_process(url, sizes, work / f"data-{index}", pythonpath=tree))
            for index, (name, tree) in enumerate(trees.items())
        }
        clients = {name: signed_in(base, workspaces[0].username) for name, (base, _) in apis.items()}
        for client in clients.values():
            stack.callback(client.close)
        queue_id = next(iter(clients.values())).get("/api/queue").json()["id"]
        paths = {
            name: path.replace("{queue}", queue_id)
            for name, path in endpoints(workspaces[0].task_ids, workspaces[0].running_id).items()
            if not args.only or name in args.only.split(",")
        }
        medians = per_endpoint(apis, clients, paths, args)
        memory = {name: rss_mb(process) for name, (_, process) in apis.items()}
        idle = following(apis, [], IDLE_S)
        followed = following(apis, workspaces[: args.followed], IDLE_S) if args.followed else {}
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            _, process = next(iter(apis.values()))
            for endpoint, path in paths.items():
                with profiled(process.pid, args.profile / f"{endpoint.replace(' ', '_')}.txt", args.rate):
                    measure(next(iter(clients.values())), process, path, args.calls * args.rounds)
    rows = [[endpoint, *(f"{medians[endpoint, name]:.2f}" for name in apis)] for endpoint in paths]
    rows.append(["sum", *(f"{sum(medians[e, name] for e in paths):.1f}" for name in apis)])
    rows.append(["idle, CPU ms per s", *(f"{idle[name]:.1f}" for name in apis)])
    if followed:
        label = f"{args.followed} videos followed, CPU ms per s"
        rows.append([label, *(f"{followed[name]:.1f}" for name in apis)])
    rows.append(["RSS MB after the calls (total)", *(f"{sum(memory[name]):.0f}" for name in apis)])
    rows.append(["RSS MB per process", *(" + ".join(f"{mb:.0f}" for mb in memory[name]) for name in apis)])
    head = (
        f"API CPU ms per request, median of {args.rounds} rounds of {args.calls} calls, "
        f"{args.workers} worker(s), "
        f"PostgreSQL with {sizes.tasks:,} tasks in {sizes.workspaces} workspaces; load average "
        f"{os.getloadavg()[0]:.1f} at the end.\n\n"
    )
    return head + table(["endpoint", *apis], rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspaces", type=int, default=20)
    parser.add_argument("--per-workspace", type=int, default=PER_WORKSPACE, help="tasks per workspace")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=40, help="calls per endpoint and round")
    parser.add_argument("--only", help="comma-separated endpoint names (default: all)")
    parser.add_argument(
        "--against", help="a commit of this repository, or a source tree, to compare with (interleaved)"
    )
    parser.add_argument(
        "--followed", type=int, default=0, help="also measure N progress sockets (N <= --workspaces)"
    )
    parser.add_argument("--profile", type=Path, help="write py-spy stacks per endpoint into this folder")
    parser.add_argument("--rate", type=int, default=300, help="py-spy samples per second")
    parser.add_argument("--workers", type=int, default=1, help="API worker processes")
    print(run(parser.parse_args()))
