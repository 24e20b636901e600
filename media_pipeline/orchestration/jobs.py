"""One job per stage (tagged for run-level concurrency limits), plus a whole-pipeline job for the UI."""

import dagster as dg

from media_pipeline.orchestration.assets import ASSETS, STAGE_ASSETS
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
    stage.value: dg.define_asset_job(
        stage_job_name(stage.value),
        selection=[asset],
        tags={STAGE_TAG: stage.value, MAX_RUNTIME_TAG: str(STAGE_MAX_RUNTIME_S[stage.value])},
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
