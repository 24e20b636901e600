"""One job per stage (tagged for run-level concurrency limits), plus a whole-pipeline job for the UI."""

import dagster as dg

from media_pipeline.orchestration.assets import ASSETS
from media_pipeline.orchestration.tags import MAX_RUNTIME_TAG, STAGE_TAG

STAGE_MAX_RUNTIME_S = {
    "script": 15 * 60,
    "images": 60 * 60,
    "video": 60 * 60,
    "thumbnail": 5 * 60,
    "youtube_video": 2 * 60 * 60,
}
"""Safety net per stage: Dagster's run monitoring ends a run that runs longer (``dagster/max_runtime``).
Lost workers are found much sooner by the heartbeat rescue (orchestration/rescue.py)."""


def stage_job_name(stage: str) -> str:
    """Name of the job that materializes one stage."""
    return f"{stage}_job"


STAGE_JOBS = {
    asset.key.to_user_string(): dg.define_asset_job(
        stage_job_name(asset.key.to_user_string()),
        selection=[asset],
        tags={
            STAGE_TAG: asset.key.to_user_string(),
            MAX_RUNTIME_TAG: str(STAGE_MAX_RUNTIME_S[asset.key.to_user_string()]),
        },
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
