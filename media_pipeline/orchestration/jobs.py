"""One job per stage (tagged for run-level concurrency limits), plus a whole-pipeline job for the UI."""

import dagster as dg

from media_pipeline.orchestration.assets import ASSETS, STAGE_ASSETS
from media_pipeline.orchestration.tags import STAGE_TAG


def stage_job_name(stage: str) -> str:
    """Name of the job that materializes one stage."""
    return f"{stage}_job"


STAGE_JOBS = {
    stage.value: dg.define_asset_job(
        stage_job_name(stage.value),
        selection=[asset],
        tags={STAGE_TAG: stage.value},
        executor_def=dg.in_process_executor,
        description=f"Materialize the {stage} stage of one task.",
    )
    for stage, asset in STAGE_ASSETS.items()
}

produce_task_job = dg.define_asset_job(
    "produce_task_job",
    selection=ASSETS,
    executor_def=dg.in_process_executor,
    description="All stages of one task in one run (manual runs from the UI; bypasses the queue).",
)
