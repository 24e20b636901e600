"""DALL·E 3, Imagen 3 and Sora 2 image sources against loopback fakes; configuration validation."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pydantic import SecretStr

from media_pipeline.domain import MediaMode, TaskPaths
from media_pipeline.errors import PermanentError, ProviderNotConfiguredError
from media_pipeline.providers.ai_images import DalleImageSource, ImagenImageSource, SoraImageSource
from media_pipeline.providers.image_sources import build_image_source, validate_image_source
from media_pipeline.providers.retry import Backoff
from media_pipeline.providers.safe_fetch import FetchRefusedError
from media_pipeline.settings import Settings
from media_pipeline_tests.providers.fake_videos import VideosFake, make_clip
from media_pipeline_tests.providers.fakeserver import FakeServer, Reply, routes
from media_pipeline_tests.providers.helpers import image_bytes, make_script, make_task

PNG = image_bytes("PNG", (256, 448), "purple")
B64 = base64.b64encode(PNG).decode()
INSTANT = Backoff(sleep=lambda _s: None, rand=lambda: 0.0)


def assert_scene_images(paths: TaskPaths, count: int, size: tuple[int, int] = (180, 320)) -> None:
    for i in range(count):
        with Image.open(paths.scene_image(i)) as img:
            assert img.format == "PNG" and img.size == size


def test_dalle3_b64(make_settings: Callable[..., Settings], paths: TaskPaths) -> None:
    reply = Reply.json({"created": 1, "data": [{"b64_json": B64}]})
    with FakeServer(routes({"/v1/images/generations": reply})) as srv:
        settings = make_settings(images_base_url=f"{srv.base_url}/v1", images_api_key=SecretStr("sk"))
        task = make_task(mediaMode="dalle3", styles=["mono"])
        DalleImageSource(settings, backoff=INSTANT).produce(task, make_script(task), paths)

    assert_scene_images(paths, 3)
    body = srv.requests[0].json()
    assert body["model"] == "dall-e-3" and body["size"] == "1024x1792" and body["n"] == 1
    assert body["response_format"] == "b64_json"
    assert "a calm lake, view 0" in body["prompt"] and "monochrome" in body["prompt"]
    assert srv.requests[0].headers["authorization"] == "Bearer sk"


def test_dalle3_url_response_goes_through_the_crawl_rules(
    make_settings: Callable[..., Settings], paths: TaskPaths
) -> None:
    with FakeServer(routes({"/img.png": Reply(200, PNG, {"Content-Type": "image/png"})})) as files:
        reply = Reply.json({"data": [{"url": f"{files.base_url}/img.png"}]})
        with FakeServer(routes({"/v1/images/generations": reply})) as api:
            task = make_task(mediaMode="dalle3", type="longform")
            strict = make_settings(images_base_url=f"{api.base_url}/v1")
            with pytest.raises(FetchRefusedError):
                DalleImageSource(strict, backoff=INSTANT).produce(task, make_script(task), paths)
            assert files.requests == []

            lenient = make_settings(images_base_url=f"{api.base_url}/v1", crawl_allow_private=True)
            DalleImageSource(lenient, backoff=INSTANT).produce(task, make_script(task), paths)
    assert_scene_images(paths, 3, (568, 320))
    assert api.requests[-1].json()["size"] == "1792x1024"


def test_imagen3_predict(make_settings: Callable[..., Settings], paths: TaskPaths) -> None:
    path = "/v1beta/models/imagen-3.0-generate-002:predict"
    reply = Reply.json({"predictions": [{"bytesBase64Encoded": B64, "mimeType": "image/png"}]})
    with FakeServer(routes({path: reply})) as srv:
        settings = make_settings(imagen_base_url=srv.base_url, imagen_api_key=SecretStr("gk"))
        task = make_task(mediaMode="imagen3")
        ImagenImageSource(settings, backoff=INSTANT).produce(task, make_script(task), paths)

    assert_scene_images(paths, 3)
    request = srv.requests[0]
    assert request.headers["x-goog-api-key"] == "gk"
    body = request.json()
    assert body["parameters"] == {"sampleCount": 1, "aspectRatio": "9:16"}
    assert body["instances"][0]["prompt"].startswith("a calm lake, view 0")


def test_imagen3_filtered_prompt_is_a_clear_error(
    make_settings: Callable[..., Settings], paths: TaskPaths
) -> None:
    path = "/v1beta/models/imagen-3.0-generate-002:predict"
    with FakeServer(routes({path: Reply.json({})})) as srv:
        settings = make_settings(imagen_base_url=srv.base_url, imagen_api_key=SecretStr("gk"))
        task = make_task(mediaMode="imagen3")
        with pytest.raises(PermanentError, match="returned no image"):
            ImagenImageSource(settings, backoff=INSTANT).produce(task, make_script(task), paths)


def test_sora2_keeps_a_clip_per_scene_and_uses_its_thumbnail(
    make_settings: Callable[..., Settings], paths: TaskPaths, tmp_path: Path
) -> None:
    fake = VideosFake(make_clip(tmp_path / "clip.mp4").read_bytes())
    slept: list[float] = []
    with FakeServer(fake) as srv:
        settings = make_settings(sora_base_url=f"{srv.base_url}/v1", sora_api_key=SecretStr("sk"))
        task = make_task(mediaMode="sora2")
        source = SoraImageSource(settings, backoff=INSTANT, sleep=slept.append)
        images = source.produce(task, make_script(task), paths)

    assert_scene_images(paths, 3)
    assert [source.outputs(image) for image in images] == [
        [paths.scene_image(i), paths.scene_clip(i)] for i in range(3)
    ]
    assert all(paths.scene_clip(i).read_bytes() == fake.clip for i in range(3))
    create = srv.matching("POST", "/v1/videos")[0]
    assert create.headers["content-type"].startswith("multipart/form-data")
    for field in (b'name="model"', b"sora-2", b'name="size"', b"720x1280", b'name="seconds"'):
        assert field in create.body
    assert fake.polls == {"video_0": 2, "video_1": 2, "video_2": 2}
    assert slept == [10.0, 10.0, 10.0]


def test_sora2_content_that_is_not_an_mp4_is_permanent(
    make_settings: Callable[..., Settings], paths: TaskPaths
) -> None:
    with FakeServer(VideosFake(b"<html>not a video</html>")) as srv:
        settings = make_settings(sora_base_url=f"{srv.base_url}/v1", sora_api_key=SecretStr("sk"))
        task = make_task(mediaMode="sora2")
        with pytest.raises(PermanentError, match="is not an MP4 file"):
            SoraImageSource(settings, backoff=INSTANT, sleep=lambda _s: None).produce(
                task, make_script(task), paths
            )
    assert not paths.scene_clip(0).exists()


def test_sora2_failed_job_is_permanent(make_settings: Callable[..., Settings], paths: TaskPaths) -> None:
    table: dict[str, Any] = {
        "/v1/videos": Reply.json({"id": "video_9", "status": "queued"}),
        "/v1/videos/video_9": Reply.json(
            {"id": "video_9", "status": "failed", "error": {"message": "policy"}}
        ),
    }
    with FakeServer(routes(table)) as srv:
        settings = make_settings(sora_base_url=f"{srv.base_url}/v1", sora_api_key=SecretStr("sk"))
        task = make_task(mediaMode="sora2")
        with pytest.raises(PermanentError, match="failed: policy"):
            SoraImageSource(settings, backoff=INSTANT).produce(task, make_script(task), paths)


@pytest.mark.parametrize(
    ("mode", "env_var"),
    [
        (MediaMode.DALLE3, "IMAGES_API_KEY"),
        (MediaMode.IMAGEN3, "IMAGEN_API_KEY"),
        (MediaMode.SORA2, "SORA_API_KEY"),
    ],
)
def test_unconfigured_ai_modes_are_refused_at_validation(
    make_settings: Callable[..., Settings], mode: MediaMode, env_var: str
) -> None:
    with pytest.raises(ProviderNotConfiguredError, match=env_var):
        validate_image_source(mode, make_settings())


@pytest.mark.parametrize("mode", [MediaMode.LOCAL, MediaMode.UPLOAD, MediaMode.CRAWL])
def test_offline_modes_need_no_configuration(make_settings: Callable[..., Settings], mode: MediaMode) -> None:
    validate_image_source(mode, make_settings())
    assert build_image_source(mode, make_settings()).name == mode.value
