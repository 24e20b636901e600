"""End-to-end: the Python API produces real, ffprobe-valid videos through Dagster (small renders)."""

from __future__ import annotations

import json

import dagster as dg
import pytest
from pydantic import ValidationError

from media_pipeline.domain import TaskPaths, TaskSettings, TaskSpec
from media_pipeline.errors import PermanentError, ProviderNotConfiguredError
from media_pipeline.media.probe import check_video, summarize
from media_pipeline.pipeline import materialize_stage, produce_task
from media_pipeline_tests.conftest import EntryPointEnv
from media_pipeline_tests.providers.fakeserver import FakeServer, Reply


def clicks() -> bytes:
    """One second of full-scale single-sample clicks (20 per second) as a WAV: peaks without loudness,
    which no gain + limiter can bring to -14 LUFS."""
    import io
    import wave

    period = b"\xff\x7f" + b"\0\0" * 1199
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(24000)
        writer.writeframes(period * 20)
    return buffer.getvalue()


def _spec(task_id: str, **settings: object) -> TaskSpec:
    base = {
        "imageCount": 3,
        "styles": ["sunset", "ocean"],
        "targetDurationS": 6,
        "renderHeight": 320,
        "fps": 15,
    }
    return TaskSpec(task_id=task_id, title=str(settings.pop("title")), settings={**base, **settings})


def _materialization(instance: dg.DagsterInstance, asset: str) -> dg.AssetMaterialization | None:
    """The first run's materialization of ``asset`` (None if it was not materialized)."""
    run_id = instance.get_runs()[-1].run_id
    for event in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        materialization = event.asset_materialization
        if materialization is not None and materialization.asset_key == dg.AssetKey(asset):
            return materialization
    return None


@pytest.mark.slow
def test_shortform_korean_task_end_to_end(settings, instance) -> None:
    # three Korean scenes need ~8 s even at the fastest rate, so the target is 10 s
    spec = _spec(
        "ko-short",
        title="서울의 가을 산책",
        type="shortform",
        language="ko",
        music=True,
        targetDurationS=10,
        captionPreset="shorts",
    )
    result = produce_task(spec, instance=instance)

    summary = summarize(result.video)
    assert check_video(summary, width=180, height=320, fps=15) == []
    assert summary.audio_codec == "aac" and summary.faststart
    assert abs(result.duration_s - summary.duration) < 0.01
    srt = result.subtitles.read_text(encoding="utf-8")
    assert any("\uac00" <= ch <= "\ud7a3" for ch in srt), "Korean subtitles expected"
    assert result.thumbnail.exists() and result.thumbnail.parent == result.video.parent
    assert not result.publish.uploaded_to_youtube and result.url.startswith("file://")
    manifest = settings.resolved_storage_root / "published" / "ko-short" / "manifest.json"
    assert json.loads(manifest.read_text())["title"] == "서울의 가을 산책"
    paths = TaskPaths(settings.resolved_storage_root, "ko-short")
    assert sorted(p.name for p in paths.dir.glob("scene_*.png")) == [f"scene_0{i}.png" for i in range(3)]

    checks = {
        event.dagster_event.asset_check_evaluation_data.check_name: (
            event.dagster_event.asset_check_evaluation_data.passed
        )
        for event in instance.all_logs(
            instance.get_runs()[0].run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
        )
    }
    assert checks == {
        "video_spec": True,
        "video_loudness": True,
        "video_captions": True,
        "video_clip_scenes": True,
        "thumbnail_spec": True,
    }
    assert "\\1c&H" in paths.subtitles_ass.read_text(encoding="utf-8")  # the spoken word is highlighted
    assert abs(summary.duration - 10) <= 2  # ±2 s under 20 s
    metadata = _materialization(instance, "video").metadata
    assert -15 <= metadata["integrated_lufs"].value <= -13 and metadata["true_peak_dbtp"].value <= -1
    assert metadata["voice"].value == "espeak:ko"


@pytest.mark.slow
def test_loudness_check_blocks_publishing(settings, instance, entry_point_env: EntryPointEnv) -> None:
    """Narration that cannot be normalised fails video_loudness, and nothing is published."""
    with FakeServer(lambda _r: Reply(200, clicks(), {"Content-Type": "audio/wav"})) as server:
        narrated = entry_point_env.set(tts_base_url=f"{server.base_url}/v1")  # read by the narrator resource
        spec = _spec("silent", title="Quiet", language="en", imageCount=1, voice="openai:alloy")
        with pytest.raises(PermanentError, match="integrated loudness"):
            produce_task(spec, settings=narrated, instance=instance)
    assert server.matching("POST", "/v1/audio/speech")
    run_id = instance.get_runs()[0].run_id
    (evaluation,) = [
        event.dagster_event.asset_check_evaluation_data
        for event in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        if event.dagster_event.asset_check_evaluation_data.check_name == "video_loudness"
    ]
    assert not evaluation.passed
    assert evaluation.metadata["integrated_lufs"].value < -15
    assert _materialization(instance, "youtube_video") is None
    assert not (settings.resolved_storage_root / "published" / "silent").exists()


@pytest.mark.slow
def test_a_channel_is_resolved_without_the_app_db(settings, instance) -> None:
    """The Python API has no app DB (no workspace to check the channel against): publishing asks the
    channel's own token file, so an unauthorized channel fails with a clear error and publishes nothing."""
    spec = _spec("chan", title="Channel", language="en", imageCount=1, channelSettingId="c0123456789ab")
    with pytest.raises(ProviderNotConfiguredError, match="c0123456789ab is not authorized"):
        produce_task(spec, instance=instance)
    assert TaskPaths(settings.resolved_storage_root, "chan").output_mp4.exists()
    assert not (settings.resolved_storage_root / "published" / "chan").exists()


@pytest.mark.slow
def test_longform_english_task_end_to_end(settings, instance) -> None:
    spec = _spec("en-long", title="Five Habits of Calm Mornings", type="longform", language="en")
    result = produce_task(spec, instance=instance)

    summary = summarize(result.video)
    assert (summary.width, summary.height) == (568, 320)
    assert check_video(summary, width=568, height=320, fps=15) == []
    assert "Calm" in json.loads(result.story.read_text())["title"]


@pytest.mark.slow
def test_new_generation_archives_previous_outputs(settings, instance) -> None:
    first = _spec("regen", title="First take", language="en", imageCount=1)
    produce_task(first, instance=instance)
    second = first.model_copy(update={"generation": 2, "title": "Second take"})
    produce_task(second, instance=instance)

    paths = TaskPaths(settings.resolved_storage_root, "regen")
    archived = paths.history_dir(1)
    assert json.loads((archived / "story.json").read_text())["title"] == "First take"
    assert (archived / "output.mp4").exists()
    assert json.loads(paths.story_json.read_text())["title"] == "Second take"


def test_materialize_stage_rerun_one_stage(settings, instance) -> None:
    spec = _spec("stages", title="Stage by stage", language="en", imageCount=2)
    paths = TaskPaths(settings.resolved_storage_root, "stages")
    from media_pipeline.orchestration.task_files import prepare_generation
    from media_pipeline.storage import open_storage

    prepare_generation(open_storage(settings), spec)
    materialize_stage("stages", ["script", "images"], instance=instance)
    assert paths.story_json.exists() and len(list(paths.dir.glob("scene_*.png"))) == 2
    assert not paths.output_mp4.exists()


@pytest.mark.slow
def test_thumbnail_falls_back_to_a_video_frame(settings, instance) -> None:
    spec = _spec("frame", title="No scene image", language="en", imageCount=1, type="longform")
    result = produce_task(spec, instance=instance)
    TaskPaths(settings.resolved_storage_root, "frame").scene_image(0).unlink()
    before = result.thumbnail.read_bytes()

    run = materialize_stage("frame", "thumbnail", instance=instance)
    (materialization,) = run.asset_materializations_for_node("thumbnail")
    assert materialization.metadata["source"].value == "video frame"
    from PIL import Image

    with Image.open(result.thumbnail) as image:
        assert (image.format, image.size) == ("JPEG", (1280, 720))
    assert result.thumbnail.read_bytes() != before
    assert sorted(p.name for p in result.thumbnail.parent.iterdir() if p.suffix == ".png") == []


def test_unknown_stage_is_refused(settings, instance) -> None:
    with pytest.raises(ValueError, match="unknown stage"):
        materialize_stage("x1", "render", instance=instance)


def test_invalid_settings_fail_before_any_work(settings) -> None:
    with pytest.raises(ValidationError) as info:
        TaskSettings.model_validate({"imageCount": 0, "mediaMode": "vhs", "type": "longform"})
    text = str(info.value)
    assert "imageCount" in text and "mediaMode" in text
    assert not settings.resolved_data_dir.exists()
