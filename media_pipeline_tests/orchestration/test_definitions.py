"""The Definitions object loads and exposes the partitioned assets (five stages + playback, and
video_performance), checks, jobs, sensors and schedules."""

import itertools
import json
import subprocess
import sys

import dagster as dg

from media_pipeline.definitions import defs
from media_pipeline.domain import Stage
from media_pipeline.orchestration.assets import ASSETS, STAGE_ASSETS
from media_pipeline.orchestration.tags import STAGE_TAG

STAGES = ["script", "images", "video", "thumbnail", "youtube_video"]


def test_definitions_validate() -> None:
    dg.Definitions.validate_loadable(defs)


def test_five_partitioned_assets_in_order() -> None:
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == {*STAGES, "playback", "video_performance"}
    assert graph.get(dg.AssetKey("video_performance")).parent_keys == set()
    for upstream, downstream in itertools.pairwise(STAGES):
        parents = {k.to_user_string() for k in graph.get(dg.AssetKey(downstream)).parent_keys}
        assert parents == {upstream}
    assert {k.to_user_string() for k in graph.get(dg.AssetKey("playback")).parent_keys} == {"video"}
    for key in keys:
        assert graph.get(dg.AssetKey(key)).partitions_def.name == "tasks"
    # The video stage's job materializes the video and its playback ladder.
    assert {
        k.to_user_string() for k in defs.resolve_job_def("video_job").asset_layer.executable_asset_keys
    } == {
        "video",
        "playback",
    }


def test_the_asset_order_is_the_stage_order() -> None:
    graph = defs.resolve_asset_graph()
    toposorted = [
        key.to_user_string() for key in graph.toposorted_asset_keys if key.to_user_string() in STAGES
    ]
    assert toposorted == list(STAGE_ASSETS) == [stage.value for stage in Stage]
    assert [stage.value for stage in Stage] == STAGES
    assert list(STAGE_ASSETS.values()) == ASSETS


def test_checks_on_video_and_thumbnail() -> None:
    checks = {(k.asset_key.to_user_string(), k.name) for k in defs.resolve_asset_graph().asset_check_keys}
    assert checks == {
        ("video", "video_spec"),
        ("video", "video_loudness"),
        ("video", "video_captions"),
        ("video", "video_clip_scenes"),
        ("thumbnail", "thumbnail_spec"),
        ("video_performance", "performance_freshness"),
    }
    loudness = defs.resolve_asset_graph().get_check_spec(
        dg.AssetCheckKey(dg.AssetKey("video"), "video_loudness")
    )
    assert loudness.blocking


def test_one_tagged_in_process_job_per_stage() -> None:
    for stage in STAGES:
        job = defs.resolve_job_def(f"{stage}_job")
        assert job.tags[STAGE_TAG] == stage
        assert int(job.tags["dagster/max_runtime"]) >= 300  # run monitoring's safety net
        assert job.executor_def.name == "in_process"


def test_sensors_start_running() -> None:
    assert {sensor.name for sensor in defs.sensors} == {
        "queued_tasks_sensor",
        "stage_chain_sensor",
        "run_status_writer_sensor",
        "stale_run_rescue_sensor",
    }
    for sensor in defs.sensors:
        assert sensor.default_status == dg.DefaultSensorStatus.RUNNING, sensor.name


def test_repeats_and_cleanup_are_schedules_running_in_utc() -> None:
    repeats = defs.resolve_schedule_def("task_repeats_schedule")
    assert (repeats.cron_schedule, repeats.job_name) == ("* * * * *", "script_job")
    assert defs.resolve_schedule_def("cleanup_drafts_job_schedule").cron_schedule == "17 * * * *"
    performance = defs.resolve_schedule_def("video_performance_schedule")
    assert (performance.cron_schedule, performance.job_name) == ("0 * * * *", "video_performance_job")
    for schedule in defs.schedules:
        assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING, schedule.name
        assert schedule.execution_timezone == "UTC", schedule.name


def test_loading_the_code_location_skips_what_stage_runs_do_not_need() -> None:
    # Every stage run's worker is a fresh Python that imports the definitions (docs/ARCHITECTURE.md §5):
    # migrations (Alembic), the HTTP API, provider clients, the queue use cases, the housekeeping of the
    # schedules and the video stage's media modules (render, narration, loudness, ffmpeg-python) load only
    # when used.
    unwanted = ["alembic", "fastapi", "httpx", "PIL", "boto3", "google", "media_pipeline.usecases"]
    unwanted += ["media_pipeline.store.housekeeping", "media_pipeline.store.schedule_service"]
    unwanted += ["media_pipeline.media.render", "media_pipeline.media.tts", "media_pipeline.media.loudness"]
    unwanted += ["ffmpeg"]
    code = (
        "import json, sys; import media_pipeline.definitions; "
        f"print(json.dumps([name for name in {unwanted!r} if name in sys.modules]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []
