"""Prometheus metrics of one app: HTTP latencies (recorded per request) and app DB gauges/histograms
(tasks by status, queue lengths, stage durations) computed from the database at scrape time."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import ColumnElement, Connection, Engine, case, func, select
from sqlalchemy.exc import SQLAlchemyError

from media_pipeline.store.db import READ_ONLY
from media_pipeline.store.enums import OPEN_STAGE_STATUSES, STAGES, StageStatus, TaskStatus
from media_pipeline.store.models import Task, TaskStageState
from media_pipeline.store.queries import current_stage_select

logger = logging.getLogger(__name__)

PREFIX = "media_pipeline"
STAGE_BUCKETS_S = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
HTTP_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _seconds_between(start: ColumnElement, end: ColumnElement, dialect: str) -> ColumnElement[float]:
    if dialect == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


class AppDbCollector(Collector):
    """Reads the app DB on every scrape (all owners: these are operator metrics)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(f"{PREFIX}_app_db_up", "1 if the app DB answered the last scrape")
        try:
            with self.engine.connect().execution_options(**{READ_ONLY: True}) as connection:
                metrics = [
                    self._tasks(connection),
                    self._queues(connection),
                    self._stage_durations(connection),
                ]
        except SQLAlchemyError as exc:
            logger.warning("metrics: app DB query failed: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from metrics

    @staticmethod
    def _tasks(connection: Connection) -> Metric:
        counts = dict(connection.execute(select(Task.status, func.count()).group_by(Task.status)).all())
        family = GaugeMetricFamily(f"{PREFIX}_tasks", "Tasks by status", labels=["status"])
        for status in TaskStatus:
            family.add_metric([status.value], counts.get(status, 0))
        return family

    @staticmethod
    def _queues(connection: Connection) -> Metric:
        family = GaugeMetricFamily(
            f"{PREFIX}_queue_length",
            "Tasks waiting in / processed by each stage queue (current stage of active tasks), and drafts",
            labels=["queue", "state"],
        )
        drafts = connection.scalar(select(func.count()).where(Task.status == TaskStatus.DRAFT))
        family.add_metric(["draft", "waiting"], drafts or 0)
        rows = connection.execute(
            current_stage_select(TaskStageState.stage, TaskStageState.status, func.count()).group_by(
                TaskStageState.stage, TaskStageState.status
            )
        ).all()
        counts = {(stage, status): count for stage, status, count in rows}
        for stage in STAGES:
            for status in OPEN_STAGE_STATUSES:
                family.add_metric([stage, status.value], counts.get((stage, status), 0))
        return family

    @staticmethod
    def _stage_durations(connection: Connection) -> Metric:
        seconds = _seconds_between(
            TaskStageState.started_at, TaskStageState.finished_at, connection.dialect.name
        )
        bucket_columns = [func.sum(case((seconds <= bound, 1), else_=0)) for bound in STAGE_BUCKETS_S]
        rows = connection.execute(
            select(TaskStageState.stage, func.count(), func.sum(seconds), *bucket_columns)
            .where(
                TaskStageState.status == StageStatus.COMPLETED,
                TaskStageState.started_at.is_not(None),
                TaskStageState.finished_at.is_not(None),
            )
            .group_by(TaskStageState.stage)
        ).all()
        by_stage = {row[0]: row for row in rows}
        family = HistogramMetricFamily(
            f"{PREFIX}_stage_duration_seconds", "Run time of completed stages", labels=["stage"]
        )
        for stage in STAGES:
            _, count, total, *cumulative = by_stage.get(stage, (stage, 0, 0.0, *[0] * len(STAGE_BUCKETS_S)))
            buckets = [
                (str(bound), int(n or 0)) for bound, n in zip(STAGE_BUCKETS_S, cumulative, strict=True)
            ]
            buckets.append(("+Inf", int(count or 0)))
            family.add_metric([stage], buckets, float(total or 0.0))
        return family


class ApiMetrics:
    """The registry of one app instance (never the process-global one, so apps and tests stay apart)."""

    def __init__(self, engine: Engine) -> None:
        self.registry = CollectorRegistry()
        self.http_latency = Histogram(
            f"{PREFIX}_http_request_duration_seconds",
            "HTTP request latency by route template and status",
            ["method", "route", "status"],
            buckets=HTTP_BUCKETS_S,
            registry=self.registry,
        )
        self.websocket_clients = Gauge(
            f"{PREFIX}_progress_websocket_clients",
            "Connected render-progress WebSocket clients",
            registry=self.registry,
        )
        self.registry.register(AppDbCollector(engine))

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Record one finished HTTP request."""
        self.http_latency.labels(method, route, str(status)).observe(seconds)

    def render(self) -> bytes:
        """The text exposition format (queries the app DB)."""
        return generate_latest(self.registry)
