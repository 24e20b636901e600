"""Helpers for evaluating sensors against a real app DB: the app-DB resource and one sensor tick."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from media_pipeline.orchestration.resources import AppDbResource, PipelineConfig


def app_db_resource(db_url: str, tmp_path: Path) -> AppDbResource:
    """A new app-DB resource (its settings are read from the environment on first use)."""
    return AppDbResource(config=PipelineConfig(storage_root=str(tmp_path / "storage"), app_db_url=db_url))


def tick(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, pipeline: AppDbResource, cursor=None):
    """Evaluate ``sensor`` once; returns its result and the context (with the new cursor)."""
    with dg.build_sensor_context(instance=instance, resources={"app_db": pipeline}, cursor=cursor) as context:
        return sensor(context), context
