"""Starting a video from the Dagster UI: launching ``launch_task_job`` with its typed config through the
webserver's GraphQL API (what the Launchpad sends) queues a task that the daemon then produces and
publishes, exactly like one started from the console."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from media_pipeline.store import Owner, TaskService, TaskStatus, upgrade_db
from media_pipeline.store.users import UserService
from media_pipeline_tests.orchestration.daemon import app_db_url, make_home, running_daemon, running_webserver
from media_pipeline_tests.serving import wait_for

pytestmark = pytest.mark.slow

LAUNCH = """
mutation Launch($executionParams: ExecutionParams!) {
  launchPipelineExecution(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on PythonError { message }
  }
}
"""
RUN_STATUS = "query Run($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"
CONFIG_FIELDS = """
{ runConfigSchemaOrError(selector: {repositoryLocationName: "media_pipeline",
    repositoryName: "__repository__", pipelineName: "launch_task_job"}) {
  ... on RunConfigSchema { rootConfigType { key } allConfigTypes { key
      ... on CompositeConfigType { fields { name isRequired } } } } } }
"""


def _graphql(url: str, query: str, variables: dict | None = None) -> dict:
    response = httpx.post(f"{url}/graphql", json={"query": query, "variables": variables or {}}, timeout=60)
    response.raise_for_status()
    return response.json()["data"]


def test_launchpad_config_queues_a_task_that_publishes(tmp_path: Path) -> None:
    home = make_home(tmp_path, MEDIA_PIPELINE_SENSOR_LONG_POLL_S="0")
    db_url = app_db_url(home)
    home.data_dir.mkdir(parents=True)
    upgrade_db(db_url)
    owner = UserService(db_url).add("creator", "long enough password")
    with running_webserver(home) as url:
        schema = _graphql(url, CONFIG_FIELDS)["runConfigSchemaOrError"]
        fields = {
            field["name"]: field["isRequired"]
            for config_type in schema["allConfigTypes"]
            for field in config_type.get("fields") or []
        }
        assert fields["title"] is True and fields["language"] is False and fields["media_mode"] is False

        config = {
            "title": "대시보드에서 만든 영상",
            "language": "KO",  # Dagster enum config takes member names (the Launchpad offers them)
            "type": "SHORTFORM",
            "render_height": 160,
            "fps": 10,
            "image_count": 1,
            "target_duration_s": 5,
            "user_id": owner.user_id,
            "workspace_id": owner.workspace_id,
        }
        params = {
            "selector": {
                "repositoryLocationName": "media_pipeline",
                "repositoryName": "__repository__",
                "jobName": "launch_task_job",
            },
            "runConfigData": {"ops": {"launch_task": {"config": config}}},
            "mode": "default",
        }
        with running_daemon(home):
            launched = _graphql(url, LAUNCH, {"executionParams": params})["launchPipelineExecution"]
            assert launched["__typename"] == "LaunchRunSuccess", launched
            run_id = launched["run"]["runId"]
            tasks = TaskService(db_url, Owner(owner.user_id, owner.workspace_id), settings=home.settings())
            task = wait_for(
                lambda: tasks.list_tasks([TaskStatus.QUEUED, TaskStatus.RUNNING, TaskStatus.SUCCEEDED], 10),
                timeout=120,
                what="the task to be queued",
            )[0]
            assert task.title == "대시보드에서 만든 영상" and task.asset_id == f"dagster-{run_id}"
            assert task.settings["renderHeight"] == 160 and task.settings["language"] == "ko"
            done = wait_for(
                lambda: (t := tasks.get(task.id)).status in {TaskStatus.SUCCEEDED, TaskStatus.FAILED} and t,
                timeout=300,
                what="the task to finish",
            )
        assert done.status is TaskStatus.SUCCEEDED, done.last_error
        assert done.youtube_url and done.youtube_url.startswith("file://")
        assert _graphql(url, RUN_STATUS, {"id": run_id})["runOrError"]["status"] == "SUCCESS"
        queued_log = tasks.logs(task.id, action="queue")
        assert queued_log, "queued through the queue like the console's Run"
