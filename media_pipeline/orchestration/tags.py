"""Run tag keys shared by jobs, sensors and the status writer."""

STAGE_TAG = "media_pipeline/stage"
TASK_TAG = "media_pipeline/task_id"
GENERATION_TAG = "media_pipeline/generation"
ATTEMPT_TAG = "media_pipeline/attempt"
RUN_KEY_TAG = "dagster/run_key"  # set by Dagster on runs requested with a run key
MAX_RUNTIME_TAG = "dagster/max_runtime"  # seconds; enforced by run monitoring (dagster.yaml)
PRIORITY_TAG = "dagster/priority"  # the run queue starts higher values first, then in arrival order
WORKER_TAG = "media_pipeline/worker"  # "host pid start" of a spare run worker (orchestration/run_launcher.py)
