"""End-to-end: the Python API produces real, ffprobe-valid videos through Dagster (small renders)."""

from __future__ import annotations

import json

import dagster as dg
import pytest
from pydantic import ValidationError

from media_pipeline.domain import TaskPaths, TaskSettings, TaskSpec
from media_pipeline.media.probe import check_video, summarize
from media_pipeline.pipeline import materialize_stage, produce_task


def _spec(task_id: str, **settings: object) -> TaskSpec:
    base = {
        "imageCount": 3,
        "styles": ["sunset", "ocean"],
        "targetDurationS": 6,
        "renderHeight": 320,
        "fps": 15,
    }
    return TaskSpec(task_id=task_id, title=str(settings.pop("title")), settings={**base, **settings})


@pytest.mark.slow
def test_shortform_korean_task_end_to_end(settings, instance) -> None:
    spec = _spec("ko-short", title="서울의 가을 산책", type="shortform", language="ko", music=True)
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
    assert checks == {"video_spec": True, "thumbnail_spec": True}


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

    prepare_generation(paths, spec)
    materialize_stage("stages", ["script", "images"], instance=instance)
    assert paths.story_json.exists() and len(list(paths.dir.glob("scene_*.png"))) == 2
    assert not paths.output_mp4.exists()


def test_unknown_stage_is_refused(settings, instance) -> None:
    with pytest.raises(ValueError, match="unknown stage"):
        materialize_stage("x1", "render", instance=instance)


def test_invalid_settings_fail_before_any_work(settings) -> None:
    with pytest.raises(ValidationError) as info:
        TaskSettings.model_validate({"imageCount": 0, "mediaMode": "vhs", "type": "longform"})
    text = str(info.value)
    assert "imageCount" in text and "mediaMode" in text
    assert not settings.resolved_data_dir.exists()
