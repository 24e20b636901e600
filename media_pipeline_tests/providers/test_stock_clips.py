"""mediaMode ``stock`` against loopback fakes of Pexels and Pixabay (fake_stock.py): the key where each
service wants it, the scene's keywords as the query, the rendition that fits the frame downloaded and
checked with ffprobe, the credit recorded (and in the YouTube description where Pexels asks for it); 429 and
5xx answers retried, then the stage fails for a retry, or the other service is asked; a bad clip leaves the
scene its still with a clear error."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from PIL import Image
from pydantic import SecretStr

from media_pipeline.domain import MediaMode, Scene, SceneMedia, Script, TaskPaths, TaskSpec
from media_pipeline.domain.media_credits import MediaCredits
from media_pipeline.errors import PermanentError, ProviderNotConfiguredError, TransientError
from media_pipeline.providers.image_sources import build_image_source
from media_pipeline.providers.retry import Backoff
from media_pipeline.providers.stock_source import StockClipSource
from media_pipeline.providers.youtube_metadata import video_body
from media_pipeline.settings import Settings
from media_pipeline_tests.media import bad_clips
from media_pipeline_tests.media.clips import make_clip
from media_pipeline_tests.providers.fake_stock import PexelsFake, PixabayFake, StockVideo
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.providers.helpers import make_script, make_task

NOW = datetime(2026, 1, 1, tzinfo=UTC)
PEXELS_KEY = "pexels-key-1"
PIXABAY_KEY = "pixabay-key-2"
# Offered renditions: the smallest portrait one covering the 180x320 canvas ("fit") must be chosen.
RENDITIONS = [(1080, 1920, "big.mp4"), (180, 320, "fit.mp4"), (90, 160, "small.mp4"), (320, 180, "wide.mp4")]


@pytest.fixture(scope="module")
def clip_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Real clips (ffmpeg testsrc) under the names the fakes serve; ``bad.mp4`` does not decode."""
    tmp = tmp_path_factory.mktemp("stock")
    files = {
        name: make_clip(tmp / name, width=w, height=h, seconds=1.0, audio=False).read_bytes()
        for w, h, name in RENDITIONS
        if name != "big.mp4"
    }
    files["big.mp4"] = files["fit.mp4"] + b"\0"  # never downloaded (another bytes to tell it apart)
    files["bad.mp4"] = bad_clips.garbled(tmp / "bad.mp4", tmp).read_bytes()
    return files


def stock_task(script_media: list[SceneMedia] | None = None) -> tuple[TaskSpec, Script]:
    task = make_task(mediaMode="stock")
    script = make_script(task)
    scenes = [
        scene.model_copy(update={"keywords": ["calm", "lake"] if scene.index == 0 else []})
        for scene in script.scenes
    ]
    if script_media:
        scenes = [s.model_copy(update={"media": m}) for s, m in zip(scenes, script_media, strict=True)]
    return task, script.model_copy(update={"scenes": scenes})


def source_for(
    make_settings: Callable[..., Settings], backoff: Backoff, *, pexels: str = "", pixabay: str = ""
) -> StockClipSource:
    settings = make_settings(
        pexels_base_url=pexels or "http://127.0.0.1:9",
        pexels_api_key=SecretStr(PEXELS_KEY) if pexels else None,
        pixabay_base_url=pixabay or "http://127.0.0.1:9",
        pixabay_api_key=SecretStr(PIXABAY_KEY) if pixabay else None,
        crawl_allow_private=True,  # the fakes' files are on loopback
    )
    return StockClipSource(settings, backoff=backoff)


def credits_of(paths: TaskPaths) -> MediaCredits:
    return MediaCredits.model_validate_json(paths.media_credits_json.read_bytes())


def test_pexels_clips_fit_the_frame_and_are_credited(
    make_settings: Callable[..., Settings],
    fast_backoff: Backoff,
    paths: TaskPaths,
    clip_files: dict[str, bytes],
) -> None:
    fake = PexelsFake(PEXELS_KEY, [StockVideo(1, RENDITIONS)], clip_files)
    task, script = stock_task([SceneMedia.CLIP, SceneMedia.STILL, SceneMedia.CLIP])
    with FakeServer(fake) as server:
        images = source_for(make_settings, fast_backoff, pexels=server.base_url).produce(task, script, paths)
        searches = server.matching("GET", "/videos/search")
        downloads = server.matching("GET", "/files/")

    assert images == [paths.scene_image(i) for i in range(3)]
    assert all(request.headers["authorization"] == PEXELS_KEY for request in searches)
    assert [s["query"] for s in fake.searches] == ["calm lake", "Caption 2"]  # keywords, else the caption
    assert {s["orientation"] for s in fake.searches} == {"portrait"}
    assert [request.path for request in downloads] == ["/files/fit.mp4"] * 2
    assert paths.scene_clip(0).read_bytes() == clip_files["fit.mp4"]
    assert not paths.scene_clip(1).exists()  # the scene asked for a still
    for image in images:
        with Image.open(image) as opened:
            assert opened.size == (180, 320)
    credits = credits_of(paths)
    assert [c.scene for c in credits.clips] == [0, 2]
    assert credits.clips[0].author == "Jane Doe"
    assert credits.clips[0].page_url == "https://www.pexels.com/video/clip-1/"
    assert (
        credits.description_lines()
        == ["Video by Jane Doe on Pexels: https://www.pexels.com/video/clip-1/"] * 2
    )


def test_the_credit_lines_go_into_the_youtube_description_above_the_marker() -> None:
    task = make_task(mediaMode="stock")
    line = "Video by Jane Doe on Pexels: https://www.pexels.com/video/clip-1/"
    body = video_body(task, make_script(task), "mp:task:1", category_id="22", now=NOW, credits=[line])
    assert body["snippet"]["description"] == f"About it.\n\n{line}\nmp:task:1"


def test_pixabay_takes_the_key_as_a_parameter_and_asks_for_no_credit(
    make_settings: Callable[..., Settings],
    fast_backoff: Backoff,
    paths: TaskPaths,
    clip_files: dict[str, bytes],
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = PixabayFake(
        PIXABAY_KEY, [StockVideo(5, [(320, 180, "wide.mp4"), (180, 320, "fit.mp4")])], clip_files
    )
    task, script = stock_task()
    caplog.set_level(logging.INFO, logger="httpx")
    with FakeServer(fake) as server:
        source_for(make_settings, fast_backoff, pixabay=server.base_url).produce(task, script, paths)

    assert [s["key"] for s in fake.searches] == [PIXABAY_KEY] * 3
    assert fake.searches[0]["q"] == "calm lake"
    assert paths.scene_clip(1).read_bytes() == clip_files["fit.mp4"]  # the portrait rendition
    credits = credits_of(paths)
    assert credits.clips[0].provider == "Pixabay"
    assert credits.clips[0].author_url == "https://pixabay.com/users/Jane Doe-42/"
    assert credits.description_lines() == []
    assert "GET" in caplog.text and PIXABAY_KEY not in caplog.text  # the key in the query is never logged


def test_a_wrong_key_fails_the_stage_with_the_status(
    make_settings: Callable[..., Settings],
    fast_backoff: Backoff,
    paths: TaskPaths,
    clip_files: dict[str, bytes],
) -> None:
    task, script = stock_task()
    with FakeServer(PexelsFake("another-key", [StockVideo(1, RENDITIONS)], clip_files)) as server:
        source = source_for(make_settings, fast_backoff, pexels=server.base_url)
        with pytest.raises(PermanentError, match=r"Pexels video search GET .* returned HTTP 401"):
            source.produce(task, script, paths)
    assert not paths.scene_clip(0).exists()


def test_rate_limit_and_server_errors_are_retried(
    make_settings: Callable[..., Settings],
    fast_backoff: Backoff,
    sleeps: list[float],
    paths: TaskPaths,
    clip_files: dict[str, bytes],
) -> None:
    fake = PexelsFake(PEXELS_KEY, [StockVideo(1, RENDITIONS)], clip_files)
    fake.limits.rate_limited, fake.limits.server_errors = 1, 1
    task, script = stock_task()
    with FakeServer(fake) as server:
        source_for(make_settings, fast_backoff, pexels=server.base_url).produce(task, script, paths)
        statuses = len(server.matching("GET", "/videos/search"))
    assert statuses == 5  # 429, 503, then one answer per scene
    assert len(sleeps) == 2
    assert all(paths.scene_clip(i).is_file() for i in range(3))


def test_a_service_that_stays_rate_limited_fails_for_a_later_retry_or_yields_to_the_other(
    make_settings: Callable[..., Settings],
    fast_backoff: Backoff,
    paths: TaskPaths,
    clip_files: dict[str, bytes],
) -> None:
    pexels = PexelsFake(PEXELS_KEY, [StockVideo(1, RENDITIONS)], clip_files)
    pexels.limits.rate_limited = 100
    task, script = stock_task()
    with FakeServer(pexels) as server:
        with pytest.raises(TransientError, match="HTTP 429"):
            source_for(make_settings, fast_backoff, pexels=server.base_url).produce(task, script, paths)
        pixabay = PixabayFake(PIXABAY_KEY, [StockVideo(5, [(180, 320, "fit.mp4")])], clip_files)
        with FakeServer(pixabay) as other:
            source = source_for(make_settings, fast_backoff, pexels=server.base_url, pixabay=other.base_url)
            source.produce(task, script, paths)
    assert {c.provider for c in credits_of(paths).clips} == {"Pixabay"}


def test_a_bad_clip_leaves_its_scene_the_still_with_a_clear_error(
    make_settings: Callable[..., Settings],
    fast_backoff: Backoff,
    paths: TaskPaths,
    clip_files: dict[str, bytes],
) -> None:
    fake = PexelsFake(PEXELS_KEY, [StockVideo(1, [(180, 320, "bad.mp4")])], clip_files)
    task, script = stock_task()
    with FakeServer(fake) as server:
        images = source_for(make_settings, fast_backoff, pexels=server.base_url).produce(task, script, paths)
    assert all(image.is_file() for image in images)
    assert not any(paths.scene_clip(i).exists() for i in range(3))
    errors = [clip.error for clip in credits_of(paths).clips]
    assert all(error.startswith(f"the clip of scene {i} does not decode") for i, error in enumerate(errors))


def test_no_clip_found_keeps_the_still(
    make_settings: Callable[..., Settings],
    fast_backoff: Backoff,
    paths: TaskPaths,
    clip_files: dict[str, bytes],
) -> None:
    fake = PexelsFake(PEXELS_KEY, [StockVideo(1, [(320, 180, "wide.mp4")])], clip_files)  # landscape only
    task, script = stock_task()
    with FakeServer(fake) as server:
        source_for(make_settings, fast_backoff, pexels=server.base_url).produce(task, script, paths)
    assert credits_of(paths).clips[0].error == "no stock clip found for 'calm lake'"
    assert paths.scene_image(0).is_file() and not paths.scene_clip(0).exists()


def test_stock_needs_a_key(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(ProviderNotConfiguredError, match="MEDIA_PIPELINE_PEXELS_API_KEY"):
        build_image_source(MediaMode.STOCK, make_settings())


def test_scene_media_defaults_to_clip_and_reads_keywords() -> None:
    scene = Scene.model_validate({"index": 0, "narration": "x", "keywords": ["sea"], "media": "still"})
    assert (scene.media, scene.keywords) == (SceneMedia.STILL, ["sea"])
    assert Scene(index=0, narration="x").media is SceneMedia.CLIP
    assert json.loads(scene.model_dump_json())["media"] == "still"
