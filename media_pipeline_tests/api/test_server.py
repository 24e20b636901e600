"""``media-pipeline api``: a separate process configured by MEDIA_PIPELINE_* variables,
answering on api_host:api_port with JSON log lines carrying request ids."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from media_pipeline.settings import Settings
from media_pipeline.usecases_tokens import mint_token
from media_pipeline_tests.net import free_port
from media_pipeline_tests.serving import serves, wait_for

START_TIMEOUT_S = 30.0
SECRET = "server-test-secret-0123456789abcdef"


def test_serve_runs_the_api_from_environment_settings(sqlite_template: Path, tmp_path: Path) -> None:
    shutil.copyfile(sqlite_template, tmp_path / "app.db")
    port = free_port()
    env = {
        **os.environ,
        "MEDIA_PIPELINE_DATA_DIR": str(tmp_path),
        "MEDIA_PIPELINE_API_HOST": "127.0.0.1",
        "MEDIA_PIPELINE_API_PORT": str(port),
        "MEDIA_PIPELINE_JWT_SECRET": SECRET,
    }
    env.pop("DAGSTER_HOME", None)
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
