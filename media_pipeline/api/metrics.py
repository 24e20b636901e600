"""Prometheus metrics of one app: HTTP latencies (recorded per request) and app DB gauges/histograms/counters
(tasks by status, queue lengths, age of the oldest waiting task, stage durations, retries, rescues, stalls)
computed from the database at scrape time. ``deploy/grafana/media_pipeline.json`` charts them.

With several API worker processes (``api_workers``) the HTTP metrics are prometheus_client's multiprocess
mode: each worker writes its values to files in ``PROMETHEUS_MULTIPROC_DIR`` and a scrape, answered by any
worker, sums them (docs/ARCHITECTURE.md §11)."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from media_pipeline.api.metrics_dir import MULTIPROC_ENV
from media_pipeline.domain.stages import STAGES
from media_pipeline.store import (
    OPEN_STAGE_STATUSES,
    PipelineStats,
    StageDurations,
    StatsReader,
    StoreUnavailable,
    TaskStatus,
)

logger = logging.getLogger(__name__)

PREFIX = "media_pipeline"
STAGE_BUCKETS_S = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
HTTP_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class AppDbCollector(Collector):
    """Reads the app DB on every scrape (all owners: these are operator metrics)."""

    def __init__(self, engine: Engine) -> None:
        self.stats = StatsReader(engine)

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(f"{PREFIX}_app_db_up", "1 if the app DB answered the last scrape")
        try:
            stats = self.stats.read(STAGE_BUCKETS_S)
        except StoreUnavailable as exc:
            logger.warning("metrics: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from (self._tasks(stats), self._queues(stats), self._stage_durations(stats))
        yield self._per_stage(
            GaugeMetricFamily(
                f"{PREFIX}_oldest_waiting_task_age_seconds",
                "Seconds since the earliest queued task waiting in each stage was queued (0: none waits)",
                labels=["stage"],
            ),
            stats.oldest_waiting_s,
        )
        for name, counts, help_text in (
            ("stage_retries", stats.retries, "Transient stage failures that were retried"),
            ("stage_rescues", stats.rescues, "Stage runs rescued after their worker was lost"),
            ("stage_stalls", stats.stalls, "Stage runs ended because their progress stopped"),
        ):
            yield self._per_stage(
                CounterMetricFamily(f"{PREFIX}_{name}", help_text, labels=["stage"]), counts
            )

    @staticmethod
    def _per_stage(family: GaugeMetricFamily | CounterMetricFamily, values: Mapping[str, float]) -> Metric:
        for stage in STAGES:
            family.add_metric([stage], values.get(stage, 0))
        return family

    @staticmethod
    def _tasks(stats: PipelineStats) -> Metric:
        family = GaugeMetricFamily(f"{PREFIX}_tasks", "Tasks by status", labels=["status"])
        for status in TaskStatus:
            family.add_metric([status.value], stats.tasks.get(status, 0))
        return family

    @staticmethod
    def _queues(stats: PipelineStats) -> Metric:
        family = GaugeMetricFamily(
            f"{PREFIX}_queue_length",
            "Tasks waiting in / processed by each stage queue (current stage of active tasks), and drafts",
            labels=["queue", "state"],
        )
        family.add_metric(["draft", "waiting"], stats.drafts)
        for stage in STAGES:
            for status in OPEN_STAGE_STATUSES:
                family.add_metric([stage, status.value], stats.open_stages.get((stage, status), 0))
        return family

    @staticmethod
    def _stage_durations(stats: PipelineStats) -> Metric:
        family = HistogramMetricFamily(
            f"{PREFIX}_stage_duration_seconds", "Run time of completed stages", labels=["stage"]
        )
        empty = StageDurations(0, 0.0, (0,) * len(STAGE_BUCKETS_S))
        for stage in STAGES:
            durations = stats.durations.get(stage, empty)
            buckets = [(str(bound), n) for bound, n in zip(STAGE_BUCKETS_S, durations.at_most, strict=True)]
            buckets.append(("+Inf", durations.count))
            family.add_metric([stage], buckets, durations.total_s)
        return family


_LIVE_FILE = re.compile(r"gauge_live\w*_(\d+)\.db")


def forget_dead_workers(directory: Path) -> None:
    """Drop the live gauges of worker processes that are gone (a killed worker cannot do it itself)."""
    for path in directory.glob("gauge_live*.db"):
        found = _LIVE_FILE.fullmatch(path.name)
        if found is None:
            continue
        pid = int(found.group(1))
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, str(directory))
        except PermissionError:
            pass  # alive, another user's


class ApiMetrics:
    """The registry of one app instance (never the process-global one, so apps and tests stay apart); in
    multiprocess mode the HTTP metrics go to the shared files instead and are read back from all of them."""

    def __init__(self, engine: Engine) -> None:
        shared = os.environ.get(MULTIPROC_ENV)
        self._shared_dir = Path(shared) if shared else None
        own = None if self._shared_dir else CollectorRegistry()
        self.http_latency = Histogram(
            f"{PREFIX}_http_request_duration_seconds",
            "HTTP request latency by route template and status",
            ["method", "route", "status"],
            buckets=HTTP_BUCKETS_S,
            registry=own,
        )
        self.websocket_clients = Gauge(
            f"{PREFIX}_progress_websocket_clients",
            "Connected render-progress WebSocket clients",
            registry=own,
            multiprocess_mode="livesum",
        )
        self.registry = own or CollectorRegistry()
        if self._shared_dir:
            multiprocess.MultiProcessCollector(self.registry, str(self._shared_dir))
        self.registry.register(AppDbCollector(engine))

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Record one finished HTTP request."""
        self.http_latency.labels(method, route, str(status)).observe(seconds)

    def render(self) -> bytes:
        """The text exposition format (queries the app DB)."""
        if self._shared_dir:
            forget_dead_workers(self._shared_dir)
        return generate_latest(self.registry)

    def close(self) -> None:
        """This process stops serving: in multiprocess mode its live gauges leave the sum."""
        if self._shared_dir:
            multiprocess.mark_process_dead(os.getpid(), str(self._shared_dir))
