"""Housekeeping schedule: remove drafts whose expiry time has passed."""

from datetime import UTC, datetime

import dagster as dg

from media_pipeline.orchestration.resources import AppDbResource


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
