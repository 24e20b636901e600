"""Integration: the queue drives real dagster-daemon runs (on spare run workers when one is loaded), one run
per stage at a time; stop ends one task."""

from __future__ import annotations

import itertools
import statistics
from pathlib import Path

import dagster as dg
import pytest

from media_pipeline.media.probe import check_video, summarize
from media_pipeline.orchestration.run_control import DagsterRunControl
from media_pipeline.orchestration.tags import STAGE_TAG, TASK_TAG, WORKER_TAG
from media_pipeline.store import PipelineState, TaskService
from media_pipeline_tests.orchestration.daemon import (
    OWNER,
    SMALL,
    app_db_url,
    ffmpeg_for,
    prepared_home,
    queue_assets,
    running_daemon,
)
from media_pipeline_tests.serving import wait_for
from media_pipeline_tests.store.support import stage_state

pytestmark = pytest.mark.slow

STAGES = ["script", "images", "video", "thumbnail", "youtube_video"]


def _stage_runs(instance: dg.DagsterInstance) -> list[dg.RunRecord]:
    return [r for r in instance.get_run_records() if STAGE_TAG in r.dagster_run.tags]


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_queued_batch_flows_stage_by_stage_without_overlap(
    backend: str, tmp_path: Path, monkeypatch, request: pytest.FixtureRequest
) -> None:
    home = prepared_home(backend, tmp_path, monkeypatch, request)
    url = app_db_url(home)
    task_ids = queue_assets(home, ["a1", "a2", "a3"], SMALL)
    tasks = TaskService(url, OWNER, settings=home.settings())

    with running_daemon(home):
        finished = wait_for(
            lambda: (
                (rows := [tasks.get(t) for t in task_ids])
                and all(r.status in ("succeeded", "failed", "canceled") for r in rows)
                and rows
            ),
            timeout=420,
            what="all tasks to finish",
        )
        assert [r.status for r in finished] == ["succeeded"] * 3, [r.last_error for r in finished]
        # a task succeeds when its last stage reports; its Dagster run ends a moment later
        instance = dg.DagsterInstance.get()
        records = wait_for(
            lambda: (runs := _stage_runs(instance)) and all(r.dagster_run.is_finished for r in runs) and runs,
            timeout=60,
            what="all stage runs to end",
        )
    assert len(records) == 15 and all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in records)
    # the first run starts the launcher's spare worker; later runs are handed to spares when one is loaded
    assert WORKER_TAG not in records[-1].dagster_run.tags  # get_run_records: newest first
    assert any(WORKER_TAG in r.dagster_run.tags for r in records)
    for stage in STAGES:
        spans = sorted((r.start_time, r.end_time) for r in records if r.dagster_run.tags[STAGE_TAG] == stage)
        assert len(spans) == 3
        for (_, previous_end), (next_start, _) in itertools.pairwise(spans):
            assert next_start >= previous_end, f"two {stage} runs overlapped"

    handoffs = []
    for task_id in task_ids:
        by_stage = {
            r.dagster_run.tags[STAGE_TAG]: r for r in records if r.dagster_run.tags[TASK_TAG] == task_id
        }
        for upstream, downstream in itertools.pairwise(STAGES):
            handoffs.append(by_stage[downstream].start_time - by_stage[upstream].end_time)
        video = home.data_dir / "storage" / tasks.contents(task_id, kind="video")[0].path
        assert check_video(summarize(video), width=134, height=240, fps=10) == []
    print(f"{backend}: stage handoff (run end -> next run start): median {statistics.median(handoffs):.2f}s")


def test_stop_terminates_only_that_tasks_run_and_its_processes(
    tmp_path: Path, monkeypatch, request: pytest.FixtureRequest
) -> None:
    home = prepared_home("sqlite", tmp_path, monkeypatch, request)
    url = app_db_url(home)
    long_options = {**SMALL, "targetDurationS": 120, "renderHeight": 720, "fps": 30, "imageCount": 4}
    [long_task] = queue_assets(home, ["long"], long_options)
    state, tasks = PipelineState(url), TaskService(url, OWNER, settings=home.settings())

    with running_daemon(home):
        wait_for(
            lambda: (p := tasks.progress(long_task)).step == "video" and "rendering" in (p.message or ""),
            timeout=240,
            what="the long task to start rendering",
        )
        video_state = stage_state(state.engine, long_task, 1, "video")
        instance = dg.DagsterInstance.get()
        result = tasks.stop(long_task, DagsterRunControl(instance))
        assert result.terminated_run_ids == [video_state.run_id]
        wait_for(
            lambda: instance.get_run_by_id(video_state.run_id).status == dg.DagsterRunStatus.CANCELED,
            timeout=60,
            what="the video run to be canceled",
        )
        wait_for(lambda: not ffmpeg_for(home.data_dir), timeout=15, what="the run's ffmpeg processes to end")
        [other] = queue_assets(home, ["after-stop"], SMALL)
        wait_for(lambda: tasks.get(other).status == "succeeded", timeout=240, what="the next task to succeed")

    assert tasks.get(long_task).status == "canceled"
    assert not (home.data_dir / "storage" / "tasks" / long_task / "output.mp4").exists()
    assert [entry.action_type for entry in tasks.logs(long_task, action="stop")] == ["stop"]
