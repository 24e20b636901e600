"""Task schedules: when a task runs and how it repeats; due schedules queue new generations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from media_pipeline.domain.models import CHANNEL_ID_PATTERN, Privacy
from media_pipeline.domain.statuses import TaskStatus
from media_pipeline.store.base import OwnedService
from media_pipeline.store.channels import check_channel
from media_pipeline.store.enums import LogAction, Repeat
from media_pipeline.store.errors import ConflictError, NotFoundError, ValidationFailed
from media_pipeline.store.ids import new_id
from media_pipeline.store.lifecycle import add_log, cancel_task
from media_pipeline.store.models import Task, TaskSchedule
from media_pipeline.store.options import field_errors
from media_pipeline.store.repeat import RepeatConfig, next_occurrence, zone
from media_pipeline.store.views import ScheduleView

STARTABLE_STATUSES = (TaskStatus.SCHEDULED, TaskStatus.SUCCEEDED, TaskStatus.FAILED)
"""A due schedule starts a generation only for tasks in these statuses (never drafts or active tasks)."""

_JUST_BEFORE = timedelta(microseconds=1)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
"""Schedule times outside [EARLIEST, LATEST) are invalid input (repeat arithmetic must not overflow)."""


class ScheduleInput(BaseModel):
    """Validated schedule fields (camelCase or snake_case)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    scheduled_time: AwareDatetime = Field(alias="scheduledTime")
    repeat: Repeat = Repeat.ONCE
    repeat_config: RepeatConfig = Field(default_factory=RepeatConfig, alias="repeatConfig")
    time_zone: Annotated[str, Field(max_length=64)] = Field(default="UTC", alias="timeZone")
    privacy: Privacy | None = None
    publish_at: AwareDatetime | None = Field(default=None, alias="publishAt")
    channel_setting_id: Annotated[str, Field(pattern=CHANNEL_ID_PATTERN, max_length=64)] | None = Field(
        default=None, alias="channelSettingId"
    )
    is_active: bool = Field(default=True, alias="isActive")

    @field_validator("scheduled_time", "publish_at")
    @classmethod
    def _in_range(cls, value: datetime | None) -> datetime | None:
        if value is not None and not EARLIEST <= value < LATEST:
            raise ValueError(f"must be between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC)")
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)
        return value

    @classmethod
    def parse(cls, data: dict[str, Any]) -> ScheduleInput:
        """Validate ``data`` (snake_case or camelCase keys); ValidationFailed lists camelCase field errors."""
        aliases = {name: field.alias for name, field in cls.model_fields.items() if field.alias}
        try:
            return cls.model_validate({aliases.get(key, key): value for key, value in data.items()})
        except ValidationError as exc:
            raise ValidationFailed("invalid schedule", {"errors": field_errors(exc)}) from exc

    def columns(self) -> dict[str, Any]:
        """Column values of a ``TaskSchedule`` row."""
        return {
            "scheduled_time": self.scheduled_time,
            "repeat": self.repeat,
            "repeat_config": self.repeat_config.model_dump(mode="json", by_alias=True, exclude_none=True),
            "time_zone": self.time_zone,
            "privacy": None if self.privacy is None else self.privacy.value,
            "publish_at": self.publish_at,
            "channel_setting_id": self.channel_setting_id,
            "is_active": self.is_active,
        }

    def first_run_at(self) -> datetime | None:
        """The first occurrence at or after ``scheduled_time``."""
        return next_occurrence(
            self.scheduled_time,
            self.repeat,
            self.time_zone,
            self.scheduled_time - _JUST_BEFORE,
            self.repeat_config,
        )


class ScheduleService(OwnedService):
    """Schedules of the owner's tasks: ``ScheduleService(engine_or_url, owner, *, clock=None)``.

    A task has at most one active schedule. Its first occurrence is queued by ``QueueService.run`` (if due)
    or by ``housekeeping.fire_due_schedules`` (a 'scheduled' task); after each generation ends the schedule
    advances to its next occurrence or, for 'once', turns off.
    """

    def create(
        self,
        task_id: str,
        scheduled_time: datetime,
        *,
        repeat: Repeat | str = Repeat.ONCE,
        repeat_config: RepeatConfig | dict[str, Any] | None = None,
        time_zone: str = "UTC",
        privacy: str | None = None,
        publish_at: datetime | None = None,
        channel_setting_id: str | None = None,
    ) -> ScheduleView:
        """Schedule a task to run at ``scheduled_time`` (then repeat in ``time_zone``); ValidationFailed
        on bad input, ConflictError if the task is canceled or already has an active schedule."""
        spec = ScheduleInput.parse(
            {
                "scheduled_time": scheduled_time,
                "repeat": repeat,
                "repeat_config": repeat_config or {},
                "time_zone": time_zone,
                "privacy": privacy,
                "publish_at": publish_at,
                "channel_setting_id": channel_setting_id,
            }
        )
        now = self.now()
        with self._write() as session:
            task = self._task(session, task_id, lock=True)
            if task.status is TaskStatus.CANCELED:
                raise ConflictError("a canceled task cannot be scheduled", {"status": task.status.value})
            check_channel(session, task.workspace_id, spec.channel_setting_id)
            schedule = TaskSchedule(
                id=new_id("s"),
                task_id=task.id,
                next_run_at=spec.first_run_at() if spec.is_active else None,
                created_at=now,
                updated_at=now,
                **spec.columns(),
            )
            session.add(schedule)
            self._flush(session, task.id)
            add_log(session, task, LogAction.SCHEDULE, f"schedule {schedule.id} created", now=now)
            return ScheduleView.model_validate(schedule)

    def update(self, schedule_id: str, **changes: Any) -> ScheduleView:
        """Change fields (``create``'s keyword names or camelCase, plus ``is_active``); recomputes
        ``next_run_at`` unless a generation it started is still in flight."""
        now = self.now()
        with self._write() as session:
            schedule, task = self._schedule(session, schedule_id)
            current = ScheduleView.model_validate(schedule).model_dump(
                include=set(ScheduleInput.model_fields)
            )
            spec = ScheduleInput.parse({**current, **changes})
            check_channel(session, task.workspace_id, spec.channel_setting_id)
            in_flight = (
                schedule.is_active and schedule.next_run_at is None and schedule.last_run_at is not None
            )
            for column, value in spec.columns().items():
                setattr(schedule, column, value)
            if not spec.is_active:
                schedule.next_run_at = None
            elif not in_flight:
                schedule.next_run_at = self._upcoming(spec, schedule.last_run_at)
            schedule.updated_at = now
            self._flush(session, task.id)
            if not spec.is_active:
                self._release(session, task, now)
            return ScheduleView.model_validate(schedule)

    def delete(self, schedule_id: str) -> None:
        """Delete a schedule; a task only waiting for it ('scheduled') is canceled."""
        now = self.now()
        with self._write() as session:
            schedule, task = self._schedule(session, schedule_id)
            session.delete(schedule)
            session.flush()
            self._release(session, task, now)

    def get(self, schedule_id: str) -> ScheduleView:
        """One schedule of the owner's tasks."""
        with self._read() as session:
            return ScheduleView.model_validate(self._schedule(session, schedule_id)[0])

    def list(self, task_id: str | None = None, *, active_only: bool = False) -> list[ScheduleView]:
        """The owner's schedules (of one task), soonest first."""
        stmt = self._owned_rows(TaskSchedule).order_by(TaskSchedule.next_run_at, TaskSchedule.id)
        if active_only:
            stmt = stmt.where(TaskSchedule.is_active.is_(True))
        with self._read() as session:
            if task_id is not None:
                self._task(session, task_id)
                stmt = stmt.where(TaskSchedule.task_id == task_id)
            return [ScheduleView.model_validate(schedule) for schedule in session.scalars(stmt)]

    # -- helpers -------------------------------------------------------------------------------------

    def _schedule(self, session: Session, schedule_id: str) -> tuple[TaskSchedule, Task]:
        row = session.execute(
            select(TaskSchedule.id, TaskSchedule.task_id)
            .join(Task, Task.id == TaskSchedule.task_id)
            .where(TaskSchedule.id == schedule_id, *self._owned())
        ).first()
        if row is None:
            raise NotFoundError(f"schedule {schedule_id!r} not found", {"scheduleId": schedule_id})
        task = self._task(session, row.task_id, lock=True)  # lock order: task before schedule
        schedule = session.scalars(
            select(TaskSchedule)
            .where(TaskSchedule.id == schedule_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        return schedule, task

    @staticmethod
    def _upcoming(spec: ScheduleInput, last_run_at: datetime | None) -> datetime | None:
        if last_run_at is None:
            return spec.first_run_at()
        return next_occurrence(
            spec.scheduled_time, spec.repeat, spec.time_zone, last_run_at, spec.repeat_config
        )

    @staticmethod
    def _release(session: Session, task: Task, now: datetime) -> None:
        """A 'scheduled' task has nothing left to wait for once its schedule is gone: cancel it."""
        if task.status is TaskStatus.SCHEDULED:
            cancel_task(session, task, now, "schedule removed")

    @staticmethod
    def _flush(session: Session, task_id: str) -> None:
        try:
            session.flush()
        except IntegrityError as exc:
            raise ConflictError("the task already has an active schedule", {"taskId": task_id}) from exc
