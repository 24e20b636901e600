"""The publish stage's work: every target of the task's channel setting, each with its publication record
(docs/ARCHITECTURE.md §10, publications). Used by the ``youtube_video`` asset; runs without Dagster."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from media_pipeline.domain import Script, TaskPaths, TaskSpec
from media_pipeline.domain.publication import Publication, PublishTarget
from media_pipeline.errors import PermanentError, ProviderNotConfiguredError
from media_pipeline.providers.base import Publisher, PublishInput, PublishResult
from media_pipeline.providers.publication_flow import (
    Outcome,
    PrimaryTarget,
    TargetPublisher,
    publish_all,
    publish_result,
    stage_error,
    summary,
)
from media_pipeline.providers.social_tokens import SocialTokenFile, channel_token_file
from media_pipeline.settings import Settings
from media_pipeline.storage import Storage
from media_pipeline.storage.signed_links import signed_video_url
from media_pipeline.store.owner import Owner
from media_pipeline.store.publications import Publications
from media_pipeline.store.publish_connections import PublishConnections
from media_pipeline.store.task_service import TaskService


@dataclass
class PublishReport:
    """The outcome of one publish attempt: per-target outcomes, the stage's error (None: done), the primary
    target's result for ``publish.json`` and a one-line summary."""

    outcomes: list[Outcome]
    error: Exception | None
    result: PublishResult | None
    summary: str


@dataclass
class PublishRequest:
    """One task generation's publishing: its files, where its video lives in the storage, its channel."""

    task: TaskSpec
    script: Script
    files: PublishInput
    paths: TaskPaths
    video_key: str
    channel_setting_id: str | None


class Publishing:
    """Builds each target's publisher for a channel setting and runs the publication flow."""

    def __init__(
        self,
        settings: Settings,
        storage: Storage,
        db: Engine | str,
        primary: Callable[[str | None], Publisher],
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.book = Publications(db, clock=clock)
        self.connections = PublishConnections(db, clock=clock)
        self.primary = primary
        self.clock = clock

    def run(self, request: PublishRequest) -> PublishReport:
        """Publish to every target; see ``publication_flow`` for what is retried, deferred or final."""
        channel = request.channel_setting_id
        targets = self._targets(request)
        primary = next((t for t in targets if t in (PublishTarget.YOUTUBE, PublishTarget.LOCAL)), None)

        def reconnect(target: PublishTarget, reason: str) -> str | None:
            if channel is not None:
                self.connections.mark_reconnect(channel, target, reason)
            return channel

        outcomes = publish_all(
            targets,
            self.book,
            request.task,
            request.script,
            request.files,
            now=self.clock(),
            horizon=timedelta(hours=self.settings.publish_defer_horizon_h),
            on_reconnect=reconnect,
        )
        line = summary(outcomes)
        result = publish_result(outcomes, primary, line)
        return PublishReport(outcomes, stage_error(outcomes, primary), result, line)

    def _targets(self, request: PublishRequest) -> Mapping[PublishTarget, Callable[[], TargetPublisher]]:
        """Each target of the channel setting (YouTube or the local folder alone without a channel)."""
        channel = request.channel_setting_id
        if channel is None:
            primary = self.primary(None)
            return {PublishTarget(primary.name): lambda: PrimaryTarget(primary, request.paths)}
        made: dict[PublishTarget, Callable[[], TargetPublisher]] = {}
        for target in self.connections.targets(channel):
            if target is PublishTarget.TIKTOK:
                made[target] = lambda: self._tiktok(channel)
            elif target is PublishTarget.INSTAGRAM:
                made[target] = lambda: self._instagram(channel, request.video_key, request.task.task_id)
            else:
                made[PublishTarget.YOUTUBE] = lambda: PrimaryTarget(self.primary(channel), request.paths)
        return made

    def _tokens(self, channel: str, target: PublishTarget) -> SocialTokenFile:
        return channel_token_file(self.settings, channel, target.value)

    def _tiktok(self, channel: str) -> TargetPublisher:
        from media_pipeline.providers.tiktok import TikTokPublisher

        s = self.settings
        if not s.tiktok_client_key or s.tiktok_client_secret is None:
            raise ProviderNotConfiguredError("set MEDIA_PIPELINE_TIKTOK_CLIENT_KEY and _CLIENT_SECRET")
        return TikTokPublisher(
            self._tokens(channel, PublishTarget.TIKTOK),
            base_url=s.tiktok_api_base_url,
            client_key=s.tiktok_client_key,
            client_secret=s.tiktok_client_secret.get_secret_value(),
            chunk_size=s.tiktok_chunk_size,
            poll_interval_s=s.publish_poll_interval_s,
            poll_timeout_s=s.publish_poll_timeout_s,
            clock=self.clock,
        )

    def _instagram(self, channel: str, video_key: str, task_id: str) -> TargetPublisher:
        from media_pipeline.providers.instagram import InstagramPublisher

        def video_url() -> str:
            expiry = self.settings.storage_presign_expiry_s
            url = self.storage.presigned_url(video_key, expiry)
            if url is not None:
                return url
            if self.settings.public_base_url is None:
                raise PermanentError(
                    "Instagram fetches the video from a URL: set MEDIA_PIPELINE_PUBLIC_BASE_URL (the API's "
                    "public origin) or put the task storage on object storage"
                )
            expires = int(self.clock().timestamp()) + expiry
            secret = self.settings.jwt_secret.get_secret_value()
            return signed_video_url(self.settings.public_base_url, secret, task_id, expires)

        s = self.settings
        return InstagramPublisher(
            self._tokens(channel, PublishTarget.INSTAGRAM),
            graph_url=s.instagram_graph_url,
            video_url=video_url,
            poll_interval_s=s.publish_poll_interval_s,
            poll_timeout_s=s.publish_poll_timeout_s,
            clock=self.clock,
        )


def publications_of(db: Engine | str, settings: Settings, owner: Owner, task_id: str) -> list[Publication]:
    """Every publication of the owner's task (NotFoundError for another owner's), newest generation first."""
    TaskService(db, owner, settings=settings).get(task_id)
    return Publications(db).for_task(task_id)
