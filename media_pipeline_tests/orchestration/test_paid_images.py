"""The images stage with a paid source against a loopback fake that bills delivered images: resume after a
killed worker, one failed image among good ones, graceful and hard stop (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import dagster as dg
import pytest
from PIL import Image

from media_pipeline.domain.statuses import ImageStatus
from media_pipeline.errors import PermanentError, TransientError
from media_pipeline.orchestration.assets import ASSETS
from media_pipeline.orchestration.paid_images import ImagesStopped
from media_pipeline.orchestration.partitions import task_partitions
from media_pipeline.orchestration.resources import build_resources
from media_pipeline.orchestration.tags import GENERATION_TAG
from media_pipeline.settings import Settings
from media_pipeline.store import Owner, PipelineState, TaskStatus
from media_pipeline.store.credit_models import Charge, LedgerKind
from media_pipeline.store.credits import CreditService
from media_pipeline.store.image_jobs import ImageWork
from media_pipeline.store.render_jobs import render_job_id
from media_pipeline.store.views import ImageJobView
from media_pipeline.usecases import UseCases
from media_pipeline_tests.conftest import EntryPointEnv
from media_pipeline_tests.orchestration.paid_support import make_images, paid_settings, queue_paid_task
from media_pipeline_tests.providers.fake_images import PaidImagesFake, openai_error
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.store.support import finish_stages

ROOT = Path(__file__).resolve().parents[2]


def _status(db_url: str, task_id: str, generation: int = 1) -> ImageJobView:
    return ImageWork(db_url).status(task_id, generation)


def _statuses(job: ImageJobView) -> list[ImageStatus]:
    return [image.status for image in job.tasks]


def _ledger(db_url: str, owner: Owner, settings: Settings) -> Counter[LedgerKind]:
    entries, _ = CreditService(db_url, owner).ledger(1000)
    return Counter(entry.kind for entry in entries)


def _balance(db_url: str, owner: Owner, settings: Settings) -> int:
    return CreditService(db_url, owner).balance().balance


def _start_images_stage(db_url: str, settings: Settings, task_id: str) -> PipelineState:
    state = PipelineState(db_url)
    finish_stages(state, task_id, ["script"])
    assert state.stage_started(task_id, 1, "images", "run-images", os.getpid())
    return state


def test_worker_killed_after_image_3_of_5_resumes_at_image_4(
    db_url: str, owner: Owner, tmp_path: Path
) -> None:
    fake = PaidImagesFake(hold_call=4)
    with FakeServer(fake) as server:
        settings = paid_settings(tmp_path, server.base_url)
        task_id = queue_paid_task(db_url, owner, settings, credits=7)
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "media_pipeline_tests.orchestration.paid_images_child",
                db_url,
                str(tmp_path),
                server.base_url,
                task_id,
            ],
            cwd=ROOT,
            start_new_session=True,
        )
        try:
            assert fake.held.wait(60), "the worker never asked for image 4"
            assert _statuses(_status(db_url, task_id)) == [ImageStatus.COMPLETED] * 3 + [
                ImageStatus.PROCESSING,
                ImageStatus.PENDING,
            ]
            os.killpg(child.pid, signal.SIGKILL)  # the worker dies while image 4 is being generated
            assert child.wait(30) == -signal.SIGKILL
        finally:
            fake.release(deliver=False)  # the killed worker never receives image 4: not paid
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait(30)
        paths = make_images(db_url, settings, task_id)  # the retry (a new worker)

    assert fake.paid == [0, 1, 2, 3, 4]  # exactly 5 paid provider calls: image 4 onwards were redone
    job = _status(db_url, task_id)
    assert _statuses(job) == [ImageStatus.COMPLETED] * 5
    assert [image.attempts for image in job.tasks] == [1, 1, 1, 2, 1]
    assert job.credits_consumed == 5 and job.credits_reserved == 0 and job.credits_refunded == 0
    assert _balance(db_url, owner, settings) == 2
    assert _ledger(db_url, owner, settings) == Counter(
        {LedgerKind.GRANT: 1, LedgerKind.RESERVE: 5, LedgerKind.CONSUME: 5}
    )
    for path, image in zip(paths, job.tasks, strict=True):
        assert image.output_key == f"tasks/{task_id}/{path.name}"
        with Image.open(path) as img:
            assert img.format == "PNG" and img.size == (180, 320)


def test_a_permanently_failed_image_is_refunded_and_the_others_kept(
    db_url: str, owner: Owner, tmp_path: Path
) -> None:
    fake = PaidImagesFake(failures={2: openai_error(400, "Your request was rejected by the safety system")})
    with FakeServer(fake) as server:
        settings = paid_settings(tmp_path, server.base_url)
        task_id = queue_paid_task(db_url, owner, settings, credits=5)
        state = _start_images_stage(db_url, settings, task_id)
        with pytest.raises(PermanentError, match="1 of 5 images failed") as info:
            make_images(db_url, settings, task_id)
        state.stage_failed(task_id, 1, "images", "run-images", str(info.value), transient=False)

        job = _status(db_url, task_id)
        assert fake.paid == [0, 1, 3, 4]
        assert (
            _statuses(job) == [ImageStatus.COMPLETED] * 2 + [ImageStatus.FAILED] + [ImageStatus.COMPLETED] * 2
        )
        assert "safety system" in (job.tasks[2].error or "")
        assert [image.charge for image in job.tasks] == [Charge.CONSUMED] * 2 + [Charge.REFUNDED] + [
            Charge.CONSUMED
        ] * 2
        assert _balance(db_url, owner, settings) == 1  # 5 granted, 4 images made
        usecases = UseCases(db_url, owner, settings=settings)
        assert usecases.tasks.get(task_id).status is TaskStatus.FAILED

        # a manual retry reserves and makes only the failed image
        fake.failures.clear()
        assert usecases.retry(task_id).status is TaskStatus.QUEUED
        assert _balance(db_url, owner, settings) == 0
        make_images(db_url, settings, task_id)
    assert fake.paid == [0, 1, 3, 4, 2]
    assert _statuses(_status(db_url, task_id)) == [ImageStatus.COMPLETED] * 5
    assert _ledger(db_url, owner, settings) == Counter(
        {LedgerKind.GRANT: 1, LedgerKind.RESERVE: 6, LedgerKind.CONSUME: 5, LedgerKind.REFUND: 1}
    )


def test_a_transient_failure_fails_the_stage_and_the_retry_redoes_only_that_image(
    db_url: str, owner: Owner, tmp_path: Path
) -> None:
    fake = PaidImagesFake(failures={1: openai_error(503, "overloaded")})
    with FakeServer(fake) as server:
        settings = paid_settings(tmp_path, server.base_url)
        task_id = queue_paid_task(db_url, owner, settings, credits=5)
        with pytest.raises(TransientError, match="1 of 5 images failed"):
            make_images(db_url, settings, task_id)
        job = _status(db_url, task_id)
        assert job.tasks[1].status is ImageStatus.FAILED and job.tasks[1].charge is Charge.RESERVED
        assert fake.paid == [0, 2, 3, 4]
        fake.failures.clear()
        make_images(db_url, settings, task_id)
    assert fake.paid == [0, 2, 3, 4, 1]
    assert _status(db_url, task_id).credits_consumed == 5
    assert _balance(db_url, owner, settings) == 0


def _run_in_thread(db_url: str, settings: Settings, task_id: str) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def work() -> None:
        try:
            outcome.append(make_images(db_url, settings, task_id))
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread, outcome


def test_graceful_stop_during_image_2_of_5_completes_it_and_refunds_3(
    db_url: str, owner: Owner, tmp_path: Path
) -> None:
    fake = PaidImagesFake(hold_call=2)
    with FakeServer(fake) as server:
        settings = paid_settings(tmp_path, server.base_url)
        task_id = queue_paid_task(db_url, owner, settings, credits=5)
        _start_images_stage(db_url, settings, task_id)
        thread, outcome = _run_in_thread(db_url, settings, task_id)
        assert fake.held.wait(60)
        usecases = UseCases(db_url, owner, settings=settings)
        job = usecases.stop_after_current_image(task_id, render_job_id(task_id, 1))
        assert job.status is TaskStatus.RUNNING  # still making image 2
        assert _statuses(_status(db_url, task_id)) == [
            ImageStatus.COMPLETED,
            ImageStatus.PROCESSING,
            *[ImageStatus.CANCELED] * 3,
        ]
        assert _balance(db_url, owner, settings) == 3  # the 3 images not started are refunded at once
        fake.release()
        thread.join(60)
    assert not thread.is_alive() and isinstance(outcome[0], ImagesStopped)
    assert fake.paid == [0, 1]
    job = _status(db_url, task_id)
    assert _statuses(job) == [ImageStatus.COMPLETED] * 2 + [ImageStatus.CANCELED] * 3
    assert (job.credits_consumed, job.credits_refunded, job.credits_reserved) == (2, 3, 0)
    task = usecases.tasks.get(task_id)
    assert task.status is TaskStatus.CANCELED and task.message == "stopped after the current image"
    assert _ledger(db_url, owner, settings) == Counter(
        {LedgerKind.GRANT: 1, LedgerKind.RESERVE: 5, LedgerKind.CONSUME: 2, LedgerKind.REFUND: 3}
    )


def test_hard_stop_refunds_the_image_in_flight_too(db_url: str, owner: Owner, tmp_path: Path) -> None:
    fake = PaidImagesFake(hold_call=2)
    with FakeServer(fake) as server:
        settings = paid_settings(tmp_path, server.base_url)
        task_id = queue_paid_task(db_url, owner, settings, credits=5)
        _start_images_stage(db_url, settings, task_id)
        thread, outcome = _run_in_thread(db_url, settings, task_id)
        assert fake.held.wait(60)
        usecases = UseCases(db_url, owner, settings=settings)
        assert usecases.stop(task_id).task.status is TaskStatus.CANCELED
        assert _balance(db_url, owner, settings) == 4
        fake.release()  # the provider still delivers image 2, but the stop already refunded it
        thread.join(60)
    assert not thread.is_alive() and isinstance(outcome[0], ImagesStopped)
    job = _status(db_url, task_id)
    assert _statuses(job) == [ImageStatus.COMPLETED] + [ImageStatus.CANCELED] * 4
    assert (job.credits_consumed, job.credits_refunded) == (1, 4)
    assert _balance(db_url, owner, settings) == 4


def test_the_images_asset_makes_paid_images_one_record_at_a_time(
    db_url: str, owner: Owner, tmp_path: Path, entry_point_env: EntryPointEnv
) -> None:
    """The Dagster assets as the run workers execute them (generation tag: reports to the app DB)."""
    fake = PaidImagesFake(identify=lambda prompt: prompt)
    with FakeServer(fake) as server, dg.instance_for_test() as instance:
        settings = paid_settings(tmp_path, server.base_url).model_copy(update={"app_db_url": db_url})
        # the Dagster resources read the image source from the environment (their entry point)
        entry_point_env.set(
            images_base_url=f"{server.base_url}/v1", images_api_key="sk-test", credit_prices={"dalle3": 1}
        )
        task_id = queue_paid_task(db_url, owner, settings, credits=5)
        instance.add_dynamic_partitions(task_partitions.name, [task_id])
        result = dg.materialize(
            ASSETS,
            selection=["script", "images"],
            partition_key=task_id,
            instance=instance,
            resources=build_resources(settings),
            tags={GENERATION_TAG: "1"},
        )
    assert result.success
    job = _status(db_url, task_id)
    assert _statuses(job) == [ImageStatus.COMPLETED] * 5 and job.credits_consumed == 5
    assert sorted(fake.paid) == sorted(image.prompt for image in job.tasks) and len(set(fake.paid)) == 5
    progress = UseCases(db_url, owner, settings=settings).tasks.progress(task_id)
    assert {stage.stage: stage.status for stage in progress.stages}["images"] == "completed"
