"""Dagster resources, one per external system, all built in one place (``build_resources``) from settings:
task file storage (local folder or S3-compatible), the app DB, the script writer, the image source, the
narrator, the publisher and the metrics sources.

Each resource reads the same ``PipelineConfig`` (the ``MEDIA_PIPELINE_*`` settings with the storage root,
app DB URL and font given to this code location). The app DB is migrated when its resource is set up for
a process (once per process and URL), never in a getter.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
from pydantic import PrivateAttr

from media_pipeline.domain import Language, MediaMode, TaskSettings, TaskSpec
from media_pipeline.settings import Settings, get_settings

if TYPE_CHECKING:
    from media_pipeline.media.tts import Narrator
    from media_pipeline.providers.base import ImageSource, Publisher, ScriptWriter
    from media_pipeline.providers.metrics import MetricsSource
    from media_pipeline.storage import Storage
    from media_pipeline.store.heartbeats import HeartbeatStore
    from media_pipeline.store.housekeeping import Housekeeping
    from media_pipeline.store.image_jobs import ImageWork
    from media_pipeline.store.performance import PerformanceStore
    from media_pipeline.store.pipeline_state import PipelineState
    from media_pipeline.store.publish_connections import PublishConnections
    from media_pipeline.usecases_publish import Publishing


class PipelineConfig(dg.ConfigurableResource):
    """The settings the other resources build from: the environment plus this code location's paths."""

    storage_root: str
    app_db_url: str
    font_path: str | None = None
    storage_url: str | None = None

    @cached_property
    def settings(self) -> Settings:
        """Settings with this resource's paths applied over the environment."""
        return get_settings().model_copy(
            update={
                "storage_root": Path(self.storage_root),
                "storage_url": self.storage_url,
                "app_db_url": self.app_db_url,
                "font_path": Path(self.font_path) if self.font_path else get_settings().font_path,
            }
        )


class StorageResource(dg.ConfigurableResource):
    """Task files (rule-based keys) in a local folder or S3-compatible object storage
    (``MEDIA_PIPELINE_STORAGE_URL``), and the font the renders use."""

    config: PipelineConfig

    _storage: Storage | None = PrivateAttr(default=None)

    def storage(self) -> Storage:
        """The task storage, checked once per resource (a clear error naming the setting if unusable)."""
        if self._storage is None:
            from media_pipeline.storage import open_storage

            storage = open_storage(self.config.settings)
            storage.check()
            self._storage = storage
        return self._storage

    def scratch_dir(self) -> Path | None:
        """Parent of the per-run scratch folders (object storage); None: the system temp folder."""
        return self.config.settings.scratch_dir

    def read_spec(self, task_id: str) -> TaskSpec:
        """The task snapshot ``task.json`` written when its generation started."""
        from media_pipeline.orchestration.task_files import read_spec

        return read_spec(self.storage(), task_id)

    def font(self) -> Path:
        """A Hangul-capable font file."""
        from media_pipeline.media.fonts import find_font

        return find_font(self.config.settings.font_path)


class AppDbResource(dg.ConfigurableResource):
    """The app database: stage reports (``PipelineState``) and the periodic jobs (``Housekeeping``)."""

    config: PipelineConfig

    _state: PipelineState | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Migrate the app DB (once per process and URL): a fresh install's daemon works before
        ``db-upgrade``."""
        from media_pipeline.store.db import ensure_migrated

        ensure_migrated(self.config.app_db_url)

    def state(self) -> PipelineState:
        """App-DB view used to report stage status (created once per resource)."""
        if self._state is None:
            from media_pipeline.store import PipelineState

            self._state = PipelineState(self.config.app_db_url)
        return self._state

    def image_work(self) -> ImageWork:
        """The per-image records of paid generations (claim, complete, fail, stop after an image)."""
        from media_pipeline.store.image_jobs import ImageWork

        return ImageWork(self.config.app_db_url)

    def heartbeats(self) -> HeartbeatStore:
        """Run heartbeats: written by stage runs' workers, read by the rescue sensor and stop."""
        from media_pipeline.store.heartbeats import HeartbeatStore

        return HeartbeatStore(self.config.app_db_url)

    def housekeeping(self) -> Housekeeping:
        """The periodic app-DB jobs (draft expiry, due schedules)."""
        from media_pipeline.store.housekeeping import Housekeeping

        return Housekeeping(self.config.app_db_url, settings=self.config.settings)

    def performance(self) -> PerformanceStore:
        """Publications and their daily metrics (docs/ARCHITECTURE.md §13)."""
        from media_pipeline.store.performance import PerformanceStore

        return PerformanceStore(self.config.app_db_url, settings=self.config.settings)

    def publish_connections(self) -> PublishConnections:
        """The channel settings' TikTok / Instagram connections (docs/ARCHITECTURE.md §10)."""
        from media_pipeline.store.publish_connections import PublishConnections

        return PublishConnections(self.config.app_db_url)


class ScriptWriterResource(dg.ConfigurableResource):
    """Writes a task's script: the offline template writer, or an LLM endpoint when configured."""

    config: PipelineConfig

    def writer(self) -> ScriptWriter:
        """The configured script writer."""
        from media_pipeline.providers.script_writers import build_script_writer

        return build_script_writer(self.config.settings)


class ImageSourceResource(dg.ConfigurableResource):
    """Produces scene images: local renders, uploads, crawled pages or an AI images endpoint."""

    config: PipelineConfig

    def source(self, mode: MediaMode) -> ImageSource:
        """The image source for a task's mediaMode."""
        from media_pipeline.providers.image_sources import build_image_source

        return build_image_source(mode, self.config.settings)


class NarratorResource(dg.ConfigurableResource):
    """Speaks a script with the task's ``voice`` (espeak-ng, an OpenAI-compatible endpoint or Google Cloud
    TTS; provider defaults from ``MEDIA_PIPELINE_TTS_*``): one WAV fitted to the target duration and
    subtitle cues timed by the measured sentences."""

    config: PipelineConfig

    @property
    def speed(self) -> float:
        """The narration speed (``MEDIA_PIPELINE_TTS_SPEED``; 1.0 = normal)."""
        return self.config.settings.tts_speed

    def narrator(self, settings: TaskSettings, language: Language) -> Narrator:
        """The narrator of the task's ``voice`` (or the configured provider) speaking ``language``; the
        caller closes it."""
        from media_pipeline.providers.narrators import build_narrator

        config = self.config.settings
        return build_narrator(settings.voice_ref(config.tts_provider), language, config)


class PublisherResource(dg.ConfigurableResource):
    """Publishes a finished video: YouTube when authorized, otherwise the storage's published/ folder."""

    config: PipelineConfig

    def publisher(self, channel_setting_id: str | None = None) -> Publisher:
        """The configured publisher (for the channel setting, if given)."""
        from media_pipeline.providers.publishers import build_publisher
        from media_pipeline.storage import open_storage

        return build_publisher(self.config.settings, open_storage(self.config.settings), channel_setting_id)

    def publishing(self, storage: Storage) -> Publishing:
        """Every target of a channel setting with its publication records (docs/ARCHITECTURE.md §10)."""
        from media_pipeline.store.clock import utcnow
        from media_pipeline.usecases_publish import Publishing

        return Publishing(self.config.settings, storage, self.config.app_db_url, self.publisher, clock=utcnow)


class MetricsResource(dg.ConfigurableResource):
    """Reads how published videos did: one metrics source per publish target (YouTube Analytics, ...)."""

    config: PipelineConfig

    def source(self, target: str, channel_setting_id: str | None) -> MetricsSource:
        """The metrics source of ``target`` for the channel setting the video went to."""
        from media_pipeline.providers.metrics import build_metrics_source

        return build_metrics_source(target, self.config.settings, channel_setting_id)


def build_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    """Every resource of the code location, on the storage, app DB and font of ``settings`` (read by the
    caller, an entry point: ``definitions.py``, the Python API); ``PipelineConfig`` applies them over the
    environment's other settings, which a run worker reads in its own process."""
    config = PipelineConfig(
        storage_root=str(settings.resolved_storage_root),
        app_db_url=settings.resolved_app_db_url,
        font_path=str(settings.font_path) if settings.font_path else None,
        storage_url=settings.storage_url,
    )
    return {
        "storage": StorageResource(config=config),
        "app_db": AppDbResource(config=config),
        "script_writer": ScriptWriterResource(config=config),
        "image_source": ImageSourceResource(config=config),
        "narrator": NarratorResource(config=config),
        "publisher": PublisherResource(config=config),
        "metrics": MetricsResource(config=config),
    }
