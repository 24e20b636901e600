"""Time-driven housekeeping: the repeats schedule queues and launches due task repeats every minute, and the
hourly cleanup schedule removes expired drafts (docs/ARCHITECTURE.md §4, "Dagster objects")."""

from datetime import UTC, datetime

import dagster as dg

from media_pipeline.domain.stages import FIRST_STAGE
from media_pipeline.orchestration.jobs import STAGE_JOBS
from media_pipeline.orchestration.partitions import TASK_PARTITIONS
from media_pipeline.orchestration.resources import AppDbResource
from media_pipeline.orchestration.stage_requests import has_run, new_partition_keys, stage_run_request


@dg.schedule(
    job=STAGE_JOBS[FIRST_STAGE],
    cron_schedule="* * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def task_repeats_schedule(
    context: dg.ScheduleEvaluationContext, app_db: AppDbResource
) -> list[dg.RunRequest] | dg.SkipReason:
    """Queue every task repeat due at this tick (once per occurrence: the app DB claims it) and request the
    first-stage runs of the generations it queued; a repeated tick for the same time names the same runs
    (run key per task, generation, stage and attempt), so each occurrence is launched once."""
    tick_time = context.scheduled_execution_time or datetime.now(UTC)
    tick = app_db.housekeeping().queue_due_repeats(tick_time)
    launches = [item for item in tick.launches if not has_run(context.instance, item.run_key)]
    summary = f"{tick.due} due, {tick.queued} queued" if tick.due else "no repeat due"
    if not launches:
        return dg.SkipReason(summary)
    if new_keys := new_partition_keys(context.instance, launches):
        context.instance.add_dynamic_partitions(TASK_PARTITIONS, new_keys)
    context.log.info(f"{summary}; launching {len(launches)} first stages")
    return [stage_run_request(item) for item in launches]


@dg.op
def cleanup_expired_drafts(context: dg.OpExecutionContext, app_db: AppDbResource) -> int:
    """Delete expired drafts from the app DB and report how many went."""
    removed = app_db.housekeeping().cleanup_expired_drafts(datetime.now(UTC))
    context.log.info(f"removed {removed} expired drafts")
    return removed


@dg.job(executor_def=dg.in_process_executor)
def cleanup_drafts_job() -> None:
    """Remove expired drafts."""
    cleanup_expired_drafts()


cleanup_drafts_schedule = dg.ScheduleDefinition(
    job=cleanup_drafts_job,
    cron_schedule="17 * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    execution_timezone="UTC",
)

SCHEDULES = [task_repeats_schedule, cleanup_drafts_schedule]
