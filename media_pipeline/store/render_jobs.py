"""Render jobs: each generation of a task is one render job with id ``{taskId}-g{generation}``.

Jobs are derived from the stage states and contents of a generation (no table of their own); this module
reads them. Starting and canceling jobs are use cases (``media_pipeline.usecases``).
"""

from __future__ import annotations

import builtins
import mimetypes
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from media_pipeline.domain import TaskPaths
from media_pipeline.domain.stages import STAGES
from media_pipeline.domain.statuses import ACTIVE_STATUSES, StageStatus, TaskStatus
from media_pipeline.settings import Settings
from media_pipeline.storage import Storage, open_storage
from media_pipeline.store.base import ConfiguredOwnedService
from media_pipeline.store.clock import Clock
from media_pipeline.store.enums import ContentKind
from media_pipeline.store.errors import NotFoundError
from media_pipeline.store.models import Content, Task, TaskStageState
from media_pipeline.store.owner import Owner
from media_pipeline.store.queries import stage_ordinal
from media_pipeline.store.scripts import script_id
from media_pipeline.store.views import PublishedView, RenderAssetView, RenderJobView, StageStateView

AssetUrl = Callable[[str, int, int], str]
"""``(task_id, generation, content_id) -> URL`` downloading a content's file (the API gives its own)."""

_MEDIA_TYPES = {".srt": "application/x-subrip", ".ass": "text/x-ssa", ".json": "application/json"}


@dataclass(frozen=True)
class StoredAsset:
    """A produced file to hand out: a local ``path`` (streamed by the API) or a presigned ``url``."""

    name: str
    media_type: str
    path: Path | None
    url: str | None


def render_job_id(task_id: str, generation: int) -> str:
    """The id of a video's generation."""
    return f"{task_id}-g{generation}"


def render_job_generation(task_id: str, job: str) -> int:
    """The generation named by ``job`` of ``task_id``; NotFoundError if it names another task or none."""
    prefix = f"{task_id}-g"
    number = job[len(prefix) :] if job.startswith(prefix) else ""
    if not (number.isdigit() and number[0] != "0" and len(number) <= 9):
        raise NotFoundError(f"render job {job!r} not found", {"videoId": task_id, "jobId": job})
    return int(number)


def asset_ref(task_id: str, generation: int, content_id: int) -> str:
    """The default asset reference, ``{jobId}/assets/{contentId}`` (relative to the task)."""
    return f"{render_job_id(task_id, generation)}/assets/{content_id}"


def _asset(content: Content, asset_url: AssetUrl) -> RenderAssetView:
    return RenderAssetView(
        id=content.id,
        kind=content.kind,
        stage=content.stage,
        url=None if content.path is None else asset_url(content.task_id, content.generation, content.id),
        external_url=content.url,
        metadata=content.meta,
        created_at=content.created_at,
    )


def _url_of(assets: dict[ContentKind, RenderAssetView], kind: ContentKind) -> str | None:
    asset = assets.get(kind)
    return None if asset is None else asset.url


def _past_status(states: Sequence[TaskStageState]) -> TaskStatus:
    if any(state.status is StageStatus.FAILED for state in states):
        return TaskStatus.FAILED
    if all(state.status is StageStatus.COMPLETED for state in states):
        return TaskStatus.SUCCEEDED
    return TaskStatus.CANCELED


def _build(
    task: Task,
    generation: int,
    states: Sequence[TaskStageState],
    contents: list[Content],
    asset_url: AssetUrl,
) -> RenderJobView:
    """A render job from its generation's stage states (in stage order) and contents; the current
    generation's live fields (status, progress, stage, message) come from the task row (its ``step`` column
    is the stage)."""
    failed = next((state for state in states if state.status is StageStatus.FAILED), None)
    started = [state for state in states if state.started_at is not None]
    script_done = bool(states) and states[0].status is StageStatus.COMPLETED
    if generation == task.generation:
        status, progress, stage, message = task.status, task.progress, task.step, task.message
        error_message, approved_at, finished_at = task.last_error, task.script_approved_at, task.finished_at
        updated_at = task.updated_at
    else:
        status = _past_status(states)
        done = sum(state.status is StageStatus.COMPLETED for state in states)
        progress, message = round(100.0 * done / len(STAGES), 2), None
        stage = started[-1].stage if started else None
        error_message, approved_at = (failed.error if failed else None), None
        finished_at = max((state.finished_at for state in states if state.finished_at), default=None)
        updated_at = max(state.updated_at for state in states)
    error_code = {TaskStatus.FAILED: "STAGE_FAILED", TaskStatus.CANCELED: "CANCELED"}.get(status)
    return RenderJobView(
        id=render_job_id(task.id, generation),
        video_id=task.id,
        script_id=script_id(task.id),
        generation=generation,
        status=status,
        stage=stage,
        progress=progress,
        message=message,
        error_code=error_code,
        error_message=error_message,
        requires_approval=task.requires_approval,
        script_approved_at=approved_at,
        awaiting_approval=status is TaskStatus.REVIEW
        or bool(task.requires_approval and approved_at is None and status in ACTIVE_STATUSES and script_done),
        created_by=task.user_id,
        created_at=min(state.created_at for state in states),
        updated_at=updated_at,
        started_at=min((state.started_at for state in states if state.started_at is not None), default=None),
        finished_at=finished_at,
        stages=[StageStateView.model_validate(state) for state in states],
        assets=[_asset(content, asset_url) for content in contents],
    )


class TaskFilesService(ConfiguredOwnedService):
    """An owner's service that hands out task files: ``asset_url`` builds their download URLs, ``storage``
    holds them (opened from the settings on first use if not given)."""

    def __init__(
        self,
        engine: Engine | str,
        owner: Owner,
        *,
        settings: Settings,
        asset_url: AssetUrl = asset_ref,
        storage: Storage | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(engine, owner, settings=settings, clock=clock)
        self._asset_url = asset_url
        self._given_storage = storage

    @cached_property
    def _storage(self) -> Storage:
        """The task storage (given, or opened from the settings on first use)."""
        return self._given_storage or open_storage(self._settings)

    def _presign(self, key: str) -> str | None:
        return self._storage.presigned_url(key, self._settings.storage_presign_expiry_s)

    def _locate(self, task_id: str, generation: int, recorded: str) -> str | None:
        """The storage key of a recorded file: where it was written, or in ``history/<generation>/`` once
        a later generation archived it. Records are keys; older local records hold absolute paths."""
        keys = TaskPaths(Path(), task_id)
        local_root = self._storage.local_path("tasks")
        recorded_path = Path(recorded)
        if recorded_path.is_absolute():
            if local_root is None or local_root.parent not in recorded_path.parents:
                return None
            recorded_path = recorded_path.relative_to(local_root.parent)
        if keys.dir not in recorded_path.parents:
            return None
        for candidate in (recorded_path, keys.history_dir(generation) / recorded_path.name):
            if self._storage.exists(candidate.as_posix()):
                return candidate.as_posix()
        return None

    def _stored(self, key: str) -> StoredAsset:
        """How to hand out the file under ``key``: its local path, or a presigned URL."""
        name = Path(key).name
        media_type = _MEDIA_TYPES.get(Path(name).suffix) or mimetypes.guess_type(name)[0]
        return StoredAsset(
            name=name,
            media_type=media_type or "application/octet-stream",
            path=self._storage.local_path(key),
            url=self._presign(key),
        )


class RenderJobReader(TaskFilesService):
    """The owner's render jobs and their files."""

    # -- queries -------------------------------------------------------------------------------------

    def list(self, task_id: str, limit: int, offset: int) -> tuple[list[RenderJobView], int]:
        """A page of the task's jobs, newest first, and how many it has in all."""
        with self._read() as session:
            task = self._task(session, task_id)
            generations = (
                select(TaskStageState.generation).where(TaskStageState.task_id == task.id).distinct()
            )
            total = session.scalar(select(func.count()).select_from(generations.subquery())) or 0
            page = session.scalars(
                generations.order_by(TaskStageState.generation.desc()).limit(limit).offset(offset)
            ).all()
            items = self._jobs(session, task, page)
        return items, total

    def get(self, task_id: str, job: str) -> RenderJobView:
        """One job of the video."""
        generation = render_job_generation(task_id, job)
        with self._read() as session:
            task = self._task(session, task_id)
            found = self._jobs(session, task, [generation])
        if not found:
            raise NotFoundError(f"render job {job!r} not found", {"videoId": task_id, "jobId": job})
        return found[0]

    def published(self, task_id: str) -> PublishedView:
        """The files and publish record of the latest published generation (``published`` False if none)."""
        with self._read() as session:
            task = self._task(session, task_id)
            publish = session.scalars(
                select(Content)
                .where(Content.task_id == task.id, Content.kind == ContentKind.PUBLISH)
                .order_by(Content.id.desc())
                .limit(1)
            ).first()
            if publish is None:
                return PublishedView(video_id=task_id, published=False)
            generation = publish.generation
            files = session.scalars(
                select(Content)
                .where(Content.task_id == task.id, Content.generation == generation)
                .order_by(Content.id)
            ).all()
            latest = {content.kind: _asset(content, self._asset_url) for content in files}
            keys = {content.kind: content.path for content in files if content.path is not None}
        video, record = latest.get(ContentKind.VIDEO), latest[ContentKind.PUBLISH]

        def url(kind: ContentKind) -> str | None:
            """A presigned object URL on object storage, else the asset reference (authenticated)."""
            if kind not in keys:
                return None
            found = self._locate(task_id, generation, keys[kind])
            presigned = None if found is None else self._presign(found)
            return presigned or _url_of(latest, kind)

        return PublishedView(
            video_id=task_id,
            published=True,
            script_id=script_id(task_id),
            job_id=render_job_id(task_id, generation),
            generation=generation,
            video_url=url(ContentKind.VIDEO),
            subtitle_url=url(ContentKind.SUBTITLES),
            thumbnail_url=url(ContentKind.THUMBNAIL),
            duration_s=None if video is None else video.metadata.get("duration"),
            published_at=record.metadata.get("published_at"),
            youtube_url=record.external_url if record.metadata.get("uploaded_to_youtube") else None,
            publish_url=record.external_url,
            target=record.metadata.get("target"),
        )

    def current(self, task_id: str) -> RenderJobView | None:
        """The job of the task's current generation (None before it first ran, e.g. a draft)."""
        with self._read() as session:
            task = self._task(session, task_id)
            found = self._jobs(session, task, [task.generation])
        return found[0] if found else None

    def asset_file(self, task_id: str, job: str, asset_id: int) -> StoredAsset:
        """Where an asset's file is now (outputs of older generations live in ``history/<gen>/``): a local
        file, or a presigned URL on object storage; NotFoundError if it has no file or the file is gone."""
        generation = render_job_generation(task_id, job)
        return self._file(task_id, asset_id, generation, {"jobId": job, "assetId": asset_id})

    def content_file(self, task_id: str, content_id: int) -> StoredAsset:
        """Like ``asset_file`` for a content of any generation of the task, named by its id alone."""
        return self._file(task_id, content_id, None, {"videoId": task_id, "fileId": content_id})

    def _file(
        self, task_id: str, content_id: int, generation: int | None, details: dict[str, Any]
    ) -> StoredAsset:
        """Where the task's content ``content_id`` (of ``generation``, if given) has its file now."""
        with self._read() as session:
            task = self._task(session, task_id)
            query = select(Content.path, Content.generation).where(
                Content.id == content_id, Content.task_id == task.id
            )
            if generation is not None:
                query = query.where(Content.generation == generation)
            row = session.execute(query).first()
        key = None if row is None or row.path is None else self._locate(task_id, row.generation, row.path)
        if key is None:
            raise NotFoundError("asset file not found", details)
        return self._stored(key)

    # -- helpers -------------------------------------------------------------------------------------

    def _jobs(self, session: Session, task: Task, generations: Sequence[int]) -> builtins.list[RenderJobView]:
        states: dict[int, list[TaskStageState]] = defaultdict(list)
        for state in session.scalars(
            select(TaskStageState)
            .where(TaskStageState.task_id == task.id, TaskStageState.generation.in_(generations))
            .order_by(TaskStageState.generation, stage_ordinal(TaskStageState.stage))
        ):
            states[state.generation].append(state)
        contents: dict[int, list[Content]] = defaultdict(list)
        for content in session.scalars(
            select(Content)
            .where(Content.task_id == task.id, Content.generation.in_(generations))
            .order_by(Content.id)
        ):
            contents[content.generation].append(content)
        return [
            _build(task, generation, states[generation], contents[generation], self._asset_url)
            for generation in generations
            if states.get(generation)
        ]
