"""End-to-end through Dagster: a mediaMode ``stock`` task against the loopback Pexels fake renders its
clip scenes and records their credits; a clip that stops decoding later fails the "clip scenes decodable"
check and its scene shows its still, in a video that still passes ffprobe."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from media_pipeline.domain import TaskPaths, TaskSpec
from media_pipeline.domain.media_credits import MediaCredits
from media_pipeline.media.probe import check_video, summarize
from media_pipeline.pipeline import materialize_stage, produce_task
from media_pipeline_tests.conftest import EntryPointEnv
from media_pipeline_tests.media import bad_clips
from media_pipeline_tests.media.clips import make_clip
from media_pipeline_tests.providers.fake_stock import PexelsFake, StockVideo
from media_pipeline_tests.providers.fakeserver import FakeServer


def _check(result: dg.ExecuteInProcessResult, name: str) -> dg.AssetCheckEvaluation:
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == name]
    return evaluation


@pytest.mark.slow
def test_a_stock_task_renders_its_clips_and_checks_them(
    settings, instance, entry_point_env: EntryPointEnv, tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / "fit.mp4", width=180, height=320, seconds=1.0).read_bytes()
    fake = PexelsFake("pk", [StockVideo(3, [(180, 320, "fit.mp4")])], {"fit.mp4": clip})
    spec = TaskSpec(
        task_id="stock-1",
        title="Calm lake",
        settings={
            "imageCount": 2,
            "targetDurationS": 6,
            "renderHeight": 320,
            "fps": 15,
            "language": "en",
            "mediaMode": "stock",
        },
    )
    with FakeServer(fake) as server:
        stock = entry_point_env.set(  # read by the image source resource
            pexels_base_url=server.base_url, pexels_api_key="pk", crawl_allow_private=True
        )
        result = produce_task(spec, settings=stock, instance=instance)

    assert check_video(summarize(result.video), width=180, height=320, fps=15) == []
    paths = TaskPaths(stock.resolved_storage_root, "stock-1")
    assert [paths.scene_clip(i).read_bytes() == clip for i in range(2)] == [True, True]
    credits = MediaCredits.model_validate_json(paths.media_credits_json.read_bytes())
    assert [c.provider for c in credits.clips] == ["Pexels", "Pexels"]

    bad_clips.garbled(paths.scene_clip(1), tmp_path)  # the stored clip breaks
    run = materialize_stage("stock-1", "video", instance=instance)
    evaluation = _check(run, "video_clip_scenes")
    assert not evaluation.passed
    problems = evaluation.metadata["problems"].value
    assert "the clip of scene 1 does not decode" in problems and "scene 1 shows its still" in problems
    assert check_video(summarize(paths.output_mp4), width=180, height=320, fps=15) == []
