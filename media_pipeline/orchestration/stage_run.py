"""Context for one stage execution: loads the task, reports start/progress/completion/failure, and gives
the stage its workspace (stateless run workers: see media_pipeline/storage/workspace.py).

Runs launched by the queue sensors carry a generation tag and report to the app DB; runs started by the
Python API (``materialize``) have no such tag and only read the task snapshot from ``task.json``.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg

from media_pipeline.domain import Stage, TaskPaths, TaskSpec
from media_pipeline.liveness import moved
from media_pipeline.logcontext import add_log_fields, log_context
from media_pipeline.logjson import json_lines_to_stderr
from media_pipeline.orchestration.heartbeat import heartbeat
from media_pipeline.orchestration.metadata import file_metadata
from media_pipeline.orchestration.resources import AppDbResource, StorageResource
from media_pipeline.orchestration.tags import ATTEMPT_TAG, GENERATION_TAG
from media_pipeline.orchestration.task_files import prepare_generation
from media_pipeline.retry_policy import Verdict, classify, is_disk_full
from media_pipeline.storage.workspace import TaskWorkspace, task_workspace
from media_pipeline.store.render_jobs import render_job_id

if TYPE_CHECKING:
    from media_pipeline.store.pipeline_state import ContentRecord, PipelineState

log = logging.getLogger(__name__)


def say(context: dg.AssetExecutionContext, message: str) -> None:
    """``message`` to the run's Dagster log (the UI) and to this module's logger: a JSON line on the run
    worker's stderr with the run's ``videoId`` and ``jobId`` (docs/ARCHITECTURE.md §11)."""
    context.log.info(message)
    log.info(message)


@dataclass
class StageRun:
    """What an asset needs while it runs: the task, its workspace (local paths, fetch/publish) and a
    progress reporter."""

    context: dg.AssetExecutionContext
    stage: str
    spec: TaskSpec
    work: TaskWorkspace
    state: PipelineState | None
    attempt: int | None = None
    contents: list[ContentRecord] = field(default_factory=list)
    _last_logged: float = -100.0

    def progress(self, percent: float, message: str = "") -> None:
        """Report progress (0-100) to the app DB and, every 10 points, to the Dagster log; each report is
        a move of the worker's liveness mark (an image done, a render step)."""
        moved(f"{self.stage} {percent:.0f}% {message}".rstrip())
        if self.state is not None:
            self.state.stage_progress(self.spec.task_id, self.spec.generation, self.stage, percent, message)
        if percent >= 100 or percent - self._last_logged >= 10:
            self._last_logged = percent
            say(self.context, f"{self.stage}: {percent:.0f}% {message}".rstrip())

    @property
    def paths(self) -> TaskPaths:
        """Local paths of the task's files in this run's workspace."""
        return self.work.paths

    def location(self, path: Path) -> str:
        """Where a file of this run's workspace is stored (``file://`` or ``s3://``)."""
        return self.work.storage.uri(self.work.key(path))

    def file_metadata(self, path: Path) -> dict[str, dg.MetadataValue]:
        """Stored location and size of ``path`` (a file of this run's workspace)."""
        return file_metadata(path, self.location(path))

    def add_content(
        self, kind: str, path: Path, url: str | None = None, metadata: dict[str, Any] | None = None
    ) -> None:
        """Record a produced file by its storage key (stored in the app DB ``contents`` table on
        completion)."""
        from media_pipeline.store.pipeline_state import ContentRecord

        record = ContentRecord(kind=kind, path=self.work.key(path), url=url, metadata=metadata or {})
        self.contents.append(record)


@contextmanager
def stage_run(
    context: dg.AssetExecutionContext, storage: StorageResource, app_db: AppDbResource, stage: Stage
) -> Iterator[StageRun]:
    """Open a stage: report start, yield the run, then report completion, failure or cancellation."""
    task_id = context.partition_key
    store = storage.storage()
    generation_tag = context.run.tags.get(GENERATION_TAG)
    attempt_tag = context.run.tags.get(ATTEMPT_TAG)
    attempt = None if attempt_tag is None else int(attempt_tag)
    state = app_db.state() if generation_tag is not None else None
    json_lines_to_stderr()
    with ExitStack() as beating:
        job = {} if generation_tag is None else {"jobId": render_job_id(task_id, int(generation_tag))}
        beating.enter_context(log_context(videoId=task_id, **job))  # every log line of the run names them
        if state is not None:
            add_log_fields(userId=state.owner_id(task_id))
            spec = state.task_spec(task_id)
            if generation_tag != str(spec.generation):
                raise dg.Failure(f"run is for generation {generation_tag}, task is at {spec.generation}")
            if stage == Stage.SCRIPT:
                prepare_generation(store, spec)
            beating.enter_context(
                heartbeat(
                    app_db.heartbeats(),
                    (context.run.run_id, task_id, spec.generation, stage),
                    app_db.config.settings.heartbeat_interval_s,
                )
            )
            started = state.stage_started(
                task_id,
                spec.generation,
                stage,
                context.run.run_id,
                os.getpid(),
                attempt=attempt,
                process_name="dagster-run-worker",
            )
            if not started:
                # Stopped task, stale generation or attempt, stage done/running elsewhere, earlier stage open.
                raise dg.Failure(f"{stage} of task {task_id} (generation {spec.generation}) must not run now")
        else:
            spec = storage.read_spec(task_id)
        began = time.monotonic()
        log.info("%s started (attempt %s)", stage, attempt)
        with task_workspace(store, task_id, storage.scratch_dir()) as work:
            run = StageRun(context=context, stage=stage, spec=spec, work=work, state=state, attempt=attempt)
            try:
                yield run
            except (Exception, KeyboardInterrupt, dg.DagsterExecutionInterruptedError) as exc:
                log.warning("%s failed: %r", stage, exc)
                _report_failure(run, exc)
                raise
        say(context, f"{stage} done in {time.monotonic() - began:.2f}s")
        if state is not None:
            state.stage_completed(
                task_id, spec.generation, stage, context.run.run_id, run.contents, attempt=attempt
            )


def _report_failure(run: StageRun, exc: BaseException) -> None:
    """Record the failure in the app DB; a DB error here is logged, never hides the stage's own error."""
    if run.state is None:
        return
    try:
        _write_failure(run, run.state, exc)
    except Exception as report_error:
        run.context.log.error(f"could not record the {run.stage} failure in the app DB: {report_error!r}")


def _write_failure(run: StageRun, state: PipelineState, exc: BaseException) -> None:
    spec = run.spec
    if not isinstance(exc, Exception):
        state.stage_canceled(spec.task_id, spec.generation, run.stage, run.context.run.run_id)
        return
    verdict = _disk_full_verdict(run, exc) or classify(exc)
    state.stage_failed(
        spec.task_id,
        spec.generation,
        run.stage,
        run.context.run.run_id,
        verdict.message,
        transient=verdict.transient,
        retry_after_s=verdict.retry_after_s,
        attempt=run.attempt,
        counted=verdict.counted,
    )


LOW_SPACE_BYTES = 1024 * 1024
"""A failure while the work disk has less free space than this is taken for a full disk (a child process may
not say why it could not write)."""


def _disk_full_verdict(run: StageRun, exc: Exception) -> Verdict | None:
    """A transient verdict naming the work disk when it is full (docs/ARCHITECTURE.md, liveness: outages):
    the retry policy tries again, and succeeds once space is freed; None otherwise."""
    where = run.work.scratch or run.paths.root
    try:
        free = shutil.disk_usage(where).free
    except OSError:
        free = None
    if not is_disk_full(exc) and (free is None or free >= LOW_SPACE_BYTES):
        return None
    left = "unknown" if free is None else f"{free // 1024} KiB"
    message = f"the work disk is full: no space left on the file system of {where} ({left} free): {exc}"
    return Verdict(True, message)
