"""Operations endpoints without authentication: ``/health`` and ``/metrics`` (bind to a private address)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from media_pipeline.api.deps import Context
from media_pipeline.api.health import check_health
from media_pipeline.api.schemas import Health

router = APIRouter(tags=["operations"])


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "The app DB is unreachable."}},
    summary="Role, version, uptime; app DB, Dagster instance and task storage reachability",
)
async def health(context: Context) -> JSONResponse:
    report = await check_health(context.engine, context.dagster, context.storage, context.started)
    return JSONResponse(
        report.model_dump(mode="json", by_alias=True, exclude_none=True),
        status_code=503 if report.status == "error" else 200,
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"}},
    summary="Prometheus metrics: tasks by status, queue lengths and oldest queued age, stage durations, "
    "retries, rescues, stalls, HTTP latencies",
)
async def metrics(context: Context) -> Response:
    body = await run_in_threadpool(context.metrics.render)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
