"""The draft queue: add assets as drafts, edit, reorder, delete and run them (docs/ARCHITECTURE.md §3,
invariants 2, 3).

Every mutating call takes the queue ``version`` it was based on. The first statement of its transaction is
``UPDATE queues SET version = version + 1 WHERE id = :id AND version = :version``: a stale version matches
no row and raises ConflictError before anything changes, and of two concurrent calls with the same version
exactly one proceeds (the row lock serializes them on PostgreSQL, BEGIN IMMEDIATE on SQLite).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from media_pipeline.domain.models import TaskSettings
from media_pipeline.domain.statuses import TaskStatus
from media_pipeline.store.base import ConfiguredOwnedService, dedupe
from media_pipeline.store.channels import CHANNEL_FIELD, check_channel
from media_pipeline.store.credits import Pricing, reserve_generations
from media_pipeline.store.enums import LogAction
from media_pipeline.store.errors import ConflictError, ValidationFailed
from media_pipeline.store.housekeeping import delete_expired_drafts
from media_pipeline.store.ids import new_id, new_task_id
from media_pipeline.store.lifecycle import (
    compact_draft_positions,
    generation_log,
    insert_logs,
    log_row,
    next_draft_position,
    start_generations,
    task_row,
    write_tasks,
)
from media_pipeline.store.models import Queue, Task, TaskSchedule, table_of
from media_pipeline.store.moves import move_task
from media_pipeline.store.music import TRACK_FIELD, check_track
from media_pipeline.store.options import SettingsCache, build_draft, split_options, validate_defaults
from media_pipeline.store.plans import check_runs_per_day, exceeded, plan_of
from media_pipeline.store.queries import affected_rows
from media_pipeline.store.run_requests import earlier_run, record_run
from media_pipeline.store.views import AddResult, DeleteResult, QueueChange, QueueView, RunResult, TaskView

DEFAULT_QUEUE_NAME = "Default Queue"
MAX_ASSET_ID_LENGTH = 200


def _views(tasks: Sequence[Task]) -> list[TaskView]:
    return [TaskView.model_validate(task) for task in tasks]


def _require_drafts(tasks: Sequence[Task], action: str) -> None:
    not_drafts = {task.id: task.status.value for task in tasks if task.status is not TaskStatus.DRAFT}
    if not_drafts:
        raise ConflictError(f"only drafts can be {action}", {"statuses": not_drafts})


def _clean_asset_ids(asset_ids: Sequence[str]) -> list[str]:
    if isinstance(asset_ids, str):
        raise ValidationFailed("assetIds must be a list", {"errors": [_asset_error(None, "must be a list")]})
    errors = [
        _asset_error(index, f"must be a non-empty string of at most {MAX_ASSET_ID_LENGTH} characters")
        for index, asset_id in enumerate(asset_ids)
        if not isinstance(asset_id, str) or not asset_id.strip() or len(asset_id) > MAX_ASSET_ID_LENGTH
    ]
    if not asset_ids:
        errors.append(_asset_error(None, "at least one asset id is required"))
    if errors:
        raise ValidationFailed("invalid asset ids", {"errors": errors})
    return dedupe([asset_id.strip() for asset_id in asset_ids])


def _asset_error(index: int | None, message: str) -> dict[str, Any]:
    field = "assetIds" if index is None else f"assetIds.{index}"
    return {"field": field, "message": message, "type": "value_error"}


def _asset_options(
    asset_id: str,
    per_asset: Mapping[str, Mapping[str, Any]] | None,
    task_fields: dict[str, Any],
    settings_partial: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The task fields and settings of one asset's draft: its own options (if any) under the request's."""
    own = (per_asset or {}).get(asset_id)
    if own is None:
        return task_fields, settings_partial
    own_fields, own_settings = split_options(own)
    return {**own_fields, **task_fields}, {**own_settings, **settings_partial}


def _live(now: datetime) -> ColumnElement[bool]:
    """Tasks other than expired drafts."""
    return or_(Task.draft_expires_at.is_(None), Task.draft_expires_at > now)


def check_references(session: Session, workspace_id: str, settings: Mapping[str, Any]) -> None:
    """ValidationFailed unless the channel and the music track ``settings`` name (camelCase keys) are the
    workspace's own."""
    check_channel(session, workspace_id, settings.get(CHANNEL_FIELD))
    check_track(session, workspace_id, settings.get(TRACK_FIELD))


class QueueService(ConfiguredOwnedService):
    """The owner's default draft queue.

    ``QueueService(engine_or_url, owner, *, settings, clock=None)``; limits come from the
    workspace's plan (``store/plans.py``), draft expiry from ``settings.draft_ttl_days``. Expired drafts
    are left out at once (the housekeeping sweep deletes them later).
    """

    # -- queue ---------------------------------------------------------------------------------------

    def get_or_create_default_queue(self) -> QueueView:
        """The owner's default queue, created on first use."""
        with self._write() as session:
            return QueueView.model_validate(self._queue(session))

    def update_queue(
        self, version: int, *, name: str | None = None, default_options: Mapping[str, Any] | None = None
    ) -> QueueView:
        """Rename the queue and/or replace its default options (validated like task settings)."""
        errors = []
        if name is not None and not (isinstance(name, str) and 1 <= len(name.strip()) <= 100):
            errors.append({"field": "name", "message": "must be 1-100 characters", "type": "value_error"})
        defaults = None
        if default_options is not None:
            try:
                defaults = validate_defaults(default_options)
            except ValidationFailed as exc:
                errors.extend(exc.errors)
        if errors:
            raise ValidationFailed("invalid queue update", {"errors": errors})
        with self._write() as session:
            queue = self._bump(session, version)
            check_references(session, self.owner.workspace_id, defaults or {})
            if name is not None:
                queue.name = name.strip()
            if defaults is not None:
                queue.default_options = defaults
            return QueueView.model_validate(queue)

    # -- drafts --------------------------------------------------------------------------------------

    def list_drafts(self) -> QueueChange:
        """The drafts in queue order, with the queue version to base the next change on."""
        with self._read() as session:
            queue = self._find_queue(session)
            if queue is not None:
                return QueueChange(version=queue.version, tasks=_views(self._drafts(session, queue.id)))
        return QueueChange(version=self.get_or_create_default_queue().version, tasks=[])

    def add_assets(
        self,
        asset_ids: Sequence[str],
        options: Mapping[str, Any] | None,
        version: int,
        per_asset: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> AddResult:
        """One draft per asset (queue defaults merged with ``options``), appended in the given order.

        ``per_asset`` holds options of single assets (a library item's fields), applied between the queue
        defaults and ``options``. An asset that already has a draft in the queue returns that draft (never
        two).
        """
        asset_ids = _clean_asset_ids(asset_ids)
        task_fields, settings_partial = split_options(options)
        now = self.now()
        with self._write() as session:
            plan, limits = plan_of(session, self.owner.workspace_id, self._settings)
            if len(asset_ids) > limits.items_per_add:
                raise exceeded(
                    plan,
                    "itemsPerAdd",
                    limits.items_per_add,
                    f"the {plan} plan adds at most {limits.items_per_add} assets per request",
                    requested=len(asset_ids),
                )
            queue = self._bump(session, version)
            session.execute(  # expired drafts are gone for the user: their assets may be added again
                delete(Task)
                .where(Task.queue_id == queue.id, Task.status == TaskStatus.DRAFT, ~_live(now))
                .execution_options(synchronize_session=False)
            )
            existing = {
                task.asset_id: task
                for task in session.scalars(
                    select(Task).where(
                        Task.queue_id == queue.id,
                        Task.status == TaskStatus.DRAFT,
                        Task.asset_id.in_(asset_ids),
                    )
                )
            }
            base_settings = (
                TaskSettings().merged(queue.default_options).model_dump(mode="json", by_alias=True)
            )
            cache: SettingsCache = {}  # every draft of the request gets the same settings: validated once
            probe = build_draft(
                new_task_id(),
                base_settings,
                task_fields,
                settings_partial,
                default_title=asset_ids[0],
                cache=cache,
            )  # even if all exist
            check_references(session, self.owner.workspace_id, probe.settings)
            new_assets = [asset_id for asset_id in asset_ids if asset_id not in existing]
            self._check_draft_limit(session, queue.id, len(new_assets))
            position = next_draft_position(session, queue.id)
            expires = now + timedelta(days=self._settings.draft_ttl_days)
            created: dict[str, dict[str, Any]] = {}
            for offset, asset_id in enumerate(new_assets):
                task_id = new_task_id()
                fields_of, partial_of = _asset_options(asset_id, per_asset, task_fields, settings_partial)
                values = build_draft(
                    task_id,
                    base_settings,
                    fields_of,
                    partial_of,
                    default_title=asset_id,
                    cache=cache,
                    error_context={"assetId": asset_id} if per_asset and asset_id in per_asset else None,
                )
                created[asset_id] = task_row(
                    id=task_id,
                    user_id=self.owner.user_id,
                    workspace_id=self.owner.workspace_id,
                    queue_id=queue.id,
                    asset_id=asset_id,  # status: the column default, draft
                    queue_position=position + offset,
                    draft_expires_at=expires,
                    created_at=now,
                    updated_at=now,
                    **values.columns(),
                )
            if created:
                try:
                    session.execute(insert(table_of(Task)), list(created.values()))
                except IntegrityError as exc:
                    raise ConflictError("a concurrent change conflicted; reload and try again") from exc
            views = [
                TaskView.model_validate(created[asset_id] if asset_id in created else existing[asset_id])
                for asset_id in asset_ids
            ]
            return AddResult(
                version=queue.version, tasks=views, created_ids=[row["id"] for row in created.values()]
            )

    def bulk_patch(
        self,
        ids: Sequence[str],
        options_partial: Mapping[str, Any],
        version: int,
        save_as_default: bool = False,
    ) -> QueueChange:
        """Merge ``options_partial`` into each draft (all validated before any is written); optionally
        also merge its settings into the queue defaults."""
        ids = dedupe(ids)
        task_fields, settings_partial = split_options(options_partial)
        now = self.now()
        with self._write() as session:
            queue = self._bump(session, version)
            tasks = self._tasks(session, ids, lock=True, queue_id=queue.id)
            _require_drafts(tasks, "edited")
            errors: list[dict[str, Any]] = []
            updates = {}
            for task in tasks:
                current = {"title": task.title, "description": task.description, "product": task.product}
                try:
                    updates[task.id] = build_draft(
                        task.id,
                        task.settings,
                        {**current, **task_fields},
                        settings_partial,
                        default_title=task.title,
                        error_context={"taskId": task.id},
                    )
                except ValidationFailed as exc:
                    errors.extend(exc.errors)
            if save_as_default:
                try:
                    queue.default_options = validate_defaults({**queue.default_options, **settings_partial})
                except ValidationFailed as exc:
                    errors.extend({**error, "scope": "queueDefaults"} for error in exc.errors)
            if errors:
                raise ValidationFailed("invalid options", {"errors": errors})
            check_references(session, self.owner.workspace_id, settings_partial)
            stamps = {
                "draft_expires_at": now + timedelta(days=self._settings.draft_ttl_days),
                "updated_at": now,
            }
            write_tasks(session, {task: {**updates[task.id].columns(), **stamps} for task in tasks})
            tasks.sort(key=lambda task: task.queue_position or 0)
            return QueueChange(version=queue.version, tasks=_views(tasks))

    def reorder(self, ordered_ids: Sequence[str], version: int) -> QueueChange:
        """Set draft positions to 0..n-1 in ``ordered_ids`` order; the list must be exactly the drafts."""
        ordered_ids = list(ordered_ids)
        with self._write() as session:
            queue = self._bump(session, version)
            drafts = {task.id: task for task in self._drafts(session, queue.id, lock=True)}
            counts = Counter(ordered_ids)  # keys in first-occurrence order
            unexpected = [task_id for task_id in counts if task_id not in drafts]
            if unexpected:
                self._tasks(session, unexpected, queue_id=queue.id)  # NotFound for unknown ids
            duplicates = sorted(task_id for task_id, count in counts.items() if count > 1)
            missing = [task_id for task_id in drafts if task_id not in counts]
            if duplicates or missing or unexpected:
                raise ValidationFailed(
                    "the order must list every draft of the queue exactly once",
                    {
                        "errors": [
                            {
                                "field": "ids",
                                "message": "must be exactly the queue's drafts",
                                "type": "draft_set",
                            }
                        ],
                        "duplicates": duplicates,
                        "missing": missing,
                        "unexpected": unexpected,
                    },
                )
            now = self.now()
            moved = (
                (drafts[task_id], position)
                for position, task_id in enumerate(ordered_ids)
                if drafts[task_id].queue_position != position
            )
            write_tasks(
                session, {task: {"queue_position": position, "updated_at": now} for task, position in moved}
            )
            return QueueChange(
                version=queue.version, tasks=_views([drafts[task_id] for task_id in ordered_ids])
            )

    def bulk_delete(self, ids: Sequence[str], version: int) -> DeleteResult:
        """Delete drafts (queued or finished tasks are stopped, not deleted)."""
        ids = dedupe(ids)
        with self._write() as session:
            queue = self._bump(session, version)
            tasks = self._tasks(session, ids, lock=True, queue_id=queue.id)
            _require_drafts(tasks, "deleted")
            session.execute(
                delete(Task).where(Task.id.in_(ids)).execution_options(synchronize_session="fetch")
            )
            compact_draft_positions(session, queue.id)
            return DeleteResult(version=queue.version, deleted_ids=ids)

    def run(
        self,
        version: int,
        ids: Sequence[str] | None = None,
        ready: Callable[[list[TaskView]], None] | None = None,
        pricing: Pricing | None = None,
        request_key: str | None = None,
    ) -> RunResult:
        """Queue all drafts (or the drafts among ``ids``) in one transaction, in queue order.

        Each starts a new generation with one waiting state per stage; a draft whose active schedule lies
        in the future becomes 'scheduled' instead. Ids that are no longer drafts are skipped. ``ready``
        sees the locked drafts first and may refuse the run by raising (then nothing changes). With
        ``pricing``, the queued generations' paid images are reserved in the same transaction
        (InsufficientCredits: nothing changes). With ``request_key`` (``store/run_requests.py``), a Run
        repeated with that key within 24 h returns the first one's result and changes nothing, also when
        the repeat raced the first (its stale version or duplicate key is answered with the first result).
        """
        try:
            return self._run(version, ids, ready, pricing, request_key)
        except ConflictError:
            if request_key is not None:
                with self._read() as session:
                    queue = self._find_queue(session)
                    earlier = (
                        None if queue is None else earlier_run(session, queue.id, request_key, self.now())
                    )
                if earlier is not None:
                    return earlier
            raise

    def _run(
        self,
        version: int,
        ids: Sequence[str] | None,
        ready: Callable[[list[TaskView]], None] | None,
        pricing: Pricing | None,
        request_key: str | None,
    ) -> RunResult:
        now = self.now()
        with self._write() as session:
            if request_key is not None and (found := self._find_queue(session)) is not None:
                earlier = earlier_run(session, found.id, request_key, now)
                if earlier is not None:
                    return earlier
            queue = self._bump(session, version)
            if ids is None:
                drafts = self._drafts(session, queue.id, lock=True)
            else:
                tasks = self._tasks(session, dedupe(ids), lock=True, queue_id=queue.id)
                drafts = sorted(
                    (
                        task
                        for task in tasks
                        if task.status is TaskStatus.DRAFT
                        and (task.draft_expires_at is None or task.draft_expires_at > now)
                    ),
                    key=lambda task: task.queue_position or 0,
                )
            if ready is not None:
                ready(_views(drafts))
            schedules = self._active_schedules(session, [task.id for task in drafts])
            batch_id = new_id("b") if drafts else None
            queued: list[Task] = []
            scheduled: list[Task] = []
            schedule_logs: dict[str, dict[str, Any]] = {}
            for task in drafts:
                schedule = schedules.get(task.id)
                if schedule is not None and schedule.next_run_at is not None and schedule.next_run_at > now:
                    schedule_logs[task.id] = self._schedule(task, schedule, batch_id, now)
                    scheduled.append(task)
                else:
                    queued.append(task)
            check_runs_per_day(session, self.owner.workspace_id, len(queued), now, self._settings)
            try:
                start_generations(session, queued, now, batch_id=batch_id, write_logs=False)
                if pricing is not None:
                    reserve_generations(session, queued, pricing, now)
                for task in queued:
                    schedule = schedules.get(task.id)
                    if (
                        schedule is not None and schedule.next_run_at is not None
                    ):  # this generation is that occurrence
                        schedule.last_run_at, schedule.next_run_at = schedule.next_run_at, None
                        schedule.last_generation = task.generation
                # one log entry per draft, in queue order
                insert_logs(
                    session, [schedule_logs.get(task.id) or generation_log(task, now) for task in drafts]
                )
            except IntegrityError as exc:
                raise ConflictError("a concurrent change conflicted; reload and try again") from exc
            self._flush(session)
            compact_draft_positions(session, queue.id)
            result = RunResult(
                version=queue.version, batch_id=batch_id, queued=_views(queued), scheduled=_views(scheduled)
            )
            if request_key is not None:
                record_run(session, queue.id, request_key, result, now)
                self._flush(session)
            return result

    def cleanup_expired_drafts(self, now: datetime | None = None) -> int:
        """Delete the owner's expired drafts; returns how many."""
        with self._write() as session:
            return delete_expired_drafts(session, now or self.now(), self.owner)

    # -- helpers -------------------------------------------------------------------------------------

    def _find_queue(self, session: Session) -> Queue | None:
        return session.scalars(
            select(Queue).where(
                Queue.user_id == self.owner.user_id,
                Queue.workspace_id == self.owner.workspace_id,
                Queue.is_default.is_(True),
            )
        ).first()

    def _queue(self, session: Session) -> Queue:
        queue = self._find_queue(session)
        if queue is not None:
            return queue
        now = self.now()
        queue = Queue(
            id=new_id("q"),
            user_id=self.owner.user_id,
            workspace_id=self.owner.workspace_id,
            name=DEFAULT_QUEUE_NAME,
            is_default=True,
            default_options={},
            version=1,
            created_at=now,
            updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(queue)
        except IntegrityError:  # created concurrently (PostgreSQL)
            queue = self._find_queue(session)
            assert queue is not None
        return queue

    def _bump(self, session: Session, version: int) -> Queue:
        """Check ``version`` and increment it, first thing in the transaction; ConflictError if stale."""
        queue = self._queue(session)
        result = session.execute(
            update(Queue)
            .where(Queue.id == queue.id, Queue.version == version)
            .values(version=Queue.version + 1, updated_at=self.now())
            .execution_options(synchronize_session=False)
        )
        session.refresh(queue)
        if affected_rows(result) != 1:
            raise ConflictError(
                "the queue was changed meanwhile; reload it and try again",
                {"expectedVersion": version, "currentVersion": queue.version},
            )
        return queue

    def _drafts(self, session: Session, queue_id: str, *, lock: bool = False) -> list[Task]:
        """The queue's drafts that have not expired, in queue order."""
        stmt = (
            select(Task)
            .where(Task.queue_id == queue_id, Task.status == TaskStatus.DRAFT, _live(self.now()))
            .order_by(Task.queue_position, Task.created_at, Task.id)
        )
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return list(session.scalars(stmt))

    def _check_draft_limit(self, session: Session, queue_id: str, adding: int) -> None:
        plan, limits = plan_of(session, self.owner.workspace_id, self._settings)
        current = session.scalar(
            select(func.count()).where(
                Task.queue_id == queue_id, Task.status == TaskStatus.DRAFT, _live(self.now())
            )
        )
        if adding and (current or 0) + adding > limits.drafts_per_queue:
            raise exceeded(
                plan,
                "draftsPerQueue",
                limits.drafts_per_queue,
                f"the {plan} plan holds at most {limits.drafts_per_queue} drafts per queue",
                current=current or 0,
                requested=adding,
            )

    @staticmethod
    def _active_schedules(session: Session, task_ids: list[str]) -> dict[str, TaskSchedule]:
        if not task_ids:
            return {}
        stmt = select(TaskSchedule).where(
            TaskSchedule.task_id.in_(task_ids), TaskSchedule.is_active.is_(True)
        )
        return {schedule.task_id: schedule for schedule in session.scalars(stmt.with_for_update())}

    @staticmethod
    def _schedule(task: Task, schedule: TaskSchedule, batch_id: str | None, now: datetime) -> dict[str, Any]:
        """Mark the draft scheduled; returns its log entry (``log_row``) for the caller to insert."""
        move_task(task, TaskStatus.SCHEDULED)
        task.batch_id = batch_id
        task.draft_expires_at = None
        task.message = "scheduled"
        task.updated_at = now
        assert schedule.next_run_at is not None
        return log_row(task, LogAction.SCHEDULE, f"scheduled for {schedule.next_run_at.isoformat()}", now=now)

    @staticmethod
    def _flush(session: Session) -> None:
        try:
            session.flush()
        except IntegrityError as exc:
            raise ConflictError("a concurrent change conflicted; reload and try again") from exc
