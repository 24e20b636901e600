"""Use cases: the commands that start, retry or stop work, shared by the HTTP API and the CLI.

Every command that queues work checks the one readiness rule first (docs/ARCHITECTURE.md §2):
the task storage is usable (endpoint reachable, bucket present, credentials accepted), the image source of
the task's ``mediaMode`` is configured on this server and, for ``upload``, the task has uploaded images;
the narration provider of its ``voice`` is configured. A refused command changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Protocol, TypeVar

from sqlalchemy import Engine

from media_pipeline.domain import MediaMode
from media_pipeline.domain.statuses import ACTIVE_STATUSES, OPEN_STATUSES, ScriptReview
from media_pipeline.errors import PermanentError
from media_pipeline.providers.image_sources import validate_image_source
from media_pipeline.providers.narrators import validate_voice
from media_pipeline.providers.token_cipher import token_cipher
from media_pipeline.providers.uploads import StoredUpload, UploadTooLargeError, has_uploads, store_media
from media_pipeline.providers.youtube_auth import authorize
from media_pipeline.review_flow import StoryboardReviews
from media_pipeline.settings import Settings
from media_pipeline.storage import SETTING, Storage, StorageConfigError, open_storage
from media_pipeline.storage.workspace import task_workspace
from media_pipeline.store import (
    ConflictError,
    NotFoundError,
    Owner,
    QueueService,
    RerunResult,
    RunControl,
    RunResult,
    ScheduleService,
    StopResult,
    TaskService,
    TaskStatus,
    TaskView,
    ValidationFailed,
)
from media_pipeline.store.clock import Clock
from media_pipeline.store.credits import CreditService, Pricing
from media_pipeline.store.errors import ScriptNotApproved
from media_pipeline.store.image_jobs import ImageJobService, ImageUrl
from media_pipeline.store.render_jobs import AssetUrl, RenderJobReader, asset_ref, render_job_id
from media_pipeline.store.reviews import ReviewService
from media_pipeline.store.user_contents import UserContentService
from media_pipeline.store.views import DeletedContentView, RenderJobView

VERSION_ATTEMPTS = 5
R = TypeVar("R")


class IncomingFile(Protocol):
    """What is needed of an uploaded file (Starlette's ``UploadFile``)."""

    filename: str | None
    size: int | None
    file: BinaryIO


def storage_problems(storage: Storage) -> list[dict[str, Any]]:
    """Why the task storage cannot take work (unreachable endpoint, missing bucket, rejected
    credentials; empty if it can)."""
    try:
        storage.check()
    except StorageConfigError as exc:
        return [{"field": SETTING, "message": str(exc), "type": "storage_unavailable"}]
    return []


def readiness_problems(task: TaskView, settings: Settings, storage: Storage) -> list[dict[str, Any]]:
    """Why ``task`` cannot run with this server's configuration (empty if it can)."""
    return [*_image_problems(task, settings, storage), *_voice_problems(task, settings)]


def _voice_problems(task: TaskView, settings: Settings) -> list[dict[str, Any]]:
    """The narration provider of the task's ``voice`` must be configured."""
    try:
        validate_voice(task.task_settings().voice_ref(settings.tts_provider), settings)
    except PermanentError as exc:
        return [{"field": "voice", "taskId": task.id, "message": str(exc), "type": "provider_not_configured"}]
    return []


def _image_problems(task: TaskView, settings: Settings, storage: Storage) -> list[dict[str, Any]]:
    """The image source of the task's ``mediaMode`` must be configured (and have uploads for ``upload``)."""
    mode = task.task_settings().media_mode
    field = {"field": "mediaMode", "taskId": task.id}
    try:
        validate_image_source(mode, settings)
    except PermanentError as exc:
        return [{**field, "message": str(exc), "type": "provider_not_configured"}]
    if mode is MediaMode.UPLOAD and not has_uploads(storage, task.id):
        return [{**field, "message": "upload at least one image first", "type": "uploads_missing"}]
    return []


def check_ready(tasks: Sequence[TaskView], settings: Settings, storage: Storage) -> None:
    """ValidationFailed listing every task that cannot run as configured (the storage first: if it is
    unusable no task can run)."""
    errors = storage_problems(storage) if tasks else []
    errors = errors or [problem for task in tasks for problem in readiness_problems(task, settings, storage)]
    if errors:
        raise ValidationFailed("some tasks cannot run with this server's configuration", {"errors": errors})


def _check_script(task: TaskView, script: str) -> None:
    """NotFoundError unless ``script`` is the task's script; ScriptNotApproved unless it is approved."""
    if script != task.script_id:
        raise NotFoundError(f"script {script!r} not found", {"video_id": task.id, "script_id": script})
    if task.script_review is not ScriptReview.APPROVED:
        raise ScriptNotApproved(
            "only an approved script can be rendered",
            {"script_id": script, "review_status": task.script_review.value},
        )


def authorize_youtube(
    client_secrets: Path, token_file: Path, settings: Settings, *, open_browser: bool
) -> Path:
    """Run the YouTube OAuth consent flow (operator command) and write the token, encrypted with the
    server's token key, to ``token_file``."""
    token_file.parent.mkdir(parents=True, exist_ok=True)
    return authorize(client_secrets, token_file, open_browser=open_browser, cipher=token_cipher(settings))


def receive_files(
    files: Sequence[IncomingFile], folder: Path, max_bytes: int, *, clip_max_s: float | None = None
) -> list[StoredUpload]:
    """Check and store every file in the local ``folder``, or none: ``UploadTooLargeError`` (code
    ``PAYLOAD_TOO_LARGE``) for a file over ``max_bytes``, ``UploadRejectedError`` (``UNSUPPORTED_MEDIA_TYPE``)
    for data that is empty or not an accepted image (or clip up to ``clip_max_s`` seconds, when given)."""
    stored: list[StoredUpload] = []
    try:
        for incoming in files:
            name = incoming.filename or "upload"
            if incoming.size is not None and incoming.size > max_bytes:
                raise UploadTooLargeError(f"{name!r} is larger than {max_bytes} bytes", {"limit": max_bytes})
            stored.append(
                store_media(folder, name, incoming.file, max_bytes=max_bytes, clip_max_s=clip_max_s)
            )
    except Exception:
        for upload in stored:
            upload.path.unlink(missing_ok=True)
        raise
    return stored


def with_current_version(queues: QueueService, change: Callable[[int], R]) -> R:
    """Apply an idempotent ``change`` at the queue's current version, re-reading it if another change
    slipped in (for callers that send no version)."""
    for _ in range(VERSION_ATTEMPTS - 1):
        try:
            return change(queues.list_drafts().version)
        except ConflictError as exc:
            if "expectedVersion" not in exc.details:
                raise
    return change(queues.list_drafts().version)


class UseCases:
    """The owner's commands over the store services; ``run_control`` reaches Dagster runs (or is None)."""

    def __init__(
        self,
        engine: Engine | str,
        owner: Owner,
        *,
        settings: Settings,
        clock: Clock | None = None,
        run_control: Callable[[], RunControl | None] = lambda: None,
        asset_url: AssetUrl = asset_ref,
        storage: Storage | None = None,
        image_url: ImageUrl | None = None,
    ) -> None:
        self.settings = settings
        self.pricing = Pricing.from_settings(settings)
        self.storage = storage or open_storage(settings)
        self.queues = QueueService(engine, owner, clock=clock, settings=settings)
        self.tasks = TaskService(engine, owner, clock=clock, settings=settings)
        self.schedules = ScheduleService(engine, owner, clock=clock)
        self.render_jobs = RenderJobReader(
            engine, owner, settings=settings, clock=clock, asset_url=asset_url, storage=self.storage
        )
        self.credits = CreditService(engine, owner, clock=clock)
        self.images = ImageJobService(engine, owner, clock=clock, settings=settings, image_url=image_url)
        self.contents = UserContentService(
            engine, owner, clock=clock, settings=settings, asset_url=asset_url, storage=self.storage
        )
        self.reviews = StoryboardReviews(
            ReviewService(engine, owner, clock=clock), self.tasks, self.storage, settings
        )
        self._run_control = run_control

    def check_ready(self, tasks: Sequence[TaskView]) -> None:
        """The readiness rule with this server's settings."""
        check_ready(tasks, self.settings, self.storage)

    # -- tasks ---------------------------------------------------------------------------------------

    def run_drafts(
        self, version: int, ids: Sequence[str] | None = None, *, request_key: str | None = None
    ) -> RunResult:
        """Queue the drafts (all, or ``ids``) at queue ``version``; refused (nothing queued) if one of them
        is not ready or the workspace's credits do not cover their paid images. The check and the
        reservation run inside the run's transaction, on the drafts it locked. A Run repeated with
        ``request_key`` answers the first one's result (``store/run_requests.py``)."""
        return self.queues.run(
            version, ids, ready=self.check_ready, pricing=self.pricing, request_key=request_key
        )

    def retry(self, task_id: str) -> TaskView:
        """Retry a failed task from its failed stage after checking it can run; paid images not made
        are reserved again (made ones are kept and not paid twice)."""
        self.check_ready([self.tasks.get(task_id)])
        return self.tasks.retry(task_id, self.pricing)

    def rerun(self, task_id: str) -> RerunResult:
        """Produce a finished task again as a new generation (checked and its paid images reserved unless
        work is in flight); a canceled or failed one reuses its completed stages whose outputs still exist."""
        task = self.tasks.get(task_id)
        if task.status not in ACTIVE_STATUSES:
            self.check_ready([task])
        return self.tasks.rerun(task_id, self.pricing)

    def stop(self, task_id: str, *, generation: int | None = None) -> StopResult:
        """Stop the task (idempotent) and terminate its Dagster run when runs can be reached."""
        return self.tasks.stop(task_id, self._run_control(), generation=generation)

    def delete_content(self, content_id: str) -> DeletedContentView:
        """Delete a "my contents" item with its generation's files and file records (seed 001 §13.6: the
        task stays; a YouTube upload is not deleted from YouTube). Refused (409) while that generation is
        queued or running: stop it first."""
        return self.contents.delete(content_id)

    # -- render jobs ---------------------------------------------------------------------------------

    def start_render_job(self, task_id: str, script: str) -> tuple[RenderJobView, bool]:
        """The job in flight, or a new one rendering the video's approved ``script``: ``(job, created)``
        (seed 002 §9). A draft is queued through the queue, a finished task re-runs; concurrent calls
        create exactly one job."""
        for _ in range(VERSION_ATTEMPTS):
            task = self.tasks.get(task_id)
            if task.status in OPEN_STATUSES:
                return self.render_jobs.get(task_id, render_job_id(task_id, task.generation)), False
            _check_script(task, script)
            self.check_ready([task])
            if task.status is TaskStatus.DRAFT:
                self._refuse_if_scheduled(task_id)
                try:
                    queued = self.run_drafts(self.queues.list_drafts().version, [task_id]).queued
                except ConflictError:
                    continue  # the queue changed meanwhile: look again
                if not queued:
                    continue
                return self.render_jobs.get(task_id, render_job_id(task_id, queued[0].generation)), True
            result = self.tasks.rerun(task_id, self.pricing)
            return self.render_jobs.get(
                task_id, render_job_id(task_id, result.task.generation)
            ), result.started
        raise ConflictError("the queue kept changing; try again", {"videoId": task_id})

    def cancel_render_job(self, task_id: str, job: str) -> RenderJobView:
        """Stop the render job if it is queued or running (idempotent; a finished one is returned as is)."""
        current = self.render_jobs.get(task_id, job)
        if current.status in OPEN_STATUSES:
            self.stop(task_id, generation=current.generation)
            current = self.render_jobs.get(task_id, job)
        return current

    def stop_after_current_image(self, task_id: str, job: str) -> RenderJobView:
        """Graceful stop (seed 003 §4): finish the image in progress, then stop and refund the rest. With
        no image in progress it is the plain stop (which refunds every image not made)."""
        current = self.render_jobs.get(task_id, job)
        if current.status in ACTIVE_STATUSES:
            if not self.images.request_stop_after_current(task_id, current.generation):
                self.stop(task_id, generation=current.generation)
            current = self.render_jobs.get(task_id, job)
        return current

    def approve_script(self, task_id: str, job: str) -> RenderJobView:
        """Approve the render job's written script so rendering continues (idempotent)."""
        self._latest_job(task_id, job)
        self.approve_current_script(task_id)
        return self.render_jobs.get(task_id, job)

    def approve_current_script(self, task_id: str) -> TaskView:
        """Approve the current generation's written script so rendering continues (idempotent)."""
        return self.tasks.approve_script(task_id)

    def reject_script(self, task_id: str, job: str) -> RenderJobView:
        """Reject the render job's written script and stop it (idempotent); it never renders."""
        self._latest_job(task_id, job)
        self.reject_current_script(task_id)
        return self.render_jobs.get(task_id, job)

    def reject_current_script(self, task_id: str) -> TaskView:
        """Reject the current generation's written script and stop that generation (idempotent)."""
        rejected = self.tasks.reject_script(task_id)
        return self.stop(task_id, generation=rejected.generation).task

    def save_uploads(self, task_id: str, files: Sequence[IncomingFile]) -> list[StoredUpload]:
        """Store every scene image or clip of a mediaMode ``upload`` video, or none: ConflictError for another
        mediaMode, ``UploadTooLargeError`` (code ``PAYLOAD_TOO_LARGE``) over ``upload_max_bytes``,
        ``UploadRejectedError`` (``UNSUPPORTED_MEDIA_TYPE``) for data that is not a JPEG/PNG/GIF/WebP image
        or a clip that passes the clip checks (``media.clip_check``).
        On object storage the files are checked in a scratch folder and uploaded only when all passed."""
        mode = self.tasks.get(task_id).task_settings().media_mode
        if mode is not MediaMode.UPLOAD:
            raise ConflictError("uploads are only used by mediaMode 'upload'", {"mediaMode": mode.value})
        with task_workspace(self.storage, task_id, self.settings.scratch_dir) as work:
            stored = receive_files(
                files,
                work.paths.uploads_dir,
                self.settings.upload_max_bytes,
                clip_max_s=self.settings.clip_max_s,
            )
            work.publish([upload.path for upload in stored])
        return stored

    def _latest_job(self, task_id: str, job: str) -> int:
        """The generation of ``job``; ConflictError unless it is the video's latest job."""
        current = self.render_jobs.get(task_id, job)
        if current.generation != self.tasks.get(task_id).generation:
            raise ConflictError("only the latest job's script can be reviewed", {"jobId": job})
        return current.generation

    def _refuse_if_scheduled(self, task_id: str) -> None:
        now = self.tasks.now()
        for schedule in self.schedules.list(task_id, active_only=True):
            if schedule.next_run_at is not None and schedule.next_run_at > now:
                raise ConflictError(
                    "the video is scheduled; remove its schedule or run it from the queue",
                    {"nextRunAt": schedule.next_run_at.isoformat()},
                )
