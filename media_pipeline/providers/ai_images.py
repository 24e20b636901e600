"""AI-generated scene images: DALL·E 3 (OpenAI-compatible images API), Imagen 3 (Gemini API ``:predict``)
and Sora 2 (OpenAI Videos API: one short clip per scene, the scene's moving picture; its ``thumbnail``
still is the scene image).

Each source builds a prompt from the scene's ``image_prompt`` (or narration) and style, generates one image
per scene, and cover-fits it to the video canvas. Missing configuration raises ProviderNotConfiguredError
in the constructor, so :func:`media_pipeline.providers.image_sources.validate_image_source` can refuse a
task before any work starts. There is never a silent fallback to another source.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from media_pipeline.domain import ImageStyle, Scene, Script, TaskPaths, TaskSpec
from media_pipeline.domain.image_plan import role_hint
from media_pipeline.domain.paths import clip_of
from media_pipeline.errors import PermanentError, ProviderNotConfiguredError, TransientError
from media_pipeline.fsutil import write_bytes_atomic
from media_pipeline.providers.http_api import HttpApi, bearer_headers, secret_value
from media_pipeline.providers.imaging import write_scene_image
from media_pipeline.providers.retry import Backoff
from media_pipeline.providers.safe_fetch import FetchPolicy, SafeFetcher
from media_pipeline.settings import Settings

OPENAI_BASE_URL = "https://api.openai.com/v1"
GEMINI_BASE_URL = "https://generativelanguage.googleapis.com"

STYLE_HINTS = {
    ImageStyle.SUNSET: "warm golden-hour light, orange and pink sunset palette",
    ImageStyle.OCEAN: "cool blue and teal ocean palette, airy and calm",
    ImageStyle.FOREST: "lush green forest palette, natural soft light",
    ImageStyle.NEON: "vivid neon magenta and cyan lights, night-time city mood",
    ImageStyle.MONO: "black-and-white monochrome photography, strong contrast",
    ImageStyle.PASTEL: "soft pastel colours, gentle light, minimal",
}


def scene_prompt(scene: Scene, task: TaskSpec) -> str:
    """The generation prompt of one scene: its image prompt (or narration), role, style and framing."""
    subject = scene.image_prompt.strip() or scene.narration.strip()
    shows = f" Shows: {role_hint(scene.role)}." if scene.role else ""
    framing = "vertical 9:16 composition" if task.settings.vertical else "horizontal 16:9 composition"
    return f"{subject}.{shows} Style: {STYLE_HINTS[scene.style]}. {framing}. No text, letters or watermarks."


def decode_b64(value: Any, what: str) -> bytes:
    """Base64 image data from a provider response (PermanentError if missing or malformed)."""
    if not isinstance(value, str) or not value:
        raise PermanentError(f"{what}: the response has no image data")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PermanentError(f"{what}: the image data is not valid base64") from exc


def _not_configured(mode: str, needs: str) -> ProviderNotConfiguredError:
    return ProviderNotConfiguredError(
        f"mediaMode '{mode}' is not configured: set {needs}; no other image source is used instead"
    )


class GeneratedImageSource:
    """Base of the AI sources: one generated image per scene, written as ``scene_XX.png``."""

    name = "generated"

    def __init__(self, api_args: dict[str, Any]) -> None:
        self._api_args = api_args

    def generate(self, api: HttpApi, prompt: str, vertical: bool) -> bytes:
        """Return the encoded image bytes for ``prompt``."""
        raise NotImplementedError

    def open_api(self) -> HttpApi:
        """A client of this source's API (a context manager); one per batch of images."""
        return HttpApi(**self._api_args)

    def outputs(self, image: Path) -> list[Path]:
        """The files :meth:`make_image` writes for the scene image ``image`` (the image first)."""
        return [image]

    def make_image(self, api: HttpApi, task: TaskSpec, scene: Scene, prompt: str, path: Path) -> Path:
        """Generate one scene's image from ``prompt`` (one paid call), decode-check and cover-fit it to
        ``path``."""
        data = self.generate(api, prompt, task.settings.vertical)
        what = f"{self.name} image for scene {scene.index}"
        return write_scene_image(data, task.settings.resolution, path, what)

    def produce(self, task: TaskSpec, script: Script, paths: TaskPaths) -> list[Path]:
        """Generate, decode-check and cover-fit an image for every scene, in order."""
        with self.open_api() as api:
            return [
                self.make_image(api, task, scene, scene_prompt(scene, task), paths.scene_image(scene.index))
                for scene in script.scenes
            ]


class DalleImageSource(GeneratedImageSource):
    """mediaMode ``dalle3``: ``POST {images_base_url}/images/generations`` (OpenAI-compatible)."""

    name = "dalle3"

    def __init__(
        self, settings: Settings, *, backoff: Backoff | None = None, fetcher: SafeFetcher | None = None
    ) -> None:
        key = secret_value(settings.images_api_key)
        if not settings.images_base_url and not key:
            raise _not_configured(
                self.name, "MEDIA_PIPELINE_IMAGES_API_KEY (and/or MEDIA_PIPELINE_IMAGES_BASE_URL)"
            )
        super().__init__(
            {
                "base_url": settings.images_base_url or OPENAI_BASE_URL,
                "name": f"images API {settings.images_model}",
                "headers": bearer_headers(key),
                "timeout_s": settings.images_timeout_s,
                "backoff": backoff,
            }
        )
        self.model = settings.images_model
        self.fetcher = fetcher or SafeFetcher(
            FetchPolicy.from_settings(settings), backoff=backoff or Backoff()
        )

    def _size(self, vertical: bool) -> str:
        if self.model.startswith("dall-e-3"):
            return "1024x1792" if vertical else "1792x1024"
        if self.model.startswith("dall-e"):
            return "1024x1024"
        return "1024x1536" if vertical else "1536x1024"

    def generate(self, api: HttpApi, prompt: str, vertical: bool) -> bytes:
        """One image as base64 JSON (or a URL fetched under the crawl rules)."""
        payload: dict[str, Any] = {
            "model": self.model,
            "prompt": prompt,
            "n": 1,
            "size": self._size(vertical),
        }
        if self.model.startswith("dall-e"):
            payload["response_format"] = "b64_json"
        body = api.json("POST", "images/generations", json=payload)
        try:
            item = body["data"][0]
        except (KeyError, IndexError, TypeError) as exc:
            raise PermanentError(f"{api.name}: the response has no data[0]") from exc
        if item.get("b64_json"):
            return decode_b64(item["b64_json"], api.name)
        if item.get("url"):
            return self.fetcher.fetch(str(item["url"])).data
        raise PermanentError(f"{api.name}: data[0] has neither b64_json nor url")


class ImagenImageSource(GeneratedImageSource):
    """mediaMode ``imagen3``: Gemini API ``POST /v1beta/models/{model}:predict`` with ``x-goog-api-key``."""

    name = "imagen3"

    def __init__(self, settings: Settings, *, backoff: Backoff | None = None) -> None:
        key = secret_value(settings.imagen_api_key)
        if not key:
            raise _not_configured(self.name, "MEDIA_PIPELINE_IMAGEN_API_KEY (a Gemini API key)")
        super().__init__(
            {
                "base_url": settings.imagen_base_url or GEMINI_BASE_URL,
                "name": f"Imagen {settings.imagen_model}",
                "headers": {"x-goog-api-key": key},
                "timeout_s": settings.images_timeout_s,
                "backoff": backoff,
            }
        )
        self.model = settings.imagen_model

    def generate(self, api: HttpApi, prompt: str, vertical: bool) -> bytes:
        """One image from ``predictions[0].bytesBase64Encoded``."""
        payload = {
            "instances": [{"prompt": prompt}],
            "parameters": {"sampleCount": 1, "aspectRatio": "9:16" if vertical else "16:9"},
        }
        body = api.json("POST", f"v1beta/models/{self.model}:predict", json=payload)
        predictions = body.get("predictions") or []
        if not predictions or not isinstance(predictions[0], dict):
            raise PermanentError(f"{api.name} returned no image (the prompt may have been filtered)")
        return decode_b64(predictions[0].get("bytesBase64Encoded"), api.name)


class SoraImageSource(GeneratedImageSource):
    """mediaMode ``sora2``: OpenAI Videos API, one 4-second clip per scene. The clip (``scene_XX.mp4``) is
    the scene's moving picture in the video; its ``thumbnail`` still is the scene image (task page,
    thumbnail).

    ``POST /videos`` (multipart: model, prompt, seconds, size) → poll ``GET /videos/{id}`` until
    ``completed`` → ``GET /videos/{id}/content`` (the MP4) and ``GET /videos/{id}/content?variant=thumbnail``.
    OpenAI has announced that the Videos API and sora-2 shut down on 2026-09-24; after that this source fails
    with the provider's error.
    """

    name = "sora2"

    def __init__(
        self,
        settings: Settings,
        *,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        key = secret_value(settings.sora_api_key)
        if not key:
            raise _not_configured(
                self.name, "MEDIA_PIPELINE_SORA_API_KEY (an OpenAI key with Videos API access)"
            )
        super().__init__(
            {
                "base_url": settings.sora_base_url or OPENAI_BASE_URL,
                "name": f"Videos API {settings.sora_model}",
                "headers": bearer_headers(key),
                "timeout_s": settings.images_timeout_s,
                "backoff": backoff,
            }
        )
        self.model = settings.sora_model
        self.poll_interval_s = settings.sora_poll_interval_s
        self.timeout_s = settings.sora_timeout_s
        self.sleep = sleep
        self.clock = clock

    def _wait(self, api: HttpApi, video_id: str) -> None:
        deadline = self.clock() + self.timeout_s
        while True:
            job = api.json("GET", f"videos/{video_id}")
            status = job.get("status")
            if status == "completed":
                return
            if status == "failed":
                error = job.get("error") or {}
                raise PermanentError(f"{api.name}: video {video_id} failed: {error.get('message', error)}")
            if self.clock() >= deadline:
                raise TransientError(
                    f"{api.name}: video {video_id} still {status!r} after {self.timeout_s} s"
                )
            self.sleep(self.poll_interval_s)

    def outputs(self, image: Path) -> list[Path]:
        """The scene image and its clip."""
        return [image, clip_of(image)]

    def make_image(self, api: HttpApi, task: TaskSpec, scene: Scene, prompt: str, path: Path) -> Path:
        """Render one scene's clip (one paid call): the MP4 next to ``path`` (``clip_of``), its thumbnail
        still decode-checked and cover-fitted to ``path``."""
        video_id = self._render(api, prompt, task.settings.vertical)
        clip = api.request("GET", f"videos/{video_id}/content").content
        if clip[4:8] != b"ftyp":
            raise PermanentError(f"{api.name}: the content of video {video_id} is not an MP4 file")
        write_bytes_atomic(clip_of(path), clip)
        still = api.request("GET", f"videos/{video_id}/content", params={"variant": "thumbnail"}).content
        return write_scene_image(
            still, task.settings.resolution, path, f"{self.name} still for scene {scene.index}"
        )

    def _render(self, api: HttpApi, prompt: str, vertical: bool) -> str:
        """Create a 4-second clip of ``prompt`` and wait until it is rendered; its video id."""
        form = {
            "model": (None, self.model),
            "prompt": (None, prompt),
            "seconds": (None, "4"),
            "size": (None, "720x1280" if vertical else "1280x720"),
        }
        job = api.json("POST", "videos", files=form)
        video_id = job.get("id")
        if not isinstance(video_id, str) or not video_id:
            raise PermanentError(f"{api.name}: the create response has no id")
        self._wait(api, video_id)
        return video_id
