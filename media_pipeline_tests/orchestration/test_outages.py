"""Outages survived through a real dagster-daemon (docs/ARCHITECTURE.md, liveness: outages): PostgreSQL (app
DB and Dagster instance) restarted mid-batch, after which every task publishes once; a full work disk fails
the stage attempt with a clear error naming the disk and publishes nothing half-written, and the retry
succeeds once space is freed."""

from __future__ import annotations

import errno
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from media_pipeline.store import TaskService, upgrade_db
from media_pipeline_tests.orchestration.daemon import (
    OWNER,
    SMALL,
    app_db_url,
    make_home,
    prepared_home,
    queue_assets,
    running_daemon,
    use_postgres,
    wait_for,
)
from media_pipeline_tests.orchestration.run_support import assert_published_once, finished, stage_state
from media_pipeline_tests.pgserver import pg_server

pytestmark = pytest.mark.slow


@contextmanager
def small_tmpfs(mount_point: Path, size_mb: int) -> Iterator[Path]:
    """A tmpfs of ``size_mb`` MiB mounted at ``mount_point`` (needs root); skips the test if it cannot."""
    mount_point.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0755", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        reason = mounted.stderr.strip()
        pytest.skip(f"cannot mount a tmpfs as the work dir (needs root/CAP_SYS_ADMIN): {reason}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(folder: Path) -> Path:
    """Write a file into ``folder`` until its file system is full; returns it."""
    filler = folder / "filler.bin"
    chunk = b"\0" * (256 * 1024)
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(chunk)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    with filler.open("ab", buffering=0) as handle:  # the last partial chunk: fill to the last byte
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def test_a_full_work_disk_fails_the_attempt_clearly_and_the_retry_succeeds_once_space_is_freed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    with small_tmpfs(tmp_path / "work", size_mb=24) as work:
        home = prepared_home("sqlite", tmp_path, monkeypatch, request, MEDIA_PIPELINE_STORAGE_ROOT=str(work))
        url = app_db_url(home)
        [task_id] = queue_assets(home, ["disk"], SMALL)
        tasks = TaskService(url, OWNER, settings=home.settings())
        with running_daemon(home):
            wait_for(
                lambda: stage_state(tasks, task_id, "images").status == "completed",
                timeout=180,
                interval=0.05,
                what="the images (the video stage is next)",
            )
            filler = fill(work)
            [retry] = wait_for(
                lambda: tasks.logs(task_id, action="retry"), timeout=120, what="the video attempt to fail"
            )
            error = stage_state(tasks, task_id, "video").error or ""  # the attempt's last_error
            task_folder = work / "tasks" / task_id
            assert not (task_folder / "output.mp4").exists()
            assert not list((work / "published").glob(f"{task_id}/*"))
            assert [p for p in work.rglob("*") if ".tmp" in p.name] == []
            filler.unlink()
            wait_for(
                lambda: tasks.get(task_id).status == "succeeded", timeout=120, what="the retry to publish"
            )
        assert_published_once(home, tasks, task_id, height=240, fps=10, storage=work)

    assert retry.stage == "video" and retry.metadata["delaySeconds"] == 5
    assert error.startswith(f"the work disk is full: no space left on the file system of {work}"), error
    assert retry.message == error


PG_DOWN_S = 10
FAST_RESCUE = {"MEDIA_PIPELINE_HEARTBEAT_INTERVAL_S": "2", "MEDIA_PIPELINE_HEARTBEAT_TIMEOUT_S": "20"}
"""A run whose worker died with the databases is rescued within 20 s of their return (45 s by default)."""


@pytest.mark.postgres
def test_postgres_restarted_mid_batch_the_daemon_recovers_and_every_task_publishes_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.environ.get("MEDIA_PIPELINE_TEST_SKIP_PG") == "1":
        pytest.skip("MEDIA_PIPELINE_TEST_SKIP_PG=1")
    with pg_server() as server:  # its own server: this test stops it
        home = make_home(tmp_path, **FAST_RESCUE)
        use_postgres(home, server.create_database("app"), server.create_database("dagster"))
        monkeypatch.setenv("DAGSTER_HOME", str(home.dagster_home))
        url = app_db_url(home)
        upgrade_db(url)
        ids = queue_assets(home, ["a", "b"], SMALL)
        tasks = TaskService(url, OWNER, settings=home.settings())
        with running_daemon(home) as daemon:
            wait_for(
                lambda: stage_state(tasks, ids[0], "images").status in ("processing", "completed"),
                timeout=180,
                what="the batch to be under way",
            )
            server.shut_down()  # both databases: the app DB and the Dagster instance
            time.sleep(PG_DOWN_S)  # the outage itself (not a wait for an event)
            server.resume()
            resumed_at = time.monotonic()
            wait_for(lambda: finished(tasks, ids), timeout=240, what="every task to finish")
            recovered_s = time.monotonic() - resumed_at
            assert daemon.poll() is None  # the daemon lived through it
        for task_id in ids:
            assert_published_once(home, tasks, task_id, height=240, fps=10)
        retries = [
            f"{log.stage}: {log.message[:120]}"
            for task_id in ids
            for log in tasks.logs(task_id, action="retry")
        ]
        print(f"\nPostgreSQL back -> batch published in {recovered_s:.0f} s; retries: {retries}")
