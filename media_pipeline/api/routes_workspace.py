"""The caller's workspace (``/api/workspace``): its plan, the plan's limits and today's usage."""

from __future__ import annotations

from fastapi import APIRouter

from media_pipeline.api.deps import Context, ReadOwner
from media_pipeline.api.errors import responses
from media_pipeline.api.schemas import Plan
from media_pipeline.store import PlanView

router = APIRouter(prefix="/api/workspace", tags=["workspace"], responses=responses(401, 403))


@router.get("/plan", response_model=Plan, summary="The workspace's plan, its limits and today's usage")
def get_plan(context: Context, owner: ReadOwner) -> PlanView:
    return context.plans().get(owner.workspace_id)
