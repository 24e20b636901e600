"""One error shape for every failure: ``{"code", "message", "details"}`` (never a traceback).

Service errors (``StoreError``) carry a code that ``http_status`` maps to a status; API errors below add the
HTTP-only cases;
FastAPI/Starlette errors (validation, malformed JSON, unknown routes, body too large) are mapped here too.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from media_pipeline.errors import MediaPipelineError
from media_pipeline.store import (
    ConflictError,
    InsufficientCredits,
    LimitExceeded,
    NotFoundError,
    ScriptNotApproved,
    StoreError,
    StoreUnavailable,
    ValidationFailed,
)

_CODES_BY_STATUS = {
    400: "VALIDATION_ERROR",
    401: "UNAUTHORIZED",
    402: "INSUFFICIENT_CREDITS",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
}


_STATUS_BY_STORE_CODE = {
    NotFoundError.code: 404,
    ConflictError.code: 409,
    ScriptNotApproved.code: 409,
    ValidationFailed.code: 422,
    LimitExceeded.code: 422,
    InsufficientCredits.code: 402,
    StoreUnavailable.code: 503,
}


class ErrorBody(BaseModel):
    """The body of every error response."""

    code: str = Field(
        description="VALIDATION_ERROR, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, SCRIPT_NOT_APPROVED, "
        "LIMIT_EXCEEDED, INSUFFICIENT_CREDITS, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, "
        "METHOD_NOT_ALLOWED, RATE_LIMITED or INTERNAL",
        examples=["CONFLICT"],
    )
    message: str = Field(description="Human-readable explanation.")
    details: dict[str, Any] = Field(
        default_factory=dict,
        description="Machine-readable context; validation errors list "
        "``errors: [{field, location, message, type}]``.",
    )


class ApiError(MediaPipelineError):
    """An HTTP-level error raised by the API layer itself (auth, uploads)."""

    def __init__(
        self,
        http_status: int,
        message: str,
        details: dict[str, Any] | None = None,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.code = code or code_for_status(http_status)
        self.message = message
        self.details: dict[str, Any] = details or {}
        self.headers = headers or {}

    def to_dict(self) -> dict[str, Any]:
        """The error body."""
        return {"code": self.code, "message": self.message, "details": self.details}


class PayloadTooLarge(HTTPException):
    """Request body over the limit; an HTTPException so FastAPI's body parsing lets it through."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


def code_for_status(status: int) -> str:
    """The error code of an HTTP status without a more specific one."""
    if status >= 500:
        return "INTERNAL"
    return _CODES_BY_STATUS.get(status, "BAD_REQUEST")


def http_status(error: StoreError | ApiError) -> int:
    """The HTTP status answering ``error`` (a store error's by its code; 500 for an unknown code)."""
    if isinstance(error, ApiError):
        return error.http_status
    return _STATUS_BY_STORE_CODE.get(error.code, 500)


def error_response(
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A JSON response with the error shape."""
    body = ErrorBody(code=code, message=message, details=details or {})
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        location, *path = (str(part) for part in error.get("loc", ()))
        errors.append(
            {
                "field": ".".join(path) or location,
                "location": location,
                "message": error.get("msg", "invalid"),
                "type": error.get("type", "value_error"),
            }
        )
    return errors


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc)
    if any(error["type"] == "json_invalid" for error in errors):
        return error_response(400, "VALIDATION_ERROR", "malformed JSON body", {"errors": errors})
    return error_response(422, "VALIDATION_ERROR", "invalid request", {"errors": errors})


async def _known_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StoreError | ApiError)
    status = http_status(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if isinstance(exc, ApiError):
        headers.update(exc.headers)
    return JSONResponse(exc.to_dict(), status_code=status, headers=headers or None)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    return error_response(
        exc.status_code, code_for_status(exc.status_code), message, headers=dict(exc.headers or {}) or None
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers; unexpected exceptions are turned into INTERNAL by the request middleware."""
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StoreError, _known_error)
    app.add_exception_handler(ApiError, _known_error)
    app.add_exception_handler(HTTPException, _http_error)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting the error shape for ``statuses``."""
    return {status: {"model": ErrorBody, "description": code_for_status(status)} for status in statuses}
