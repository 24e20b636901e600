"""The one Dagster Definitions object: assets, checks, jobs, sensors, schedules and resources."""

import dagster as dg

from media_pipeline.orchestration.assets import ASSETS
from media_pipeline.orchestration.jobs import STAGE_JOBS, produce_task_job
from media_pipeline.orchestration.launch_job import launch_task_job
from media_pipeline.orchestration.performance import (
    performance_schedule,
    video_performance,
    video_performance_job,
)
from media_pipeline.orchestration.resources import build_resources
from media_pipeline.orchestration.schedules import SCHEDULES, cleanup_drafts_job
from media_pipeline.orchestration.sensors import SENSORS
from media_pipeline.settings import get_settings

settings = get_settings()
"""The settings the code location runs with: read here, at the entry point, and passed down."""

defs = dg.Definitions(
    assets=[*ASSETS, video_performance],
    jobs=[
        *STAGE_JOBS.values(),
        produce_task_job,
        launch_task_job,
        cleanup_drafts_job,
        video_performance_job,
    ],
    sensors=SENSORS,
    schedules=[*SCHEDULES, performance_schedule(settings.performance_cron)],
    resources=build_resources(settings),
)
