"""Seed 002 §5's front-end JavaScript, run by Node 20 against the live server: create a render job, follow
it over the WebSocket to SUCCEEDED, then read the published assets.

The script is the seed's (``js/seed002_flow.mjs``, authorization added); ``js/browser_page.mjs`` stands in
for the page it runs in. The seed's sample ids ``video-001``/``script-001`` are bound to a real video.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from media_pipeline.store import Owner, PipelineState, TaskService
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.api.support import add_jobs, produce

JS = Path(__file__).parent / "js"
NODE_TIMEOUT_S = 60.0
DEADLINE_S = 30.0


def _node() -> str:
    """The node binary (Node >= 20: ``--experimental-websocket``)."""
    node = shutil.which("node")
    assert node, "Node.js >= 20 is required (scripts/install-system-deps.sh --postgres installs it)"
    major = int(subprocess.run([node, "--version"], capture_output=True, text=True).stdout[1:].split(".")[0])
    assert major >= 20, f"Node.js >= 20 is required, found {major}"
    return node


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _worker(
    api: LiveApi, pipeline: PipelineState, tasks: TaskService, task_id: str, errors: list[BaseException]
) -> None:
    """Plays the pipeline: once the job exists and a client follows it, runs its stages."""
    try:
        _wait_for(lambda: tasks.get(task_id).generation == 1, "the render job")
        _wait_for(lambda: api.app.state.context.hub.followed_count() > 0, "the progress socket")
        produce(api.settings, pipeline, task_id)
    except BaseException as exc:  # reported by the test
        errors.append(exc)


def test_seed_002_frontend_flow(
    api: LiveApi, client: httpx.Client, owner: Owner, pipeline: PipelineState, tmp_path: Path
) -> None:
    node = _node()
    (video,) = add_jobs(client, ["a"])["jobs"]
    script = (JS / "seed002_flow.mjs").read_text()
    flow = tmp_path / "flow.mjs"
    flow.write_text(script.replace("video-001", video["id"]).replace("script-001", video["scriptId"]))
    errors: list[BaseException] = []
    tasks = TaskService(pipeline.engine, owner, settings=api.settings)
    worker = threading.Thread(target=_worker, args=(api, pipeline, tasks, video["id"], errors), daemon=True)
    worker.start()
    env = {"PATH": os.environ["PATH"], "PAGE_ORIGIN": api.base_url, "TOKEN": api.token(owner)}
    command = [
        node,
        "--experimental-websocket",
        "--no-warnings",
        "--import",
        (JS / "browser_page.mjs").as_uri(),
    ]
    done = subprocess.run(
        [*command, str(flow)], env=env, capture_output=True, text=True, timeout=NODE_TIMEOUT_S
    )
    worker.join(DEADLINE_S)
    assert not errors, errors
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Progress: undefined% - Connected to render progress stream"
    percents = [int(match.group(1)) for line in lines if (match := re.match(r"Progress: (\d+)% - ", line))]
    assert percents == sorted(percents) and percents[-1] == 100
    assert lines[-2] == "Progress: 100% - succeeded"
    match = re.fullmatch(r"Video URL: (/api/v2/videos/\S+)", lines[-1])
    assert match, lines
    assert client.get(match.group(1)).content == b"video of generation 1"
    job = client.get(f"/api/v2/videos/{video['id']}/render-jobs/{video['id']}-g1").json()
    assert (job["status"], job["progress"]) == ("SUCCEEDED", 100)
