"""Queue-driven sensors: dispatch queued/next stages as runs, and write run outcomes back to the app DB.

The dispatch sensors only *read* the app DB; run keys ``task:generation:stage:attempt`` make every launch
exactly-once even when a tick is repeated after a crash (Dagster dedupes run keys per sensor forever, and a
key that already has a run from the repeats schedule is not requested again).
"""

import time
from datetime import UTC, datetime, timedelta
from functools import partial

import dagster as dg

from media_pipeline.orchestration.jobs import STAGE_JOBS
from media_pipeline.orchestration.launch_selection import remembering, select_launches
from media_pipeline.orchestration.leftovers import end_abandoned_run
from media_pipeline.orchestration.partitions import task_partitions
from media_pipeline.orchestration.rescue import stale_run_rescue_sensor
from media_pipeline.orchestration.resources import AppDbResource
from media_pipeline.orchestration.stage_requests import (
    new_partition_keys,
    run_keys_with_run,
    stage_run_request,
)
from media_pipeline.orchestration.tags import ATTEMPT_TAG, GENERATION_TAG, STAGE_TAG, TASK_TAG
from media_pipeline.store.pipeline_state import LaunchItem

DISPATCH_INTERVAL_S = 1
STATUS_INTERVAL_S = 2
STATUS_LOOKBACK = timedelta(seconds=30)
LONG_POLL_STEP_S = 0.2


def _dispatch(context: dg.SensorEvaluationContext, app_db: AppDbResource, first: bool) -> dg.SensorResult:
    items = _wait_for_launchable(context, app_db, first)
    new_keys = new_partition_keys(context.instance, items)
    requests = [stage_run_request(item) for item in items]
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[task_partitions.build_add_request(new_keys)] if new_keys else [],
        skip_reason=None if requests else "nothing to launch",
    )


def _wait_for_launchable(
    context: dg.SensorEvaluationContext, app_db: AppDbResource, first: bool
) -> list[LaunchItem]:
    """Launchable stages (first stage or later ones) without a run yet (``select_launches``), long-polling
    the app DB until one is new.

    Dagster's sensor daemon starts a tick at most every 5 s whatever ``minimum_interval_seconds`` says
    (``MIN_INTERVAL_LOOP_TIME`` in dagster/_daemon/sensor.py), and skips a loop while the previous tick
    still runs. A tick that looked once would add 0-5 s to every stage handoff; waiting on the (indexed,
    cheap) launchable query for ``sensor_long_poll_s`` (3 s: listening ~3 s of every 5 s loop) and
    returning as soon as a stage without a run appears cuts most handoffs to about ``LONG_POLL_STEP_S``.
    Stages whose run exists but has not started yet are left out, whoever requested the run (this sensor
    or the repeats schedule, whose runs Dagster would not dedupe against this sensor's).
    """
    state, settings = app_db.state(), app_db.config.settings
    deadline = time.monotonic() + settings.sensor_long_poll_s
    with_run = remembering(partial(run_keys_with_run, context.instance))
    while True:
        fresh = select_launches(
            partial(state.launchable, datetime.now(UTC)),
            with_run,
            first=first,
            limit=settings.sensor_max_runs_per_tick,
            max_window=settings.sensor_launchable_window_max,
        )
        if fresh or time.monotonic() >= deadline:
            return fresh
        time.sleep(LONG_POLL_STEP_S)


@dg.sensor(
    jobs=list(STAGE_JOBS.values()),
    minimum_interval_seconds=DISPATCH_INTERVAL_S,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def queued_tasks_sensor(context: dg.SensorEvaluationContext, app_db: AppDbResource) -> dg.SensorResult:
    """Start the first stage (script) of queued tasks; adds their dynamic partitions in the same result."""
    return _dispatch(context, app_db, first=True)


@dg.sensor(
    jobs=list(STAGE_JOBS.values()),
    minimum_interval_seconds=DISPATCH_INTERVAL_S,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def stage_chain_sensor(context: dg.SensorEvaluationContext, app_db: AppDbResource) -> dg.SensorResult:
    """Launch the next stage of tasks whose previous stage completed (skips stopped or unapproved tasks)."""
    return _dispatch(context, app_db, first=False)


_FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


@dg.sensor(minimum_interval_seconds=STATUS_INTERVAL_S, default_status=dg.DefaultSensorStatus.RUNNING)
def run_status_writer_sensor(context: dg.SensorEvaluationContext, app_db: AppDbResource) -> dg.SkipReason:
    """Record finished stage runs in the app DB (covers runs whose worker died before it could report)."""
    # Re-read a window before the cursor: runs finishing with the same timestamp, or committed late on
    # PostgreSQL, must not be skipped for good; the stage_* calls count each run once (run id + attempt).
    since = datetime.fromisoformat(context.cursor) - STATUS_LOOKBACK if context.cursor else None
    records = context.instance.get_run_records(
        filters=dg.RunsFilter(statuses=_FINISHED, updated_after=since),
        limit=200,
        order_by="update_timestamp",
        ascending=True,
    )
    state = app_db.state()
    heartbeats = app_db.heartbeats()
    written = 0
    for record in records:
        tags = record.dagster_run.tags
        if GENERATION_TAG not in tags or STAGE_TAG not in tags:
            continue
        task_id, generation, stage = tags[TASK_TAG], int(tags[GENERATION_TAG]), tags[STAGE_TAG]
        run_id, status = record.dagster_run.run_id, record.dagster_run.status
        attempt = int(tags[ATTEMPT_TAG]) if ATTEMPT_TAG in tags else None
        if status is not dg.DagsterRunStatus.SUCCESS and (killed := end_abandoned_run(heartbeats, run_id)):
            context.log.warning(f"run {run_id} ended without its worker: killed leftover pids {killed}")
        if status is dg.DagsterRunStatus.SUCCESS:
            changed = state.stage_completed(task_id, generation, stage, run_id, [], attempt=attempt)
        elif status is dg.DagsterRunStatus.CANCELED:
            changed = state.stage_canceled(task_id, generation, stage, run_id)
        else:
            message = f"Dagster run {run_id} failed before the stage reported an outcome (worker lost)"
            changed = state.stage_failed(
                task_id, generation, stage, run_id, message, transient=True, attempt=attempt
            )
        written += bool(changed)
    if records:
        context.update_cursor(records[-1].update_timestamp.isoformat())
    return dg.SkipReason(f"recorded {written} finished runs ({len(records)} read)")


SENSORS = [
    queued_tasks_sensor,
    stage_chain_sensor,
    run_status_writer_sensor,
    stale_run_rescue_sensor,
]
