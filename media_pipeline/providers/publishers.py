"""Chooses the publisher from settings: YouTube when authorized, otherwise the local folder."""

from __future__ import annotations

from media_pipeline.errors import ProviderNotConfiguredError
from media_pipeline.providers.base import Publisher
from media_pipeline.providers.publish_local import LocalFolderPublisher
from media_pipeline.settings import Settings
from media_pipeline.storage import Storage

PUBLISHERS = ("auto", "local", "youtube")


def youtube_configured(settings: Settings) -> bool:
    """True if a YouTube token file is configured and present."""
    return settings.youtube_token_file is not None and settings.youtube_token_file.is_file()


def build_publisher(settings: Settings, storage: Storage, channel_setting_id: str | None = None) -> Publisher:
    """``local`` → LocalFolderPublisher; ``youtube`` → YouTubePublisher (token file required);
    ``auto`` → YouTube if the token file exists, else the ``published/`` folder of ``storage`` (whose
    result says that nothing was uploaded to YouTube). A channel setting publishes to that channel with
    its own token file (``youtube-auth --channel``); it must be authorized."""
    if channel_setting_id is not None:
        token = settings.channel_token_file(channel_setting_id)
        if not token.is_file():
            raise ProviderNotConfiguredError(
                f"channel setting {channel_setting_id} is not authorized; run "
                f"`media-pipeline youtube-auth --channel {channel_setting_id}`"
            )
        settings = settings.model_copy(update={"youtube_token_file": token, "publisher": "youtube"})
    choice = settings.publisher.strip().lower()
    if choice not in PUBLISHERS:
        raise ProviderNotConfiguredError(
            f"unknown publisher {settings.publisher!r}; "
            f"MEDIA_PIPELINE_PUBLISHER must be one of {', '.join(PUBLISHERS)}"
        )
    if choice == "youtube" or (choice == "auto" and youtube_configured(settings)):
        if not youtube_configured(settings):
            raise ProviderNotConfiguredError(
                f"publisher 'youtube' needs the token file MEDIA_PIPELINE_YOUTUBE_TOKEN_FILE "
                f"({settings.youtube_token_file or 'unset'}); create it with `media-pipeline youtube-auth`"
            )
        from media_pipeline.providers.youtube import YouTubePublisher

        return YouTubePublisher(settings)
    return LocalFolderPublisher(storage)
