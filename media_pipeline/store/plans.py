"""Plan limits per workspace (seed 000): drafts per queue, assets per add, productions started per UTC day.

A workspace's plan is its ``workspace_settings`` row (set by operators: ``media-pipeline plan``), else
``Settings.default_plan``; the limits of each plan are configured in ``Settings.plans``.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from media_pipeline.domain.stages import Stage
from media_pipeline.settings import PlanLimits, Settings
from media_pipeline.store.base import ConfiguredStore
from media_pipeline.store.errors import LimitExceeded, ValidationFailed
from media_pipeline.store.models import Task, TaskStageState, WorkspaceSetting
from media_pipeline.store.views import PlanView


def plan_of(session: Session, workspace_id: str, settings: Settings) -> tuple[str, PlanLimits]:
    """The workspace's plan name and limits."""
    plan = session.scalar(select(WorkspaceSetting.plan).where(WorkspaceSetting.workspace_id == workspace_id))
    return settings.plan_limits(plan)


def exceeded(plan: str, limit_name: str, limit: int, message: str, **numbers: int) -> LimitExceeded:
    """The error for a plan limit, with the plan, the limit and the numbers in ``details``."""
    return LimitExceeded(message, {"plan": plan, "limitName": limit_name, "limit": limit, **numbers})


def runs_today(session: Session, workspace_id: str, now: datetime) -> int:
    """Productions (generations) the workspace started since midnight UTC."""
    midnight = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
    return (
        session.scalar(
            select(func.count())
            .select_from(TaskStageState)
            .join(Task, Task.id == TaskStageState.task_id)
            .where(
                Task.workspace_id == workspace_id,
                TaskStageState.stage == Stage.SCRIPT,
                TaskStageState.created_at >= midnight,
            )
        )
        or 0
    )


def check_runs_per_day(
    session: Session, workspace_id: str, adding: int, now: datetime, settings: Settings
) -> None:
    """LimitExceeded if starting ``adding`` more productions today exceeds the plan."""
    plan, limits = plan_of(session, workspace_id, settings)
    current = runs_today(session, workspace_id, now)
    if adding and current + adding > limits.runs_per_day:
        raise exceeded(
            plan,
            "runsPerDay",
            limits.runs_per_day,
            f"the {plan} plan starts at most {limits.runs_per_day} productions per day",
            current=current,
            requested=adding,
        )


class WorkspacePlans(ConfiguredStore):
    """Reads and sets workspaces' plans (operators: CLI; users: read their own through the API)."""

    def get(self, workspace_id: str) -> PlanView:
        """The workspace's plan, its limits and today's usage."""
        with self._read() as session:
            plan, limits = plan_of(session, workspace_id, self._settings)
            return PlanView(
                plan=plan, limits=limits, runs_today=runs_today(session, workspace_id, self.now())
            )

    def set(self, workspace_id: str, plan: str) -> PlanView:
        """Put the workspace on ``plan`` (one of ``Settings.plans``)."""
        if plan not in self._settings.plans:
            message = f"unknown plan {plan!r}; one of {', '.join(sorted(self._settings.plans))}"
            raise ValidationFailed(
                message, {"errors": [{"field": "plan", "message": message, "type": "enum"}]}
            )
        now = self.now()
        with self._write() as session:
            row = session.get(WorkspaceSetting, workspace_id, with_for_update=True)
            if row is None:
                session.add(
                    WorkspaceSetting(workspace_id=workspace_id, plan=plan, created_at=now, updated_at=now)
                )
            else:
                row.plan, row.updated_at = plan, now
        return self.get(workspace_id)
