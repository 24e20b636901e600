"""`media-pipeline backup` / `restore`: a populated system is backed up, wiped, restored and found whole, on
SQLite + local storage and on PostgreSQL (pg_dump/pg_restore of the test server) + S3 (moto server)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from media_pipeline.cli import main
from media_pipeline.settings import Settings
from media_pipeline.storage import Storage, open_storage
from media_pipeline.store import Owner, PipelineState, QueueService, ScheduleService, TaskService, upgrade_db
from media_pipeline.store.credits import CreditAdmin, CreditService
from media_pipeline.store.db import resolve_engine
from media_pipeline_tests.conftest import EntryPointEnv
from media_pipeline_tests.store.support import finish_stages

OWNER = Owner(user_id="u1", workspace_id="w1")
PAYLOADS = {"story.json": b'{"title": "x"}', "output.mp4": bytes(range(256)) * 4096}


@dataclass
class Target:
    """One system under test: app DB, storage, where pg_dump lives and how to wipe the database."""

    db_url: str
    settings: Settings
    storage: Storage
    pg_args: list[str]
    wipe_db: Callable[[], None]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path: Path, entry_point_env: EntryPointEnv) -> Target:
    """SQLite + local storage, or PostgreSQL + an S3 bucket; the CLI's settings point at it."""
    if request.param == "sqlite":
        path = tmp_path / "app.db"
        db_url, pg_args = f"sqlite:///{path}", []
        storage_url = str(tmp_path / "storage")

        def wipe_db() -> None:
            resolve_engine(db_url).dispose()
            path.unlink()
            upgrade_db(db_url)

    else:
        server = request.getfixturevalue("postgres_server")
        name = f"backup_{tmp_path.name.replace('-', '_').lower()}"
        db_url, pg_args = server.create_database(name), ["--pg-bindir", str(server.bindir)]
        storage_url = f"s3://{request.getfixturevalue('s3_bucket')}/media"

        def wipe_db() -> None:
            resolve_engine(db_url).dispose()
            server.drop_database(name)
            server.create_database(name)
            upgrade_db(db_url)

    settings = entry_point_env.set(storage_url=storage_url, app_db_url=db_url)  # what the commands read
    upgrade_db(db_url)
    return Target(db_url, settings, open_storage(settings), pg_args, wipe_db)


def _populate(target: Target, scratch: Path) -> list[str]:
    """Tasks in four states (scheduled, succeeded, queued, draft), a weekly repeat, ledger entries and
    two files per task and a music track; returns the task ids."""
    CreditAdmin(target.db_url).grant(OWNER.workspace_id, 40, note="welcome")
    CreditAdmin(target.db_url).grant(OWNER.workspace_id, 2, note="bonus")
    queue = QueueService(target.db_url, OWNER, settings=target.settings)
    added = queue.add_assets(["a0", "a1", "a2"], None, queue.get_or_create_default_queue().version)
    scheduled, done, _ = added.created_ids
    schedules = ScheduleService(target.db_url, OWNER)
    schedules.create(scheduled, schedules.now() + timedelta(days=1), repeat="weekly", time_zone="Asia/Seoul")
    queue.run(queue.get_or_create_default_queue().version)
    finish_stages(PipelineState(target.db_url), done)
    draft = queue.add_assets(["draft"], None, queue.get_or_create_default_queue().version).created_ids
    task_ids = [*added.created_ids, *draft]
    for task_id in task_ids:
        for name, payload in PAYLOADS.items():
            local = scratch / task_id / name
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(payload + task_id.encode())
            target.storage.upload(local, f"tasks/{task_id}/{name}")
    track = scratch / "track.mp3"  # a music library track (docs/ARCHITECTURE.md §12)
    track.write_bytes(b"ID3 a track")
    target.storage.upload(track, f"music/{OWNER.workspace_id}/mus000000000001.mp3")
    return task_ids


def _system(target: Target, task_ids: list[str], scratch: Path) -> dict[str, Any]:
    """Everything compared before and after: tasks, schedules, ledger and file contents."""
    tasks = TaskService(target.db_url, OWNER, settings=target.settings)
    ledger, total = CreditService(target.db_url, OWNER).ledger()
    files = {}
    for key in _keys(target.storage):
        files[key] = target.storage.download(key, scratch / "read" / key).read_bytes()
    return {
        "tasks": [tasks.get(task_id).model_dump(mode="json") for task_id in task_ids],
        "schedules": [s.model_dump(mode="json") for s in ScheduleService(target.db_url, OWNER).list()],
        "ledger": ([entry.model_dump(mode="json") for entry in ledger], total),
        "files": files,
    }


def _keys(storage: Storage) -> list[str]:
    return storage.list_keys("tasks") + storage.list_keys("music")


def _wipe(target: Target) -> None:
    target.wipe_db()
    target.storage.delete(_keys(target.storage))


def test_backup_wipe_restore_finds_every_task_schedule_ledger_entry_and_file(
    target: Target, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    task_ids = _populate(target, tmp_path / "scratch")
    before = _system(target, task_ids, tmp_path / "before")
    assert {t["status"] for t in before["tasks"]} == {"scheduled", "succeeded", "queued", "draft"}
    assert len(before["schedules"]) == 1 and before["ledger"][1] == 2 and len(before["files"]) == 9

    dest = tmp_path / "backup"
    assert main(["backup", str(dest), *target.pg_args]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["files"] == 9 and summary["database"] in ("sqlite", "postgresql")
    manifest = json.loads((dest / "manifest.json").read_text())
    assert sorted(item["key"] for item in manifest["files"]) == sorted(before["files"])

    # a target that holds data is refused, and nothing changes
    assert main(["restore", str(dest), *target.pg_args]) == 2
    assert json.loads(capsys.readouterr().err)["code"] == "BACKUP_ERROR"

    _wipe(target)
    assert (
        TaskService(target.db_url, OWNER, settings=target.settings).list_tasks() == []
        and _keys(target.storage) == []
    )
    assert main(["restore", str(dest), *target.pg_args]) == 0
    assert _system(target, task_ids, tmp_path / "after") == before

    # --force restores over a system that has data (here: the restored one, changed since)
    CreditAdmin(target.db_url).grant(OWNER.workspace_id, 7, note="after the backup")
    assert main(["restore", str(dest), "--force", *target.pg_args]) == 0
    assert _system(target, task_ids, tmp_path / "forced") == before


def test_a_damaged_backup_is_refused_before_anything_changes(
    target: Target, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    task_ids = _populate(target, tmp_path / "scratch")
    dest = tmp_path / "backup"
    assert main(["backup", str(dest), *target.pg_args]) == 0
    damaged = tmp_path / "damaged"
    shutil.copytree(dest, damaged)
    victim = damaged / "files" / "tasks" / task_ids[0] / "output.mp4"
    victim.write_bytes(victim.read_bytes()[:-1] + b"!")
    _wipe(target)
    capsys.readouterr()

    assert main(["restore", str(damaged), *target.pg_args]) == 2
    error = json.loads(capsys.readouterr().err)
    assert error["code"] == "BACKUP_ERROR" and error["details"]["files"] == [
        f"tasks/{task_ids[0]}/output.mp4"
    ]
    assert (
        TaskService(target.db_url, OWNER, settings=target.settings).list_tasks() == []
        and _keys(target.storage) == []
    )
