"""Credits (``/api/v1/credits``): balance, ledger and estimates of the caller's workspace; grants to the
admin's own workspace by a token with the ``admin`` scope (``/api/v1/admin/credits/grants``, audited); any
workspace with ``media-pipeline credits grant``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from media_pipeline.api.deps import AdminOwner, Context, ReadOwner
from media_pipeline.api.errors import ApiError, responses
from media_pipeline.api.schemas import Page
from media_pipeline.api.schemas_credits import (
    CreditBalance,
    CreditUsage,
    Estimate,
    EstimateRequest,
    GrantRequest,
    GrantResult,
    LedgerEntry,
)
from media_pipeline.domain.image_plan import ImageMode
from media_pipeline.domain.models import TASK_ID_PATTERN
from media_pipeline.store import (
    CreditBalanceView,
    CreditUsageView,
    EstimateView,
    NotFoundError,
    WorkspaceAccounts,
    estimate,
)

router = APIRouter(tags=["credits"], responses=responses(400, 401, 403, 422))


@router.get("/api/v1/credits", response_model=CreditBalance, summary="The workspace's credit balance")
def get_balance(context: Context, owner: ReadOwner) -> CreditBalanceView:
    return context.usecases(owner).credits.balance()


@router.get("/api/v1/credits/ledger", summary="The workspace's credit ledger, newest first")
def get_ledger(
    context: Context,
    owner: ReadOwner,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    video_id: Annotated[str | None, Query(alias="videoId", pattern=TASK_ID_PATTERN, max_length=64)] = None,
) -> Page[LedgerEntry]:
    entries, total = context.usecases(owner).credits.ledger(limit, offset, video_id)
    return Page[LedgerEntry](items=entries, total=total, limit=limit, offset=offset)


@router.get(
    "/api/v1/credits/usage",
    response_model=CreditUsage,
    summary="Credits one video consumed and still reserves (all its generations)",
)
def get_usage(
    context: Context,
    owner: ReadOwner,
    video_id: Annotated[str, Query(alias="videoId", pattern=TASK_ID_PATTERN, max_length=64)],
) -> CreditUsageView:
    return context.usecases(owner).credits.usage(video_id)


@router.post(
    "/api/v1/credits/estimate",
    response_model=Estimate,
    summary='Images and credits of a generation: "N styles × M roles = K images · K credits"',
)
def post_estimate(body: EstimateRequest, context: Context, owner: ReadOwner) -> EstimateView:
    if body.mode is ImageMode.BATCH and body.total_images is None:
        raise ApiError(
            422,
            "BATCH mode needs totalImages",
            {"errors": [{"field": "totalImages", "message": "required in BATCH mode", "type": "missing"}]},
        )
    return estimate(
        body.mode,
        body.media_mode,
        [style.value for style in body.styles],
        body.effective_roles,
        body.total_images,
        context.usecases(owner).pricing,
    )


@router.post(
    "/api/v1/admin/credits/grants",
    status_code=201,
    summary="Grant credits to the admin's workspace (token with the 'admin' scope; audited)",
)
def grant_credits(body: GrantRequest, context: Context, admin: AdminOwner) -> GrantResult:
    if body.workspace_id != admin.workspace_id:  # other workspaces: `media-pipeline credits grant`
        raise NotFoundError(f"workspace {body.workspace_id!r} not found", {"workspaceId": body.workspace_id})
    accounts = WorkspaceAccounts(context.engine, admin, clock=context.clock)
    balance = accounts.grant_credits(body.amount, body.note)
    return GrantResult(workspace_id=body.workspace_id, granted=body.amount, balance=balance)
