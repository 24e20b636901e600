"""Video performance as a Dagster asset (docs/ARCHITECTURE.md §13): ``video_performance`` (one partition
per task, like the production assets) reads each publication's daily metrics from its target's metrics
source and upserts them in the app DB; its freshness check fails when a publication's data is older than
``performance_stale_h``. ``video_performance_schedule`` requests a run for every task with a publication
due (hourly in the first hours after publishing, daily afterwards, up to ``performance_max_age_days``)."""

from datetime import UTC, datetime, timedelta

import dagster as dg

from media_pipeline.errors import DeferredError, MediaPipelineError, TransientError
from media_pipeline.orchestration.partitions import TASK_PARTITIONS, task_partitions
from media_pipeline.orchestration.resources import AppDbResource, MetricsResource, StorageResource

GROUP = "performance"
FRESHNESS_CHECK = "performance_freshness"


@dg.asset(
    partitions_def=task_partitions,
    group_name=GROUP,
    kinds={"youtube", "tiktok", "instagram"},
    check_specs=[
        dg.AssetCheckSpec(
            FRESHNESS_CHECK,
            asset="video_performance",
            description="every publication's metrics were read within performance_stale_h hours",
        )
    ],
)
def video_performance(
    context: dg.AssetExecutionContext,
    app_db: AppDbResource,
    metrics: MetricsResource,
    storage: StorageResource,
) -> dg.MaterializeResult:
    """The daily metrics of the task's publications (views, watch time, retention, engagement), upserted
    one row per publication and day. Quota answers defer a publication (not the run); the next tick after
    the deferral tries again."""
    from media_pipeline.domain.publication import PublishTarget
    from media_pipeline.orchestration.task_files import first_line_chars
    from media_pipeline.providers.social_tokens import ReconnectRequired

    store = app_db.performance()
    task_id = context.partition_key
    now = datetime.now(UTC)
    line_chars = first_line_chars(storage.storage(), task_id)
    days = 0
    problems: dict[str, str] = {}
    for publication in store.publications(now, task_id):
        key = f"{publication.content_id}/{publication.target}"
        try:
            source = metrics.source(publication.target, publication.channel_setting_id)
            series = source.daily(publication, publication.published_at.date(), now.date())
        except DeferredError as exc:
            store.defer(publication, now + timedelta(seconds=exc.retry_after_s), str(exc))
            problems[key] = f"deferred: {exc}"
            continue
        except TransientError as exc:
            store.defer(publication, None, str(exc))
            problems[key] = f"retry next tick: {exc}"
            continue
        except MediaPipelineError as exc:  # reconnect the channel, or a refusal: not before a day passes
            store.defer_a_day(publication, now, str(exc))
            if isinstance(exc, ReconnectRequired) and publication.channel_setting_id:
                target = PublishTarget(publication.target)
                app_db.publish_connections().mark_reconnect(publication.channel_setting_id, target, str(exc))
            problems[key] = str(exc)
            continue
        # lifetime counters: the day's values are differences (docs/ARCHITECTURE.md §13, lifetime sources)
        record = store.record_snapshots if source.cumulative else store.record
        days += record(publication, series, now, line_chars)
    for key, problem in problems.items():
        context.log.warning(f"{key}: {problem}")
    stale = store.stale(task_id, datetime.now(UTC))
    return dg.MaterializeResult(
        metadata={"days_written": days, "problems": dg.MetadataValue.json(problems)},
        check_results=[
            dg.AssetCheckResult(
                check_name=FRESHNESS_CHECK,
                passed=not stale,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={
                    "stale": dg.MetadataValue.json(
                        [
                            {
                                "content_id": item.content_id,
                                "target": item.target,
                                "fetched_at": item.fetched_at.isoformat() if item.fetched_at else None,
                                "error": item.error,
                            }
                            for item in stale
                        ]
                    )
                },
            )
        ],
    )


video_performance_job = dg.define_asset_job(
    "video_performance_job",
    selection=[video_performance],
    executor_def=dg.in_process_executor,
    tags={"media_pipeline/kind": "performance"},
)


def performance_schedule(cron: str) -> dg.ScheduleDefinition:
    """The schedule that refreshes ``video_performance`` on ``cron`` (UTC; the entry point reads it from
    the settings, docs/ARCHITECTURE.md §13)."""

    @dg.schedule(
        name="video_performance_schedule",
        job=video_performance_job,
        cron_schedule=cron,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    def video_performance_schedule(
        context: dg.ScheduleEvaluationContext, app_db: AppDbResource
    ) -> list[dg.RunRequest] | dg.SkipReason:
        """One run per task with a publication due at this tick (run key: task and tick time, so a repeated
        evaluation of the same tick names the same runs)."""
        tick_time = context.scheduled_execution_time or datetime.now(UTC)
        due = app_db.performance().due_tasks(tick_time)
        if not due:
            return dg.SkipReason("no publication due")
        known = context.instance.has_dynamic_partition
        if new_keys := sorted(task_id for task_id in due if not known(TASK_PARTITIONS, task_id)):
            context.instance.add_dynamic_partitions(TASK_PARTITIONS, new_keys)
        stamp = tick_time.astimezone(UTC).strftime("%Y%m%dT%H%M")
        return [
            dg.RunRequest(run_key=f"performance:{task_id}:{stamp}", partition_key=task_id) for task_id in due
        ]

    return video_performance_schedule
