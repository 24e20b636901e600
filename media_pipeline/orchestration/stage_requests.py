"""Run requests for stage runs, shared by the queue sensors and the repeats schedule (docs/ARCHITECTURE.md
invariant 1): one run key ``task:generation:stage:attempt`` per stage run, whichever of them requests it."""

from collections.abc import Collection

import dagster as dg

from media_pipeline.orchestration.jobs import stage_job_name
from media_pipeline.orchestration.partitions import TASK_PARTITIONS
from media_pipeline.orchestration.tags import (
    ATTEMPT_TAG,
    GENERATION_TAG,
    PRIORITY_TAG,
    RUN_KEY_TAG,
    STAGE_TAG,
    TASK_TAG,
)
from media_pipeline.store.pipeline_state import LaunchItem

RUN_KEY_CHUNK = 500


def stage_run_request(item: LaunchItem) -> dg.RunRequest:
    """The run of ``item``'s stage job for its task partition, tagged with its task, stage, generation
    and attempt, and with a priority that keeps the run queue fair between workspaces (docs/ARCHITECTURE.md
    §4): a workspace's first task gets 0 (the default of every other run), its n-th -(n-1), so a run
    requested later for another workspace's first task is not queued behind a long queue's runs."""
    return dg.RunRequest(
        run_key=item.run_key,
        job_name=stage_job_name(item.stage),
        partition_key=item.task_id,
        tags={
            STAGE_TAG: item.stage,
            TASK_TAG: item.task_id,
            GENERATION_TAG: str(item.generation),
            ATTEMPT_TAG: str(item.attempt),
            PRIORITY_TAG: str(1 - item.turn),
        },
    )


def has_run(instance: dg.DagsterInstance, run_key: str) -> bool:
    """Whether any sensor or schedule already created a run with ``run_key`` (Dagster itself dedupes run
    keys only per sensor, and per tick for schedules)."""
    return bool(instance.get_run_ids(filters=dg.RunsFilter(tags={RUN_KEY_TAG: run_key}), limit=1))


def run_keys_with_run(instance: dg.DagsterInstance, run_keys: Collection[str]) -> set[str]:
    """Of ``run_keys``, those that any sensor or schedule already created a run for (one query per
    ``RUN_KEY_CHUNK`` keys)."""
    keys = list(run_keys)
    found: set[str] = set()
    for start in range(0, len(keys), RUN_KEY_CHUNK):
        filters = dg.RunsFilter(tags={RUN_KEY_TAG: keys[start : start + RUN_KEY_CHUNK]})
        found.update(run.tags[RUN_KEY_TAG] for run in instance.get_runs(filters=filters))
    return found


def new_partition_keys(instance: dg.DagsterInstance, items: list[LaunchItem]) -> list[str]:
    """Task partitions of ``items`` not yet known to the instance, sorted."""
    known = instance.has_dynamic_partition
    return sorted({item.task_id for item in items if not known(TASK_PARTITIONS, item.task_id)})
