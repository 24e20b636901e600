"""Runs queued stages in this process, like the daemon would: ticks the real dispatch sensors and
materializes each requested stage with the run's tags, so stages report to the app DB as in production
(the API's progress hub and WebSocket see them exactly as they would). A test may hold stages back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from media_pipeline.domain import Stage
from media_pipeline.orchestration.assets import ASSETS, STAGE_ASSETS
from media_pipeline.orchestration.sensors import queued_tasks_sensor, stage_chain_sensor
from media_pipeline.orchestration.tags import STAGE_TAG

TICK_S = 0.2
FAST_OPTIONS = {"renderHeight": 160, "fps": 10, "imageCount": 1, "targetDurationS": 5, "styles": ["ocean"]}
"""Task options that make a real video quickly (one image, 5 s, 160 px renders)."""


class StageDriver:
    """Dispatches and executes stages until stopped; only stages in ``allowed`` run."""

    def __init__(
        self, resources: dict[str, dg.ConfigurableResource], instance: dg.DagsterInstance, allowed: set[str]
    ) -> None:
        self.resources = resources
        self.instance = instance
        self.allowed = set(allowed)
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def allow(self, *stages: str) -> None:
        """Let ``stages`` run from now on."""
        with self._lock:
            self.allowed.update(stages)

    def _tick(self, sensor: dg.SensorDefinition) -> None:
        with dg.build_sensor_context(instance=self.instance, resources=self.resources) as context:
            result = sensor(context)
        for request in result.dynamic_partitions_requests or []:
            self.instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        for run in result.run_requests or []:
            stage = run.tags[STAGE_TAG]
            with self._lock:
                if stage not in self.allowed:
                    continue
            dg.materialize(
                ASSETS,
                selection=[STAGE_ASSETS[Stage(stage)]],  # the video stage is a multi-asset
                partition_key=run.partition_key,
                instance=self.instance,
                resources=self.resources,
                tags=dict(run.tags),
                raise_on_error=False,
            )

    def _loop(self) -> None:
        while not self._stop.wait(TICK_S):
            try:
                self._tick(queued_tasks_sensor)
                self._tick(stage_chain_sensor)
            except Exception as exc:  # reported by the test at the end
                self.errors.append(exc)
                return

    @contextmanager
    def running(self) -> Iterator[StageDriver]:
        """Run the loop in a thread for the duration of the block."""
        thread = threading.Thread(target=self._loop, name="stage-driver", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join(120)
        assert not self.errors, self.errors
