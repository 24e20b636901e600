"""FastAPI dependencies: the app context, the authenticated owner, and queue versions (If-Match/body)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from media_pipeline.api.auth import Principal, require_scope
from media_pipeline.api.context import ApiContext
from media_pipeline.api.schemas import MAX_INT
from media_pipeline.domain.models import TASK_ID_PATTERN
from media_pipeline.logcontext import add_log_fields
from media_pipeline.store import Owner, ValidationFailed

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    bearerFormat="JWT",
    description="HS256 JWT with `sub` (user id) and `workspace_id`; mint one with `media-pipeline token`.",
)
_ETAG = re.compile(r'^(?:W/)?"?(\d{1,10})"?$')
_TASK_ID = re.compile(TASK_ID_PATTERN)
_JOB_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


async def log_path_ids(connection: HTTPConnection) -> None:
    """Put the video and render job ids of the request path into the log context (an app-wide dependency;
    async, so the fields are set before the route's threads copy the context)."""
    params = connection.path_params
    video = params.get("videoId") or params.get("video_id")
    job = params.get("jobId") or params.get("job_id")
    add_log_fields(
        videoId=video if isinstance(video, str) and _TASK_ID.fullmatch(video) else None,
        jobId=job if isinstance(job, str) and _JOB_ID.fullmatch(job) else None,
    )


# Dependencies that neither block nor wait are ``async def``: FastAPI runs a plain ``def`` dependency in a
# worker thread, a hop to the thread pool and back per dependency and request.


async def get_context(request: Request) -> ApiContext:
    """The app's shared context."""
    return request.app.state.context


Context = Annotated[ApiContext, Depends(get_context)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]


def _principal(context: Context, credentials: Credentials) -> Principal:  # reads the app DB: in a thread
    return context.authenticate(credentials.credentials if credentials else None)


async def _reader(principal: Annotated[Principal, Depends(_principal)]) -> Owner:
    return require_scope(principal, "read")


async def _writer(principal: Annotated[Principal, Depends(_principal)]) -> Owner:
    return require_scope(principal, "write")


async def _admin(principal: Annotated[Principal, Depends(_principal)]) -> Owner:
    return require_scope(principal, "admin")


def _downloader(
    context: Context,
    credentials: Credentials,
    access_token: Annotated[
        str | None, Query(description="The bearer token, for clients that cannot send headers (<video src>).")
    ] = None,
) -> Owner:
    token = credentials.credentials if credentials else access_token
    return require_scope(context.authenticate(token), "read")


ReadOwner = Annotated[Owner, Depends(_reader)]
"""The caller, with a token granting ``read``."""
WriteOwner = Annotated[Owner, Depends(_writer)]
"""The caller, with a token granting ``write``."""
AdminOwner = Annotated[Owner, Depends(_admin)]
"""The caller, with a token granting ``admin`` (operator actions such as credit grants)."""
DownloadOwner = Annotated[Owner, Depends(_downloader)]
"""The caller by bearer header or ``access_token`` query parameter (file downloads)."""

VideoId = Annotated[
    str, Path(alias="videoId", pattern=TASK_ID_PATTERN, max_length=64, description="Task id of the video.")
]
IfMatch = Annotated[
    str | None, Header(description='Queue version the change is based on, e.g. "7" (or body field version).')
]


def _version_error(message: str) -> ValidationFailed:
    return ValidationFailed(
        message, {"errors": [{"field": "version", "message": message, "type": "version"}]}
    )


def optional_version(if_match: str | None, body_version: int | None) -> int | None:
    """The queue version from ``If-Match`` or the body field (they must agree), if either was sent."""
    header_version = None
    if if_match is not None:
        match = _ETAG.fullmatch(if_match.strip())
        if match is None or not 1 <= int(match.group(1)) <= MAX_INT:
            raise _version_error('If-Match must be a queue version such as "7"')
        header_version = int(match.group(1))
    if header_version is not None and body_version is not None and header_version != body_version:
        raise _version_error("If-Match and body version differ")
    return header_version if header_version is not None else body_version


def required_version(if_match: str | None, body_version: int | None) -> int:
    """Like ``optional_version`` but 422 VALIDATION_ERROR if neither was sent."""
    version = optional_version(if_match, body_version)
    if version is None:
        raise _version_error("send the queue version as If-Match header or body field version")
    return version


def set_etag(response: Response, version: int) -> None:
    """Expose the queue version as the ETag."""
    response.headers["ETag"] = f'"{version}"'
