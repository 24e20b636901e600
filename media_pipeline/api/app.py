"""The FastAPI application factory: routes, error shape, auth, request ids, metrics and progress hub."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import Depends, FastAPI
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from media_pipeline.api import (
    routes_admin,
    routes_auth,
    routes_automation,
    routes_brand,
    routes_channel_connect,
    routes_channels,
    routes_contents,
    routes_credits,
    routes_images,
    routes_library,
    routes_music,
    routes_ops,
    routes_performance,
    routes_playback,
    routes_publish_targets,
    routes_published_videos,
    routes_queue,
    routes_render,
    routes_review,
    routes_uploads,
    routes_video_files,
    routes_videos,
    routes_voices,
    routes_workspace,
    ws_progress,
    ws_progress_v1,
)
from media_pipeline.api.auth import check_secret
from media_pipeline.api.context import ApiContext, RunControlFactory
from media_pipeline.api.cors import install_cors
from media_pipeline.api.deps import log_path_ids
from media_pipeline.api.errors import install_error_handlers
from media_pipeline.api.metrics import ApiMetrics
from media_pipeline.api.middleware import RequestContextMiddleware
from media_pipeline.api.playback import Playback
from media_pipeline.api.progress import ProgressHub
from media_pipeline.api.render_contract import ConnectedMessage, ProgressEvent
from media_pipeline.api.schemas_progress import ProgressConnected, ProgressUpdate
from media_pipeline.api.uploads import request_limit
from media_pipeline.console.mount import mount_console
from media_pipeline.domain.models import TaskSettings
from media_pipeline.orchestration.dagster_link import DagsterLink
from media_pipeline.settings import Settings
from media_pipeline.storage import open_storage
from media_pipeline.store import Clock, ProgressReader, make_engine, upgrade_db

logger = logging.getLogger(__name__)

API_VERSION = "1.0.0"
JSON_BODY_LIMIT = 1024 * 1024
PROGRESS_POLL_S = 0.5
_UPLOAD_PATH = re.compile(
    r"^(/api/v1/videos/[^/]+/(uploads|review/scenes/\d+/image)|/api/library/[^/]+/files)$"
)

DESCRIPTION = """
HTTP API of media_pipeline: the draft queue, videos and their render jobs, automation views, uploads.

* **Auth**: `Authorization: Bearer <JWT>` (HS256, `sub` = user id, `workspace_id`; sign in with
  `POST /api/auth/login` or mint a dev token with `media-pipeline token`). Every resource belongs to its
  owner; other owners' ids answer 404.
* **Errors** always have the shape `{code, message, details}` (see `ErrorBody`).
* **Queue versions**: changes send the queue version as `If-Match` (the `ETag` of queue responses) or as
  body field `version`; a stale version answers 409 CONFLICT and changes nothing.
* **Credits**: a Run of a paid image source reserves `imageCount × price` credits of the workspace
  (402 INSUFFICIENT_CREDITS, nothing queued, when the balance is short); made images consume them, a stop or
  a final failure refunds the rest. See `/api/v1/credits` and the image jobs of a video.
* **Request ids**: send `X-Request-ID` (or one is generated); it is returned and logged.
* **Render jobs** (`/api/v2/videos/{video_id}/...`) follow seed 002: snake_case JSON, statuses
  `PENDING | RUNNING | SUCCEEDED | FAILED | CANCELED`; only approved scripts render (409
  `SCRIPT_NOT_APPROVED`).
* **Progress stream**: `WS /ws/videos/{video_id}/render-progress?job_id=&access_token=` sends a
  `ConnectedMessage`, then `ProgressEvent`s: one `snapshot`, then `status`/`progress` events. With
  `job_id` it follows that job and closes (1000) when it ends; without, it follows the latest
  PENDING/RUNNING job, or every event if there is none. Errors: `{"type": "error", code, message}` then
  close 4401/4403/4404.
* **CORS**: allowed browser origins are configured (`MEDIA_PIPELINE_CORS_ALLOWED_ORIGINS`); default none.
"""


def _extra_schemas(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document plus the WebSocket message and task settings schemas (not used by routes)."""
    if app.openapi_schema is None:
        document = FastAPI.openapi(app)
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for model in (ProgressEvent, ConnectedMessage, ProgressUpdate, ProgressConnected, TaskSettings):
            definition = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
            schemas.update(definition.pop("$defs", {}))
            schemas[model.__name__] = definition
        app.openapi_schema = document
    return app.openapi_schema


class SchemaNotReady(RuntimeError):
    """The app DB could not be migrated when the API started (the API refuses to start)."""


def migrate_on_start(engine: Engine) -> None:
    """Bring the app DB schema to this code's revision before serving (idempotent, safe concurrently).

    An unreachable DB is logged and left to ``/health`` (503) so the API comes up when the DB does; a DB
    that answers but cannot be migrated stops the start with a clear message."""
    where = engine.url.render_as_string(hide_password=True)
    try:
        upgrade_db(engine)
    except OperationalError as exc:
        logger.error("app DB %s unreachable at start, not migrated (see /health): %s", where, exc.orig)
    except Exception as exc:
        raise SchemaNotReady(
            f"the app DB at {where} could not be migrated ({type(exc).__name__}: {exc}); "
            "fix it and run `media-pipeline db-upgrade`"
        ) from exc


def create_app(
    settings: Settings,
    *,
    engine_url: str | None = None,
    run_control_factory: RunControlFactory | None = None,
    progress_poll_s: float = PROGRESS_POLL_S,
    clock: Clock | None = None,
) -> FastAPI:
    """A new app on ``engine_url`` (default: the settings' app DB, migrated when the app starts).

    ``run_control_factory`` builds what terminates Dagster runs on stop/cancel (default: the instance of
    ``DAGSTER_HOME`` if set); ``progress_poll_s`` is the progress poller's interval.
    """
    check_secret(settings)  # outside development mode, no start with a missing or short JWT secret
    storage = open_storage(settings)
    storage.check()  # fail at start-up, naming the setting, if the task storage cannot be used
    app_db_url = engine_url or settings.resolved_app_db_url
    engine = make_engine(app_db_url)
    dagster = DagsterLink(app_db_url)
    metrics = ApiMetrics(engine)
    context = ApiContext(
        settings=settings,
        engine=engine,
        hub=ProgressHub(ProgressReader(engine, clock=clock).read, progress_poll_s),
        metrics=metrics,
        dagster=dagster,
        run_control_factory=run_control_factory or dagster.run_control,
        storage=storage,
        playback=Playback(storage, settings.jwt_secret.get_secret_value(), settings.storage_presign_expiry_s),
        clock=clock,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(migrate_on_start, engine)
        if dagster.configured():  # load Dagster before the first stop or health check needs it
            threading.Thread(target=context.run_control, name="dagster-warmup", daemon=True).start()
        yield
        await context.hub.close()
        metrics.close()
        dagster.close()
        engine.dispose()

    app = FastAPI(
        title="media_pipeline API",
        version=API_VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        debug=False,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(log_path_ids)],
    )
    app.state.context = context
    install_error_handlers(app)
    upload_limit = request_limit(settings)
    app.add_middleware(
        RequestContextMiddleware,
        metrics=metrics,
        body_limit=lambda path: upload_limit if _UPLOAD_PATH.match(path) else JSON_BODY_LIMIT,
    )
    install_cors(app, settings)
    for module in (
        routes_queue,
        routes_videos,
        routes_video_files,
        routes_render,
        routes_playback,
        routes_images,
        routes_credits,
        routes_auth,
        routes_admin,
        routes_uploads,
        routes_channel_connect,
        routes_publish_targets,
        routes_published_videos,
        routes_review,
        routes_channels,
        routes_brand,
        routes_contents,
        routes_performance,
        routes_library,
        routes_music,
        routes_voices,
        routes_automation,
        routes_workspace,
        routes_ops,
        ws_progress,
        ws_progress_v1,
    ):
        app.include_router(module.router)
    mount_console(app, storage)
    app.openapi = lambda: _extra_schemas(app)  # type: ignore[method-assign]
    return app
