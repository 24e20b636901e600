"""Chooses the image source of a task's mediaMode, and validates its configuration before work starts."""

from __future__ import annotations

from collections.abc import Callable

from media_pipeline.domain import MediaMode
from media_pipeline.providers.base import ImageSource
from media_pipeline.providers.retry import Backoff
from media_pipeline.settings import Settings


def _local(settings: Settings) -> ImageSource:
    from media_pipeline.providers.images_local import LocalImageSource

    return LocalImageSource(settings)


def _upload(settings: Settings) -> ImageSource:
    from media_pipeline.providers.uploads import UploadImageSource

    return UploadImageSource(settings.clip_max_s, settings.font_path)


def _crawl(settings: Settings) -> ImageSource:
    from media_pipeline.providers.crawl import CrawlImageSource

    return CrawlImageSource(settings)


def _backoff(settings: Settings) -> Backoff:
    """Tries per provider request within one stage attempt (``http_attempts``)."""
    return Backoff(attempts=settings.http_attempts)


def _dalle(settings: Settings) -> ImageSource:
    from media_pipeline.providers.ai_images import DalleImageSource

    return DalleImageSource(settings, backoff=_backoff(settings))


def _imagen(settings: Settings) -> ImageSource:
    from media_pipeline.providers.ai_images import ImagenImageSource

    return ImagenImageSource(settings, backoff=_backoff(settings))


def _sora(settings: Settings) -> ImageSource:
    from media_pipeline.providers.ai_images import SoraImageSource

    return SoraImageSource(settings, backoff=_backoff(settings))


def _stock(settings: Settings) -> ImageSource:
    from media_pipeline.providers.stock_source import StockClipSource

    return StockClipSource(settings, backoff=_backoff(settings))


_BUILDERS: dict[MediaMode, Callable[[Settings], ImageSource]] = {
    MediaMode.LOCAL: _local,
    MediaMode.UPLOAD: _upload,
    MediaMode.CRAWL: _crawl,
    MediaMode.DALLE3: _dalle,
    MediaMode.IMAGEN3: _imagen,
    MediaMode.SORA2: _sora,
    MediaMode.STOCK: _stock,
}


def build_image_source(mode: MediaMode, settings: Settings) -> ImageSource:
    """The image source for ``mode``; raises ProviderNotConfiguredError if its settings are missing."""
    return _BUILDERS[MediaMode(mode)](settings)


def validate_image_source(mode: MediaMode, settings: Settings) -> None:
    """Raise ProviderNotConfiguredError if ``mode`` cannot run with ``settings`` (no I/O, no network)."""
    build_image_source(mode, settings)
