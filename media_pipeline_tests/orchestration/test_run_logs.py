"""A run worker's log lines are JSON with the run's ids (issue 24 item 7, seed 004 §8): a real task through
``dagster-daemon``; the run workers' stderr (inherited from the daemon, kept in its log file) is parsed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from media_pipeline.logcontext import FIELDS
from media_pipeline_tests.orchestration.daemon import OWNER, prepared_home, running_daemon
from media_pipeline_tests.orchestration.run_support import one_small_task, task_ended

pytestmark = pytest.mark.slow

STAGES = ("script", "images", "video", "thumbnail", "youtube_video")


def _json_lines(log: Path) -> list[dict]:
    lines = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("logger", "").startswith("media_pipeline"):
                lines.append(entry)
    return lines


def test_run_worker_log_lines_carry_the_video_job_and_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    home = prepared_home("sqlite", tmp_path, monkeypatch, request)
    task_id, tasks = one_small_task(home)

    with running_daemon(home) as daemon:
        task = task_ended(tasks, task_id, daemon, timeout=300)
    assert task.status == "succeeded", task.last_error

    lines = _json_lines(home.log)
    stage_lines = [line for line in lines if line["logger"] == "media_pipeline.orchestration.stage_run"]
    for stage in STAGES:  # every stage's run worker wrote its start and end as JSON lines
        assert any(line["message"].startswith(f"{stage} started") for line in stage_lines), stage
        assert any(line["message"].startswith(f"{stage} done in") for line in stage_lines), stage
    assert lines and all(set(FIELDS) <= set(line) for line in lines)
    ids = (task_id, f"{task_id}-g1", OWNER.user_id)
    assert [line for line in lines if (line["videoId"], line["jobId"], line["userId"]) != ids] == []
    assert {line["requestId"] for line in lines} == {None}  # a run has no request
