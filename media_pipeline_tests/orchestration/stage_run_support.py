"""One queue-style stage run in-process (Dagster ``materialize`` with the tags the dispatch sensors set),
shared by the tests that drive a stage through its real failure path."""

from __future__ import annotations

import dagster as dg

from media_pipeline.orchestration.assets import ASSETS
from media_pipeline.orchestration.partitions import task_partitions
from media_pipeline.orchestration.resources import build_resources
from media_pipeline.orchestration.tags import ATTEMPT_TAG, GENERATION_TAG, STAGE_TAG, TASK_TAG
from media_pipeline.settings import Settings


def queued_stage_run(
    settings: Settings, instance: dg.DagsterInstance, task_id: str, stage: str, attempt: int
) -> bool:
    """Run ``stage`` of generation 1 of ``task_id`` as its ``attempt``; True if the run succeeded."""
    if not instance.has_dynamic_partition(task_partitions.name, task_id):
        instance.add_dynamic_partitions(task_partitions.name, [task_id])
    result = dg.materialize(
        ASSETS,
        selection=[stage],
        partition_key=task_id,
        instance=instance,
        resources=build_resources(settings),
        tags={STAGE_TAG: stage, TASK_TAG: task_id, GENERATION_TAG: "1", ATTEMPT_TAG: str(attempt)},
        raise_on_error=False,
    )
    return result.success
