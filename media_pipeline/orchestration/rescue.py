"""Stale-run rescue (docs/ARCHITECTURE.md, reliability): a stage run whose worker is gone is failed in the
Dagster instance (freeing its stage's run slot), its leftover processes on this host are ended by process
group, and the stage failure counts as one transient attempt, so the retry policy goes on.

A worker is gone when its heartbeat is older than ``heartbeat_timeout_s`` (any host: a frozen worker stops
beating), when it recorded one on this host and that process has exited, or when a started run never
recorded a heartbeat within the timeout. A worker that beats but whose progress mark has not moved for its
stage's stall limit (a hung provider call, a stalled ffmpeg, a deadlock) is stalled and treated the same
(docs/ARCHITECTURE.md, liveness). Runs that end without their worker recording the outcome are recorded by
the status writer sensor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg

from media_pipeline.orchestration.heartbeat import this_host
from media_pipeline.orchestration.leftovers import end_run_processes
from media_pipeline.orchestration.resources import AppDbResource
from media_pipeline.orchestration.tags import ATTEMPT_TAG, GENERATION_TAG, STAGE_TAG, TASK_TAG
from media_pipeline.store.heartbeats import Heartbeat, HeartbeatStore

RESCUE_INTERVAL_S = 5
HEARTBEAT_RETENTION = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class LostRun:
    """A started stage run whose worker is gone, and why."""

    run: dg.DagsterRun
    beat: Heartbeat | None
    reason: str


@dataclass(frozen=True, slots=True)
class Limits:
    """How long a worker may go without a heartbeat, and without progress (per stage)."""

    heartbeat_timeout_s: float
    stall_limit_s: Callable[[str], float]


def lost_reason(beat: Heartbeat | None, started_at: datetime, now: datetime, limits: Limits) -> str | None:
    """Why the worker of a started run counts as gone or stalled (None while it counts as alive)."""
    timeout_s = limits.heartbeat_timeout_s
    if beat is None:
        age = (now - started_at).total_seconds()
        return f"no heartbeat {age:.0f} s after the run started" if age > timeout_s else None
    worker = beat.worker
    where = f"worker {worker.worker.pid} on {worker.host}"
    if beat.ended_at is None and worker.host == this_host() and not worker.worker.is_running():
        return f"{where} exited without reporting an outcome"
    age = (now - beat.last_sign_of_life()).total_seconds()
    if age > timeout_s:
        return f"no heartbeat for {age:.0f} s ({where})"
    still = (now - beat.progressed_at).total_seconds()
    limit = limits.stall_limit_s(worker.stage)
    if beat.ended_at is None and still > limit:
        last = f"; last: {worker.progress.note}" if worker.progress.note else ""
        return f"stalled: no progress for {still:.0f} s (stall limit {limit:.0f} s, {where}{last})"
    return None


def find_lost_runs(
    instance: dg.DagsterInstance, heartbeats: HeartbeatStore, now: datetime, limits: Limits
) -> list[LostRun]:
    """Started stage runs (launched by the queue sensors) whose worker is gone or stalled."""
    records = instance.get_run_records(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
    lost = []
    for record in records:
        run = record.dagster_run
        if GENERATION_TAG not in run.tags or STAGE_TAG not in run.tags:
            continue
        beat = heartbeats.get(run.run_id)
        started_at = datetime.fromtimestamp(record.start_time or record.create_timestamp.timestamp(), UTC)
        reason = lost_reason(beat, started_at, now, limits)
        if reason is not None:
            lost.append(LostRun(run, beat, reason))
    return lost


def rescue(instance: dg.DagsterInstance, app_db: AppDbResource, lost: LostRun) -> list[int]:
    """Record one transient failure, end the lost run's processes and mark the Dagster run failed; returns
    the pids killed. The failure is recorded first: a stalled worker that is still alive sees its child
    killed and may report that as its own failure, which then counts nothing (each run counts once), so
    the task's history names the rescue's reason."""
    run, tags = lost.run, lost.run.tags
    attempt = int(tags[ATTEMPT_TAG]) if ATTEMPT_TAG in tags else None
    app_db.state().stage_failed(
        tags[TASK_TAG],
        int(tags[GENERATION_TAG]),
        tags[STAGE_TAG],
        run.run_id,
        f"rescued: {lost.reason}",
        transient=True,
        attempt=attempt,
    )
    killed = end_run_processes(lost.beat)
    current = instance.get_run_by_id(run.run_id)
    if current is not None and not current.is_finished:  # it may have ended meanwhile
        instance.report_run_failed(current, message=f"media_pipeline rescue: {lost.reason}")
    return killed


@dg.sensor(minimum_interval_seconds=RESCUE_INTERVAL_S, default_status=dg.DefaultSensorStatus.RUNNING)
def stale_run_rescue_sensor(context: dg.SensorEvaluationContext, app_db: AppDbResource) -> dg.SkipReason:
    """Rescue started stage runs whose worker is gone or stalled (see the module docstring)."""
    heartbeats = app_db.heartbeats()
    now = datetime.now(UTC)
    settings = app_db.config.settings
    limits = Limits(settings.heartbeat_timeout_s, settings.stall_limit_s)
    lost_runs = find_lost_runs(context.instance, heartbeats, now, limits)
    for lost in lost_runs:
        killed = rescue(context.instance, app_db, lost)
        context.log.warning(f"rescued run {lost.run.run_id}: {lost.reason}; killed pids {killed}")
    heartbeats.prune(now - HEARTBEAT_RETENTION)
    return dg.SkipReason(f"rescued {len(lost_runs)} runs")
