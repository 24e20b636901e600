"""Everything one app instance shares between requests: settings, engine, services, hub, metrics."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine

from media_pipeline.api.auth import REFUSALS, Principal, authenticate, unauthorized
from media_pipeline.api.library import scratch_folder
from media_pipeline.api.metrics import ApiMetrics
from media_pipeline.api.playback import Playback
from media_pipeline.api.progress import ProgressHub
from media_pipeline.logcontext import add_log_fields
from media_pipeline.orchestration.dagster_link import DagsterLink
from media_pipeline.settings import Settings
from media_pipeline.storage import Storage
from media_pipeline.store import (
    AssetUrl,
    ChannelService,
    Clock,
    ClonedVoices,
    LibraryService,
    MusicLibrary,
    Owner,
    PerformanceService,
    QueueService,
    RenderJobReader,
    RevokedTokens,
    RunControl,
    ScheduleService,
    SignInLimits,
    TaskService,
    UserContentService,
    WorkspacePlans,
    render_job_id,
)
from media_pipeline.usecases import UseCases
from media_pipeline.usecases_brand import BrandKits
from media_pipeline.usecases_library import LibraryCommands
from media_pipeline.usecases_music import MusicCommands
from media_pipeline.usecases_voices import VoiceCloning

QUEUE_ID_CACHE_SIZE = 10_000

RunControlFactory = Callable[[], RunControl | None]
"""Builds the run control used by stop/cancel (on first use, until it returns one)."""


def asset_url(task_id: str, generation: int, content_id: int) -> str:
    """API path downloading a content's file."""
    return f"/api/v2/videos/{task_id}/render-jobs/{render_job_id(task_id, generation)}/assets/{content_id}"


def file_url(task_id: str, generation: int, content_id: int) -> str:
    """API path (v1) downloading a content's file: ``GET /api/v1/videos/{videoId}/files/{fileId}``."""
    return f"/api/v1/videos/{task_id}/files/{content_id}"


def image_url(task_id: str, generation: int, index: int) -> str:
    """API path downloading a made image of a paid render job."""
    return f"/api/v1/videos/{task_id}/image-jobs/{render_job_id(task_id, generation)}/images/{index}"


@dataclass
class ApiContext:
    """Per-app state, stored on ``app.state.context``; services are created per request (cheap)."""

    settings: Settings
    engine: Engine
    hub: ProgressHub
    metrics: ApiMetrics
    dagster: DagsterLink
    run_control_factory: RunControlFactory
    storage: Storage
    playback: Playback
    clock: Clock | None = None
    started: float = field(default_factory=time.monotonic)
    """``time.monotonic()`` when the app was built (``/health`` uptime)."""
    _run_control: RunControl | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _queue_ids: dict[Owner, str] = field(default_factory=dict, init=False)

    @cached_property
    def revoked_tokens(self) -> RevokedTokens:
        """The signed-out tokens."""
        return RevokedTokens(self.engine, clock=self.clock)

    @cached_property
    def sign_in_limits(self) -> SignInLimits:
        """Failed sign-ins per username and per address (in the app DB: every API process)."""
        return SignInLimits(
            self.engine,
            max_failures=self.settings.login_max_failures,
            window_s=self.settings.login_window_s,
            clock=self.clock,
        )

    def authenticate(self, token: str | None) -> Principal:
        """The caller of a bearer token, refused (401) if signed out or its user is disabled
        (docs/ARCHITECTURE.md §10, §11); its user id goes into the logs."""
        principal = authenticate(token, self.settings)
        refusal = self.revoked_tokens.refusal(principal.token_id, principal.owner.user_id)
        if refusal is not None:
            raise unauthorized(REFUSALS[refusal])
        add_log_fields(userId=principal.owner.user_id)
        return principal

    def queues(self, owner: Owner) -> QueueService:
        """The owner's queue service."""
        return QueueService(self.engine, owner, clock=self.clock, settings=self.settings)

    def tasks(self, owner: Owner) -> TaskService:
        """The owner's task service."""
        return TaskService(self.engine, owner, clock=self.clock, settings=self.settings)

    def schedules(self, owner: Owner) -> ScheduleService:
        """The owner's schedule service."""
        return ScheduleService(self.engine, owner, clock=self.clock)

    def channels(self, owner: Owner) -> ChannelService:
        """The owner's workspace channel settings."""
        return ChannelService(
            self.engine, owner, clock=self.clock, token_file=self.settings.channel_token_file
        )

    def brand_kits(self, owner: Owner) -> BrandKits:
        """The brand kits of the owner's workspace channels."""
        return BrandKits(self.channels(owner), self.storage, self.settings)

    def performance(self, owner: Owner) -> PerformanceService:
        """How the owner's published videos did (docs/ARCHITECTURE.md §13)."""
        return PerformanceService(self.engine, owner, clock=self.clock)

    def user_contents(self, owner: Owner) -> UserContentService:
        """The owner's contents ("my contents")."""
        return UserContentService(
            self.engine,
            owner,
            clock=self.clock,
            settings=self.settings,
            asset_url=asset_url,
            storage=self.storage,
        )

    def music(self, owner: Owner) -> MusicCommands:
        """The workspace's music library with the tracks' audio."""
        service = MusicLibrary(self.engine, owner, clock=self.clock)
        scratch = scratch_folder(self.settings)
        return MusicCommands(service, self.storage, max_bytes=self.settings.music_max_bytes, scratch=scratch)

    def voices(self, owner: Owner) -> VoiceCloning:
        """The workspace's cloned voices and the voice provider."""
        service = ClonedVoices(self.engine, owner, clock=self.clock)
        return VoiceCloning(service, self.settings, scratch=scratch_folder(self.settings))

    def library(self, owner: Owner) -> LibraryCommands:
        """The owner's library items with their files and the draft queue."""
        service = LibraryService(self.engine, owner, clock=self.clock)
        return LibraryCommands(service, self.queues(owner), self.storage)

    def plans(self) -> WorkspacePlans:
        """Workspace plans and their usage."""
        return WorkspacePlans(self.engine, clock=self.clock, settings=self.settings)

    def default_queue_id(self, owner: Owner) -> str:
        """Id of the owner's default queue (created if missing; cached, as it never changes)."""
        queue_id = self._queue_ids.get(owner)
        if queue_id is None:
            queue_id = self.queues(owner).get_or_create_default_queue().id
            if len(self._queue_ids) >= QUEUE_ID_CACHE_SIZE:
                self._queue_ids.clear()
            self._queue_ids[owner] = queue_id
        return queue_id

    def render_jobs(self, owner: Owner, *, urls: AssetUrl = asset_url) -> RenderJobReader:
        """The owner's render jobs (reads); their files have the v2 download URLs, or ``urls`` (v1:
        ``file_url``)."""
        return RenderJobReader(
            self.engine,
            owner,
            settings=self.settings,
            clock=self.clock,
            asset_url=urls,
            storage=self.storage,
        )

    def usecases(self, owner: Owner) -> UseCases:
        """The owner's commands (and render-job reads), with this API's asset URLs."""
        return UseCases(
            self.engine,
            owner,
            settings=self.settings,
            clock=self.clock,
            run_control=self.run_control,
            asset_url=asset_url,
            storage=self.storage,
            image_url=image_url,
        )

    def run_control(self) -> RunControl | None:
        """The run control, built on first use; None (asked again next time) if runs cannot be reached."""
        with self._lock:
            if self._run_control is None:
                self._run_control = self.run_control_factory()
            return self._run_control
