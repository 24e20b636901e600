"""A task of a channel with a brand kit, produced for real through the queue (sensors, stage runs reporting
to the app DB): its captions name the kit's font in the kit's colour, the logo sits in its corner on
every sampled frame, the intro is joined before it and the SRT is shifted by it."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from PIL import Image

from media_pipeline.domain import STAGES, TaskPaths
from media_pipeline.media.brand import LOGO_MARGIN
from media_pipeline.media.probe import media_duration, summarize
from media_pipeline.media.process import run_process
from media_pipeline.orchestration.resources import build_resources
from media_pipeline.storage import open_storage
from media_pipeline_tests.brand_support import hangul_font, make_clip, png_logo
from media_pipeline_tests.console.conftest import Console
from media_pipeline_tests.console.stage_driver import FAST_OPTIONS, StageDriver
from media_pipeline_tests.serving import wait_for

INTRO_S = 1.0
TIMEOUT_S = 180


def _kit_channel(console: Console, tmp_path: Path) -> str:
    with console.client(console.alice) as api:
        channel = api.post("/api/channels", json={"name": "Kit"}).json()["id"]
        path = f"/api/channels/{channel}/brand-kit"
        clip = make_clip(tmp_path / "intro.mp4", INTRO_S).read_bytes()
        for kind, data in (
            ("font", hangul_font("KitBoxes")),
            ("logo", png_logo((0, 0, 255))),
            ("intro", clip),
        ):
            api.post(f"{path}/files/{kind}", files={"file": (kind, data)}).raise_for_status()
        placement = {"corner": "top-left", "widthPct": 30, "opacity": 1.0}
        body = {"textColour": "#00FF00", "captionPreset": "classic", "logoPlacement": placement}
        api.put(path, json=body).raise_for_status()
    return str(channel)


def _settled(progress: dict, stage: str) -> str | None:
    """``completed`` once the stage completed, or any stage's failure, else None."""
    states = {item["stage"]: item for item in progress["stages"]}
    failed = [f"{name}: {item['error']}" for name, item in states.items() if item["status"] == "failed"]
    if failed:
        return "; ".join(failed)
    return "completed" if states.get(stage, {}).get("status") == "completed" else None


def _produce(console: Console, channel: str) -> str:
    with console.client(console.alice) as api:
        queue = api.get("/api/queue").json()
        options = {**FAST_OPTIONS, "title": "브랜드 영상", "channelSettingId": channel}
        added = api.post(
            f"/api/queue/{queue['id']}/jobs",
            json={"assetIds": ["kit-1"], "options": options, "version": queue["version"]},
        )
        added.raise_for_status()
        task_id = str(added.json()["jobs"][0]["id"])
        api.post(
            f"/api/queue/{queue['id']}/run", json={"version": added.json()["version"]}
        ).raise_for_status()
        resources = build_resources(console.settings.model_copy(update={"app_db_url": console.db_url}))
        allowed = {str(stage) for stage in STAGES} - {"youtube_video"}
        with dg.instance_for_test() as instance, StageDriver(resources, instance, allowed).running():
            status = wait_for(
                lambda: _settled(api.get(f"/api/v1/videos/{task_id}/progress").json(), "thumbnail"),
                timeout=TIMEOUT_S,
                what="the thumbnail stage",
                interval=0.5,
            )
    assert status == "completed", status
    return task_id


@pytest.mark.slow
def test_a_channel_task_carries_its_brand_kit(console: Console, tmp_path: Path) -> None:
    task_id = _produce(console, _kit_channel(console, tmp_path))
    storage = open_storage(console.settings)
    keys = TaskPaths.keys(task_id)
    local = TaskPaths(tmp_path / "copy", task_id)
    for path in ("output_mp4", "subtitles_ass", "subtitles_srt", "narration_wav", "thumbnail_jpg"):
        storage.download(getattr(keys, path).as_posix(), getattr(local, path))

    style = next(
        line for line in local.subtitles_ass.read_text("utf-8").splitlines() if line.startswith("Style:")
    )
    assert style.startswith("Style: Default,KitBoxes,") and ",&H0000FF00," in style
    first_cue = local.subtitles_srt.read_text("utf-8").split("\n")[1]
    assert float(first_cue[6:12].replace(",", ".")) >= INTRO_S  # "00:00:01,0xx --> ..."

    video = local.output_mp4
    summary = summarize(video)
    narration = media_duration(local.narration_wav)
    assert abs(summary.video_duration - (INTRO_S + narration)) < 0.2, (summary.video_duration, narration)
    margin = round(summary.width * LOGO_MARGIN)
    centre = (margin + round(summary.width * 0.3) // 2, margin + round(summary.width * 0.3) // 4)
    for index, at in enumerate((INTRO_S + 0.3, INTRO_S + narration / 2, INTRO_S + narration - 0.3)):
        frame = tmp_path / f"frame{index}.png"
        run_process(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-ss",
                f"{at:.3f}",
                "-i",
                str(video),
                "-frames:v",
                "1",
                str(frame),
            ]
        )
        r, g, b = Image.open(frame).convert("RGB").getpixel(centre)
        assert b > 180 and r < 80 and g < 80, (at, (r, g, b))
    assert local.thumbnail_jpg.stat().st_size > 0
