"""The outermost app middleware (pure ASGI, HTTP and WebSocket): request id, body size limit, access log,
latency metric, and the last-resort INTERNAL error (logged with its traceback, never sent to the client)."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from media_pipeline.api.errors import PayloadTooLarge, error_response
from media_pipeline.api.metrics import ApiMetrics
from media_pipeline.logcontext import log_context

logger = logging.getLogger("media_pipeline.api.access")
error_logger = logging.getLogger("media_pipeline.api.errors")

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

BodyLimit = Callable[[str], int]
"""Maximum request body size in bytes for a request path."""


def _request_id(scope: Scope) -> str:
    incoming = Headers(scope=scope).get(REQUEST_ID_HEADER)
    if incoming and _VALID_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def _limited(receive: Receive, limit: int) -> Receive:
    received = 0

    async def receive_with_limit() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise PayloadTooLarge(limit)
        return message

    return receive_with_limit


def _declared_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    return int(value) if value is not None and value.isdigit() else None


class RequestContextMiddleware:
    """Wraps every request; see the module docstring."""

    def __init__(self, app: ASGIApp, *, metrics: ApiMetrics, body_limit: BodyLimit) -> None:
        self.app = app
        self.metrics = metrics
        self.body_limit = body_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        started_at = time.perf_counter()
        status = 500
        response_started = False
        header = (REQUEST_ID_HEADER.encode(), request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] in ("http.response.start", "websocket.accept"):
                message["headers"] = [*message.get("headers", []), header]
                if message["type"] == "http.response.start":
                    status, response_started = message["status"], True
            await send(message)

        with log_context(requestId=request_id):
            try:
                if scope["type"] == "http":
                    limit = self.body_limit(scope["path"])
                    declared = _declared_length(scope)
                    if declared is not None and declared > limit:
                        exc = PayloadTooLarge(limit)
                        await error_response(413, "PAYLOAD_TOO_LARGE", exc.detail)(
                            scope, receive, send_with_id
                        )
                        return
                    receive = _limited(receive, limit)
                await self.app(scope, receive, send_with_id)
            except Exception:
                error_logger.exception("unhandled error in %s %s", scope.get("method", "WS"), scope["path"])
                if scope["type"] != "http" or response_started:
                    raise
                await error_response(
                    500, "INTERNAL", "internal error; see the server log", {"requestId": request_id}
                )(scope, receive, send_with_id)
            finally:
                if scope["type"] == "http":
                    self._record(scope, status, time.perf_counter() - started_at)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        method = scope.get("method", "")
        self.metrics.observe_request(method, template, status, seconds)
        logger.info(
            "request",
            extra={
                "method": method,
                "path": scope["path"],
                "route": template,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
            },
        )
