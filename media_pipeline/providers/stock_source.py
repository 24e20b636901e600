"""mediaMode ``stock``: a stock clip per scene from Pexels, then Pixabay (whichever have an API key),
downloaded under the fetch policy, checked and stored as the scene's clip; a scene without a usable clip
(none found, or a bad one) keeps its Pillow still, and ``media_credits.json`` says why
(docs/ARCHITECTURE.md §8, "Clips as scene media")."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from media_pipeline.domain import Scene, SceneMedia, Script, TaskPaths, TaskSpec
from media_pipeline.domain.media_credits import ClipCredit, MediaCredits
from media_pipeline.errors import PermanentError, ProviderNotConfiguredError, TransientError
from media_pipeline.fsutil import write_bytes_atomic
from media_pipeline.media.clip_check import BadClipError
from media_pipeline.providers.clip_media import adopt_clip, still_instead
from media_pipeline.providers.http_api import secret_value
from media_pipeline.providers.retry import Backoff
from media_pipeline.providers.safe_fetch import FetchPolicy, FetchRefusedError, SafeFetcher
from media_pipeline.providers.stock_clips import PexelsClips, PixabayClips, StockClip
from media_pipeline.settings import Settings

log = logging.getLogger(__name__)


class ClipSearch(Protocol):
    """A stock video search (Pexels, Pixabay)."""

    name: str

    def search(self, query: str, frame: tuple[int, int]) -> list[StockClip]:
        """Clips for ``query`` with a rendition in the orientation of ``frame``."""
        ...


def scene_query(scene: Scene, script: Script) -> str:
    """The words a scene's stock clip is searched by: its keywords, else its caption, image prompt or the
    script's title."""
    return " ".join(scene.keywords) or scene.caption or scene.image_prompt or script.title


def clip_searches(settings: Settings, backoff: Backoff) -> list[ClipSearch]:
    """The configured stock searches, Pexels first; ProviderNotConfiguredError when neither has a key."""
    searches: list[ClipSearch] = []
    timeout_s = settings.images_timeout_s
    if key := secret_value(settings.pexels_api_key):
        searches.append(PexelsClips(settings.pexels_base_url, key, timeout_s=timeout_s, backoff=backoff))
    if key := secret_value(settings.pixabay_api_key):
        searches.append(PixabayClips(settings.pixabay_base_url, key, timeout_s=timeout_s, backoff=backoff))
    if not searches:
        raise ProviderNotConfiguredError(
            "mediaMode 'stock' is not configured: set MEDIA_PIPELINE_PEXELS_API_KEY or "
            "MEDIA_PIPELINE_PIXABAY_API_KEY; no other image source is used instead"
        )
    return searches


class NoStockClipError(PermanentError):
    """No stock search found a clip for a scene."""


class StockClipSource:
    """One stock clip per scene whose ``media`` is ``clip``; a Pillow still for the others."""

    name = "stock"

    def __init__(self, settings: Settings, *, backoff: Backoff | None = None) -> None:
        self.searches = clip_searches(settings, backoff or Backoff(attempts=settings.http_attempts))
        policy = FetchPolicy.from_settings(settings)
        self.fetcher = SafeFetcher(
            replace(policy, max_bytes=settings.clip_max_bytes, content_type_prefix="video/"),
            backoff=backoff or Backoff(attempts=settings.http_attempts),
        )
        self.max_seconds = settings.clip_max_s
        self.font = settings.font_path

    def produce(self, task: TaskSpec, script: Script, paths: TaskPaths) -> list[Path]:
        """Write every scene's image (and the clips), then ``media_credits.json``; images in scene order."""
        images, credits = [], []
        for scene in script.scenes:
            if scene.media is SceneMedia.STILL:
                images.append(still_instead(script, scene, task, paths, self.font))
                continue
            try:
                image, credit = self._clip_scene(task, script, scene, paths)
            except (BadClipError, NoStockClipError, FetchRefusedError) as exc:
                # a bad or missing clip costs the scene its motion, not the task (a refused key fails it)
                log.warning("scene %d keeps its still: %s", scene.index, exc)
                image = still_instead(script, scene, task, paths, self.font)
                credit = ClipCredit(scene=scene.index, error=str(exc))
            images.append(image)
            credits.append(credit)
        body = MediaCredits(clips=credits).model_dump_json(indent=2)
        write_bytes_atomic(paths.media_credits_json, body.encode())
        return images

    def _find(self, query: str, frame: tuple[int, int]) -> StockClip:
        """The first clip any search finds; a search that stays unavailable (429, 5xx) is skipped while
        another answers, and re-raised when none found a clip."""
        unavailable: TransientError | None = None
        for search in self.searches:
            try:
                found = search.search(query, frame)
            except TransientError as exc:
                unavailable = exc
                continue
            if found:
                return found[0]
        if unavailable is not None:
            raise unavailable
        raise NoStockClipError(f"no stock clip found for {query!r}")

    def _clip_scene(
        self, task: TaskSpec, script: Script, scene: Scene, paths: TaskPaths
    ) -> tuple[Path, ClipCredit]:
        clip = self._find(scene_query(scene, script), task.settings.resolution)
        fetched = self.fetcher.fetch(clip.rendition.url)
        with tempfile.TemporaryDirectory() as work:
            download = write_bytes_atomic(Path(work) / "download.mp4", fetched.data)
            image = adopt_clip(download, task, scene.index, paths, max_seconds=self.max_seconds)
        credit = ClipCredit(
            scene=scene.index,
            provider=clip.provider,
            author=clip.author,
            author_url=clip.author_url,
            page_url=clip.page_url,
            licence=clip.licence,
            attribution_asked=clip.attribution_asked,
        )
        return image, credit
