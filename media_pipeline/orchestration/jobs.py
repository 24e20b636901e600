"""One job per stage (tagged for run-level concurrency limits), plus a whole-pipeline job for the UI."""

import dagster as dg

from media_pipeline.orchestration.assets import ASSETS
from media_pipeline.orchestration.tags import STAGE_TAG


def stage_job_name(stage: str) -> str:
    """Name of the job that materializes one stage."""
    return f"{stage}_job"


STAGE_JOBS = {
    asset.key.to_user_string(): dg.define_asset_job(
        stage_job_name(asset.key.to_user_string()),
        selection=[asset],
        tags={STAGE_TAG: asset.key.to_user_string()},
        executor_def=dg.in_process_executor,
        description=f"Materialize the {asset.key.to_user_string()} stage of one task.",
    )
    for asset in ASSETS
}

produce_task_job = dg.define_asset_job(
    "produce_task_job",
    selection=ASSETS,
    executor_def=dg.in_process_executor,
    description="All five stages of one task in one run (manual runs from the UI; bypasses the queue).",
)
