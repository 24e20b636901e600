"""mediaMode ``crawl``: scene images downloaded from the task's ``imageUrls`` under the safe-fetch policy."""

from __future__ import annotations

from pathlib import Path

from media_pipeline.domain import Script, TaskPaths, TaskSpec
from media_pipeline.errors import PermanentError
from media_pipeline.providers.imaging import write_scene_image
from media_pipeline.providers.safe_fetch import FetchPolicy, SafeFetcher
from media_pipeline.settings import Settings


class CrawlImageSource:
    """Downloads each image URL once and cover-fits it per scene (URLs cycled if fewer than scenes)."""

    name = "crawl"

    def __init__(self, settings: Settings, *, fetcher: SafeFetcher | None = None) -> None:
        self.fetcher = fetcher or SafeFetcher(FetchPolicy.from_settings(settings))

    def produce(self, task: TaskSpec, script: Script, paths: TaskPaths) -> list[Path]:
        """Fetch, decode-check and write ``scene_XX.png`` for every scene."""
        urls = [str(url) for url in task.settings.image_urls]
        if not urls:
            raise PermanentError("crawl mode needs at least one URL in imageUrls")
        needed = urls[: len(script.scenes)]
        bodies = {url: self.fetcher.fetch(url).data for url in dict.fromkeys(needed)}
        images = []
        for i in range(len(script.scenes)):
            url = urls[i % len(urls)]
            images.append(write_scene_image(bodies[url], task.settings.resolution, paths.scene_image(i), url))
        return images
