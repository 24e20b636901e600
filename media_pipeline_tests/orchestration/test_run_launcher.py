"""The embedded instance's run launcher: configured in dagster.yaml, and a launch that fails in the
background marks its run failed (its successful launches are every run of the daemon tests)."""

import dagster as dg
import yaml

from media_pipeline.orchestration.run_launcher import BackgroundRunLauncher
from media_pipeline_tests.orchestration.daemon import REPO

LAUNCHER = {"module": "media_pipeline.orchestration.run_launcher", "class": "BackgroundRunLauncher"}


@dg.op
def noop() -> None:
    """Nothing: the run is never started."""


@dg.job
def noop_job() -> None:
    noop()


def test_the_embedded_instance_launches_in_the_background() -> None:
    assert yaml.safe_load((REPO / "dagster.yaml").read_text())["run_launcher"] == LAUNCHER


def test_a_launch_that_fails_marks_the_run_failed() -> None:
    with dg.instance_for_test(overrides={"run_launcher": LAUNCHER}) as instance:
        launcher = instance.run_launcher
        assert isinstance(launcher, BackgroundRunLauncher)
        run = instance.create_run_for_job(noop_job)
        # no workspace: Dagster's default launcher refuses the launch (on the launcher's thread)
        instance.launch_run(run.run_id, workspace=None)  # type: ignore[arg-type]
        launcher.dispose()  # waits for the launch
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
        messages = [event.message for event in instance.all_logs(run.run_id)]
        assert any("could not be launched" in message and "workspace" in message for message in messages)
