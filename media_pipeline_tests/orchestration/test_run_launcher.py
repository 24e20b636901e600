"""The embedded instance's run launcher: configured in dagster.yaml, a launch that fails in the background
marks its run failed (its successful launches are every run of the daemon tests), and spare run workers
execute the run they are handed and stop when their run is stopped."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import yaml
from dagster._core.storage.dagster_run import DagsterRun
from dagster._serdes import serialize_value

from media_pipeline.orchestration.run_launcher import BackgroundRunLauncher
from media_pipeline.orchestration.spare_worker import SpareWorker, newest_code, worker_of
from media_pipeline.orchestration.tags import WORKER_TAG
from media_pipeline.processes import child_processes
from media_pipeline_tests.orchestration import spare_jobs
from media_pipeline_tests.orchestration.daemon import REPO
from media_pipeline_tests.serving import wait_for

LAUNCHER = {
    "module": "media_pipeline.orchestration.run_launcher",
    "class": "BackgroundRunLauncher",
    "config": {"spare_workers": 1},
}


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


def _run(instance: dg.DagsterInstance, job: dg.JobDefinition) -> DagsterRun:
    """A run of ``job`` (in ``spare_jobs``) with the code origin a run of a code location carries."""
    origin = dg.reconstructable(getattr(spare_jobs, job.name)).get_python_origin()
    return instance.create_run_for_job(job, job_code_origin=origin)


@contextmanager
def loaded_spare(instance: dg.DagsterInstance) -> Iterator[SpareWorker]:
    """A spare worker of ``instance``, loaded; released (and ended) afterwards."""
    spare = SpareWorker(serialize_value(instance.get_ref()))
    try:
        wait_for(lambda: spare.state(newest_code()) == "ready", timeout=120, what="the spare to load")
        yield spare
    finally:
        spare.release()
        if spare.process.poll() is None:  # a failed test left its run going: end it and what it started
            for child in child_processes(spare.process.pid):
                child.kill()
            spare.process.kill()
        spare.process.wait(timeout=60)


def test_a_spare_worker_executes_the_run_it_is_handed(tmp_path: Path) -> None:
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance, loaded_spare(instance) as spare:
        run = _run(instance, spare_jobs.quick_job)
        assert spare.hand_over(instance, run)
        assert spare.process.wait(timeout=120) == 0
        done = instance.get_run_by_id(run.run_id)
        assert done is not None and done.status == dg.DagsterRunStatus.SUCCESS
        assert done.tags[WORKER_TAG].split(" ")[1] == str(spare.process.pid)
        messages = [event.message for event in instance.all_logs(run.run_id)]
        assert f"Started process for run (pid: {spare.process.pid})." in messages
        assert spare.state(newest_code()) == "ended"


def test_a_released_spare_ends_and_a_spare_with_old_code_is_ended(tmp_path: Path) -> None:
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance, loaded_spare(instance) as spare:
        assert spare.state(spare.started_at - 1) == "ready"
        assert spare.state(spare.started_at + 1) == "ended"  # a source file changed after it started
        spare.release()
        assert spare.process.wait(timeout=60) == 0
        assert spare.state(newest_code()) == "ended"
        assert not spare.hand_over(instance, _run(instance, spare_jobs.quick_job))


def test_stopping_a_spares_run_interrupts_its_worker_and_cancels_the_run(tmp_path: Path) -> None:
    overrides = {"run_launcher": LAUNCHER}
    instance_for_test = dg.instance_for_test(temp_dir=str(tmp_path), overrides=overrides)
    with instance_for_test as instance, loaded_spare(instance) as spare:
        run = _run(instance, spare_jobs.endless_job)
        assert spare.hand_over(instance, run)
        wait_for(
            lambda: any(event.step_key for event in instance.all_logs(run.run_id)),
            timeout=120,
            what="the op to start",
            process=spare.process,
        )
        assert worker_of(instance.get_run_by_id(run.run_id)) is not None
        assert instance.run_launcher.terminate(run.run_id)
        assert spare.process.wait(timeout=60) == 0
        stopped = instance.get_run_by_id(run.run_id)
        assert stopped is not None and stopped.status == dg.DagsterRunStatus.CANCELED
        assert worker_of(stopped) is None
        assert not instance.run_launcher.terminate(run.run_id)  # finished: nothing to stop
