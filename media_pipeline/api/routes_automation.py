"""Automation views (``/api/automation``): stop, retry, rerun, logs, stage tabs and schedules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import AwareDatetime

from media_pipeline.api.deps import Context, ReadOwner, WriteOwner
from media_pipeline.api.errors import responses
from media_pipeline.api.schemas import (
    Items,
    Log,
    Rerun,
    Schedule,
    ScheduleCreateBody,
    ScheduleUpdateBody,
    Stopped,
    Tabs,
    Task,
    TaskId,
    TaskRef,
)
from media_pipeline.store import (
    STAGES,
    LogAction,
    LogLevel,
    RerunResult,
    ScheduleView,
    StageTabs,
    StopResult,
    TaskView,
)

router = APIRouter(
    prefix="/api/automation", tags=["automation"], responses=responses(400, 401, 403, 404, 413, 422)
)
ScheduleId = Annotated[str, Path(alias="scheduleId", max_length=64)]
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.post("/stop", response_model=Stopped, summary="Stop a task (idempotent); terminates its run")
def stop(body: TaskRef, context: Context, owner: WriteOwner) -> StopResult:
    return context.usecases(owner).stop(body.task_id)


@router.post(
    "/retry",
    response_model=Task,
    responses=responses(409),
    summary="Retry a failed task from its failed stage",
)
def retry(body: TaskRef, context: Context, owner: WriteOwner) -> TaskView:
    return context.usecases(owner).retry(body.task_id)


@router.post(
    "/rerun",
    response_model=Rerun,
    responses=responses(409),
    summary="Run a canceled, failed or succeeded task again as a new generation",
)
def rerun(body: TaskRef, context: Context, owner: WriteOwner) -> RerunResult:
    return context.usecases(owner).rerun(body.task_id)


@router.get("/logs", summary="Task logs, newest first")
def logs(
    context: Context,
    owner: ReadOwner,
    task_id: Annotated[TaskId | None, Query(alias="taskId")] = None,
    level: Annotated[LogLevel | None, Query(description="debug, info, warning (or warn) or error")] = None,
    stage: Annotated[
        str | None, Query(alias="queueType", description=f"A stage queue: {', '.join(STAGES)}", max_length=32)
    ] = None,
    action_type: Annotated[LogAction | None, Query(alias="actionType")] = None,
    since: Annotated[AwareDatetime | None, Query(description="Entries at or after this time.")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Entries before this time.")] = None,
    limit: Limit = 100,
) -> Items[Log]:
    entries = context.tasks(owner).logs(
        task_id, level=level, stage=stage, action=action_type, since=since, until=until, limit=limit
    )
    return Items[Log](items=entries)


@router.get(
    "/tabs", response_model=Tabs, summary="Tabs: scheduled, waiting/processing per stage, failed, done"
)
def tabs(context: Context, owner: ReadOwner, limit: Limit = 100) -> StageTabs:
    return context.tasks(owner).stage_tabs(limit)


@router.get("/schedules", summary="Schedules of the caller's tasks, soonest first")
def list_schedules(
    context: Context,
    owner: ReadOwner,
    task_id: Annotated[TaskId | None, Query(alias="taskId")] = None,
    active_only: Annotated[bool, Query(alias="activeOnly")] = False,
) -> Items[Schedule]:
    return Items[Schedule](items=context.schedules(owner).list(task_id, active_only=active_only))


@router.post(
    "/schedules",
    status_code=201,
    response_model=Schedule,
    responses=responses(409),
    summary="Schedule a task (at most one active schedule per task)",
)
def create_schedule(body: ScheduleCreateBody, context: Context, owner: WriteOwner) -> ScheduleView:
    fields = body.model_dump(exclude_none=True, exclude={"task_id", "scheduled_time"})
    return context.schedules(owner).create(body.task_id, body.scheduled_time, **fields)


@router.get("/schedules/{scheduleId}", response_model=Schedule, summary="One schedule")
def get_schedule(schedule_id: ScheduleId, context: Context, owner: ReadOwner) -> ScheduleView:
    return context.schedules(owner).get(schedule_id)


@router.patch(
    "/schedules/{scheduleId}", response_model=Schedule, responses=responses(409), summary="Change a schedule"
)
def update_schedule(
    schedule_id: ScheduleId, body: ScheduleUpdateBody, context: Context, owner: WriteOwner
) -> ScheduleView:
    return context.schedules(owner).update(schedule_id, **body.model_dump(exclude_unset=True))


@router.delete(
    "/schedules/{scheduleId}",
    status_code=204,
    response_class=Response,
    summary="Delete a schedule (a task only waiting for it is canceled)",
)
def delete_schedule(schedule_id: ScheduleId, context: Context, owner: WriteOwner) -> Response:
    context.schedules(owner).delete(schedule_id)
    return Response(status_code=204)
