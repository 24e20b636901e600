"""``media-pipeline api``: a separate process configured by MEDIA_PIPELINE_* variables,
answering on api_host:api_port with JSON log lines carrying request ids."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from media_pipeline.api.metrics import forget_dead_workers
from media_pipeline.api.metrics_dir import MULTIPROC_ENV
from media_pipeline.settings import Settings
from media_pipeline.usecases_tokens import mint_token
from media_pipeline_tests.net import free_port
from media_pipeline_tests.serving import serves, wait_for

START_TIMEOUT_S = 30.0
SECRET = "server-test-secret-0123456789abcdef"


def _api_env(sqlite_template: Path, data_dir: Path, port: int) -> dict[str, str]:
    """The environment of an API process on ``port`` over a copy of the migrated template DB."""
    shutil.copyfile(sqlite_template, data_dir / "app.db")
    env = {
        **os.environ,
        "MEDIA_PIPELINE_DATA_DIR": str(data_dir),
        "MEDIA_PIPELINE_API_HOST": "127.0.0.1",
        "MEDIA_PIPELINE_API_PORT": str(port),
        "MEDIA_PIPELINE_JWT_SECRET": SECRET,
    }
    env.pop("DAGSTER_HOME", None)
    env.pop(MULTIPROC_ENV, None)
    return env


def test_serve_runs_the_api_from_environment_settings(sqlite_template: Path, tmp_path: Path) -> None:
    port = free_port()
    env = _api_env(sqlite_template, tmp_path, port)
    argv = [sys.executable, "-m", "media_pipeline.cli", "api"]  # becomes ``python -m media_pipeline.api``
    with subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True) as process:
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(
                lambda: serves(f"{base}/health"), timeout=START_TIMEOUT_S, what="the API", process=process
            )
            assert httpx.get(f"{base}/health").json()["status"] == "ok"
            token = mint_token("cli-user", "cli-ws", Settings(jwt_secret=SECRET))
            queue = httpx.get(
                f"{base}/api/queue", headers={"Authorization": f"Bearer {token}", "X-Request-ID": "smoke-1"}
            )
            assert queue.status_code == 200 and queue.headers["X-Request-ID"] == "smoke-1"
        finally:
            process.terminate()
            _, stderr = process.communicate(timeout=START_TIMEOUT_S)
    records = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert any(
        record.get("requestId") == "smoke-1"
        and record.get("userId") == "cli-user"
        and record.get("status") == 200
        for record in records
    )
    assert all(line.startswith("{") for line in stderr.splitlines() if line.strip()), stderr


def _workers(pid: int) -> set[int]:
    """The worker processes uvicorn spawned under ``pid`` (multiprocessing's spawn children)."""
    found = set()
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.add(int(child))
        except FileNotFoundError:
            pass  # exited meanwhile
    return found


def _two_workers(pid: int, gone: int | None = None) -> set[int] | None:
    """The two workers under ``pid`` once there are two (and ``gone`` is not one of them), else None."""
    found = _workers(pid)
    return found if len(found) == 2 and gone not in found else None


def _request_count(base: str, route: str) -> float:
    """The summed ``_count`` of the HTTP latency histogram for ``route`` in one scrape of /metrics."""
    text = httpx.get(f"{base}/metrics").text
    pattern = re.compile(
        rf'^media_pipeline_http_request_duration_seconds_count\{{[^}}]*route="{route}"[^}}]*\}} (\S+)$'
    )
    return sum(float(found.group(1)) for line in text.splitlines() if (found := pattern.match(line)))


def test_api_workers_share_the_port_sum_their_metrics_and_a_killed_worker_is_replaced(
    sqlite_template: Path, tmp_path: Path
) -> None:
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "histogram_1.db").write_bytes(b"left by an earlier run")  # emptied at start
    env = {**_api_env(sqlite_template, tmp_path, port), MULTIPROC_ENV: str(metrics_dir)}
    argv = [sys.executable, "-m", "media_pipeline.cli", "api", "--workers", "2"]
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {mint_token('u', 'ws', Settings(jwt_secret=SECRET))}"}
    process = subprocess.Popen(argv, env=env, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(lambda: serves(f"{base}/health"), timeout=START_TIMEOUT_S, what="the API", process=process)
        workers = wait_for(
            lambda: _two_workers(process.pid),
            timeout=START_TIMEOUT_S,
            what="two workers",
            process=process,
        )
        for _ in range(20):  # a new connection each: the workers accept from one socket
            assert httpx.get(f"{base}/api/queue", headers=headers).status_code == 200
        assert _request_count(base, "/api/queue") == 20  # every worker's requests, whichever one answers
        assert not (metrics_dir / "histogram_1.db").exists()

        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        replaced = wait_for(
            lambda: _two_workers(process.pid, gone=victim),
            timeout=START_TIMEOUT_S,
            what="the killed worker's replacement",
            process=process,
        )
        wait_for(lambda: serves(f"{base}/health"), timeout=START_TIMEOUT_S, what="the API", process=process)
        for _ in range(5):
            assert httpx.get(f"{base}/api/queue", headers=headers).status_code == 200
        assert _request_count(base, "/api/queue") == 25  # the killed worker's requests are still counted
    finally:
        process.terminate()
        process.wait(START_TIMEOUT_S)
    assert process.returncode == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in replaced)  # the workers ended with it


_GAUGE_CHILD = (
    "import sys; from prometheus_client import Gauge; "
    "Gauge('clients', 'c', multiprocess_mode='livesum').set(3); print('set', flush=True); sys.stdin.read()"
)


def test_a_dead_workers_live_gauges_leave_the_sum(tmp_path: Path) -> None:
    env = {**os.environ, MULTIPROC_ENV: str(tmp_path)}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _GAUGE_CHILD], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        for _ in range(2)
    ]
    for child in children:
        assert child.stdout is not None and child.stdout.readline() == b"set\n"
    dead, alive = children
    dead.kill()
    dead.wait()
    try:
        forget_dead_workers(tmp_path)
        assert sorted(path.name for path in tmp_path.glob("gauge_live*.db")) == [
            f"gauge_livesum_{alive.pid}.db"
        ]
    finally:
        alive.communicate(b"")
