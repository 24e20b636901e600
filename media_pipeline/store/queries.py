"""Query builders shared by the sensors' hot path (``launchable``), the UI tabs and owner scoping."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Integer,
    Result,
    Select,
    SQLColumnExpression,
    and_,
    bindparam,
    case,
    distinct,
    exists,
    func,
    inspect,
    select,
)
from sqlalchemy.orm import Session, aliased

from media_pipeline.domain.stages import STAGES
from media_pipeline.domain.statuses import ACTIVE_STATUSES, StageStatus
from media_pipeline.store.models import ACTIVE_ONLY, Task, TaskStageState
from media_pipeline.store.owner import Owner


def owned_by(owner: Owner) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """WHERE conditions limiting ``Task`` rows to ``owner`` (docs/ARCHITECTURE.md §3, invariant 8)."""
    return Task.user_id == owner.user_id, Task.workspace_id == owner.workspace_id


OWNED_BY_PARAMS = (
    Task.user_id == bindparam("owner_user_id"),
    Task.workspace_id == bindparam("owner_workspace_id"),
)
"""``owned_by`` with bound parameters, for statements built once; their values are ``owner_params``."""


def owner_params(owner: Owner) -> dict[str, str]:
    """The values of ``OWNED_BY_PARAMS`` for ``owner``."""
    return {"owner_user_id": owner.user_id, "owner_workspace_id": owner.workspace_id}


IN_CHUNK = 5000
"""Ids per ``IN (...)`` list of the set-based statements (well below SQLite's bound-parameter limit)."""


def in_chunks(items: Sequence[str], size: int = IN_CHUNK) -> list[Sequence[str]]:
    """``items`` in slices of at most ``size`` (one ``IN (...)`` list each)."""
    return [items[start : start + size] for start in range(0, len(items), size)]


def affected_rows(result: Result[Any]) -> int:
    """Rows matched by an executed UPDATE or DELETE (``Session.execute`` types DML results as ``Result``;
    they are ``CursorResult``s)."""
    return cast(CursorResult[Any], result).rowcount


def stage_ordinal(stage_column: SQLColumnExpression[str]) -> ColumnElement[int]:
    """The stage's index in ``STAGES`` as a SQL expression."""
    return case({stage: index for index, stage in enumerate(STAGES)}, value=stage_column)


def current_stage_select(*columns: Any, window: type[Task] | None = None) -> Select[*tuple[Any, ...]]:
    """``columns`` of active tasks joined with the state of their current stage: the first stage
    (in ``STAGES`` order) of the task's current generation that is not completed. With ``window``
    (``queue_window``), of the tasks in it, and ``columns`` refer to ``window`` instead of ``Task``.

    One statement: a stage row is the current one if it is not completed and no earlier stage row of the
    same generation is open (a correlated NOT EXISTS over the task's <= 5 stage rows, found through the
    unique (task_id, generation, stage) index; it stops at the first open row).
    """
    task = Task if window is None else window
    other = aliased(TaskStageState)
    earlier_open = select(other.id).where(
        other.task_id == TaskStageState.task_id,
        other.generation == TaskStageState.generation,
        other.status != StageStatus.COMPLETED,
        stage_ordinal(other.stage) < stage_ordinal(TaskStageState.stage),
    )
    stmt = (
        select(*columns)
        .select_from(task)
        .join(
            TaskStageState,
            and_(
                TaskStageState.task_id == task.id,
                TaskStageState.generation == task.generation,
                TaskStageState.status != StageStatus.COMPLETED,
            ),
        )
        .where(~exists(earlier_open))
    )
    return stmt if window is not None else stmt.where(Task.status.in_(ACTIVE_STATUSES))


QUEUE_ORDER = (Task.queued_at, Task.queue_position, Task.id)
"""Launch order: first queued first, then queue position."""

WINDOW_COLUMNS = (*QUEUE_ORDER, Task.generation, Task.requires_approval, Task.script_approved_at)
"""The task columns a ``queue_window`` carries (what the current stage and ``launchable`` need)."""


def queue_window(
    size: ColumnElement[int], *conditions: ColumnElement[bool], per_workspace: bool = False
) -> type[Task]:
    """The first ``size`` active tasks (matching ``conditions``) in ``QUEUE_ORDER``, as an alias of
    ``Task`` with the ``WINDOW_COLUMNS``: an ordered scan of a partial index of the active tasks
    (``ix_tasks_active_queue_order``, or per owner ``ix_tasks_owner_active_queue_order``) that reads
    ``size`` entries whatever the queue length. The window drives the joins, so the plan stays the same
    when the planner has no statistics yet (e.g. just after a large run).

    With ``per_workspace``, the first ``size`` active tasks of *each* workspace (a row number per
    workspace over ``ix_tasks_workspace_active_queue_order``, which reads every active task's index entry
    once but only the table rows that make it into the window); the window also carries ``workspace_id``
    and that ``workspace_rank``."""
    if not per_workspace:
        window = (
            select(*WINDOW_COLUMNS)
            .where(ACTIVE_ONLY, *conditions)
            .order_by(*QUEUE_ORDER)
            .limit(size)
            .subquery("queue_window")
        )
        return aliased(Task, window)
    rank = (
        func.row_number().over(partition_by=Task.workspace_id, order_by=QUEUE_ORDER).label("workspace_rank")
    )
    ranked = select(Task.id, rank).where(ACTIVE_ONLY, *conditions).subquery()  # index-only
    window = (
        select(*WINDOW_COLUMNS, Task.workspace_id, ranked.c.workspace_rank)
        .join(ranked, ranked.c.id == Task.id)
        .where(ranked.c.workspace_rank <= size)
        .subquery("queue_window")
    )
    return aliased(Task, window)


_WINDOW_SIZE = bindparam("queue_window_size", type_=Integer)
"""The size of a ``FirstInQueue`` window (tasks, or tasks per workspace)."""
_ROW_LIMIT = bindparam("queue_row_limit", type_=Integer)
"""How many rows a ``FirstInQueue`` returns."""


class FirstInQueue:
    """The first rows in ``QUEUE_ORDER`` of ``build(window)`` (at most one row per task, e.g. a
    ``current_stage_select`` with filters): the same rows as ``build`` over all active tasks (matching
    ``conditions``), computed for the earliest ``queue_window`` of tasks first.
    ``FirstInQueue(build, *conditions, per_workspace=False)``; ``rows(session, limit, **params)``.

    The statements are built once, with the window size and the limit as bound parameters, and any
    values that vary per call as named ``bindparam`` objects in ``build`` and ``conditions``, whose
    values ``rows`` takes as ``params``; so each call reuses SQLAlchemy's compiled statement (building
    the statement over the aliased window cost as much CPU as running it, or more). Create one per query,
    at module level.

    A window that yields fewer than ``limit`` rows while more active tasks follow it is widened fourfold
    and the statement repeated, so the work grows with the tasks read until ``limit`` rows are found, not
    with the queue length.

    With ``per_workspace`` (fair dispatch, docs/ARCHITECTURE.md §4) the rows go round-robin across
    workspaces: ordered by their task's ``turn``, its place among its workspace's active tasks in
    ``QUEUE_ORDER`` (running ones included, so a workspace with work in flight waits its turn), then
    ``QUEUE_ORDER``; each row ends with its ``turn``. A window of each workspace's first ``size`` tasks
    gives exactly the rows of the full statement: a task beyond it has a later turn than any in it. Its
    first window holds each workspace's first ``limit / workspaces`` tasks (rounded up), so that with many
    workspaces the stages of ``limit × workspaces`` tasks are not computed for ``limit`` rows."""

    def __init__(
        self,
        build: Callable[[type[Task]], Select[*tuple[Any, ...]]],
        *conditions: ColumnElement[bool],
        per_workspace: bool = False,
    ) -> None:
        self.per_workspace = per_workspace
        window = queue_window(_WINDOW_SIZE, *conditions, per_workspace=per_workspace)
        order = (window.queued_at, window.queue_position, window.id)
        stmt = build(window)
        if per_workspace:
            turn = inspect(window).selectable.c.workspace_rank.label("turn")
            stmt = stmt.add_columns(turn).order_by(turn, *order)
        else:
            stmt = stmt.order_by(*order)
        self._rows = stmt.limit(_ROW_LIMIT)
        self._in_window = select(func.count()).select_from(window)
        self._active = select(func.count()).where(ACTIVE_ONLY, *conditions).select_from(Task)
        self._workspaces = (
            select(func.count(distinct(Task.workspace_id))).where(ACTIVE_ONLY, *conditions).select_from(Task)
        )

    def rows(self, session: Session, limit: int, **params: Any) -> list[tuple[Any, ...]]:
        """The first ``limit`` rows; ``params`` are the values of the named ``bindparam`` objects of the
        build and conditions."""
        size = self._first_window(session, limit, params) if self.per_workspace else limit
        while True:
            bound = {**params, _WINDOW_SIZE.key: size, _ROW_LIMIT.key: limit}
            rows: Sequence[tuple[Any, ...]] = session.execute(self._rows, bound).all()
            if len(rows) >= limit or not self._more_follow(session, bound):
                return list(rows)
            size *= WIDEN

    def _first_window(self, session: Session, limit: int, params: dict[str, Any]) -> int:
        """Tasks per workspace that give ``limit`` turns' worth of tasks if every workspace had enough."""
        workspaces = session.scalar(self._workspaces, params) or 1
        return max(1, -(-limit // workspaces))

    def _more_follow(self, session: Session, bound: dict[str, Any]) -> bool:
        """Whether active tasks (matching the conditions) lie beyond the window of ``bound``'s size."""
        read = session.scalar(self._in_window, bound) or 0
        if not self.per_workspace:
            return read >= int(bound[_WINDOW_SIZE.key])
        return read < (session.scalar(self._active, bound) or 0)


WIDEN = 4
"""How much a window that did not yield enough rows grows (total work stays under 4/3 of the last one)."""
