"""The one Dagster resource: storage, app DB and providers, built from ``MEDIA_PIPELINE_*`` settings."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
from pydantic import PrivateAttr

from media_pipeline.domain import MediaMode, TaskPaths, TaskSpec
from media_pipeline.settings import Settings, get_settings

if TYPE_CHECKING:
    from media_pipeline.providers.base import ImageSource, Publisher, ScriptWriter
    from media_pipeline.store.housekeeping import Housekeeping
    from media_pipeline.store.pipeline_state import PipelineState


class PipelineResource(dg.ConfigurableResource):
    """Storage root, app DB URL and provider factories for the assets."""

    storage_root: str
    app_db_url: str
    font_path: str | None = None

    _state: PipelineState | None = PrivateAttr(default=None)

    @cached_property
    def settings(self) -> Settings:
        """Settings with this resource's paths applied over the environment."""
        return get_settings().model_copy(
            update={
                "storage_root": Path(self.storage_root),
                "app_db_url": self.app_db_url,
                "font_path": Path(self.font_path) if self.font_path else get_settings().font_path,
            }
        )

    def paths(self, task_id: str) -> TaskPaths:
        """Rule-based file locations of a task."""
        return TaskPaths(Path(self.storage_root), task_id)

    def read_spec(self, task_id: str) -> TaskSpec:
        """The task snapshot ``task.json`` written when its generation started."""
        return TaskSpec.model_validate_json(self.paths(task_id).task_json.read_bytes())

    def state(self) -> PipelineState:
        """App-DB view used to report stage status (created once per resource, after migrating the DB)."""
        if self._state is None:
            from media_pipeline.store import PipelineState, upgrade_db

            upgrade_db(self.app_db_url)  # idempotent; a fresh install's daemon works before `db-upgrade`
            self._state = PipelineState(self.app_db_url)
        return self._state

    def housekeeping(self) -> Housekeeping:
        """The periodic app-DB jobs (draft expiry, due schedules)."""
        from media_pipeline.store.housekeeping import Housekeeping

        self.state()  # migrates the DB on first use, like the stage reports
        return Housekeeping(self.app_db_url)

    def font(self) -> Path:
        """A Hangul-capable font file."""
        from media_pipeline.media.fonts import find_font

        return find_font(Path(self.font_path) if self.font_path else self.settings.font_path)

    def script_writer(self) -> ScriptWriter:
        """The configured script writer (template by default)."""
        from media_pipeline.providers.script_writers import build_script_writer

        return build_script_writer(self.settings)

    def image_source(self, mode: MediaMode) -> ImageSource:
        """The image source for a task's mediaMode."""
        from media_pipeline.providers.image_sources import build_image_source

        return build_image_source(mode, self.settings)

    def publisher(self) -> Publisher:
        """The configured publisher (local folder unless YouTube credentials are set)."""
        from media_pipeline.providers.publishers import build_publisher

        return build_publisher(self.settings)


def build_pipeline_resource(settings: Settings | None = None) -> PipelineResource:
    """The resource for the current environment (embedded defaults unless env vars say otherwise)."""
    settings = settings or get_settings()
    return PipelineResource(
        storage_root=str(settings.resolved_storage_root),
        app_db_url=settings.resolved_app_db_url,
        font_path=str(settings.font_path) if settings.font_path else None,
    )
