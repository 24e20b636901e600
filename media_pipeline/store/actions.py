"""Which commands a task's status allows (docs/ARCHITECTURE.md §3, task actions): one rule, derived from
the legal moves (``moves.TASK_MOVES``), used by the services to refuse a command and sent on every task
view (``actions``) so the console shows exactly the buttons the server accepts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from media_pipeline.domain.statuses import TaskStatus
from media_pipeline.store.moves import TASK_MOVES


class TaskActions(BaseModel):
    """The commands a task in its status accepts (True) or refuses (False)."""

    model_config = ConfigDict(frozen=True)

    run: bool
    """Queue it (a draft, through the queue's Run)."""
    edit: bool
    """Change its options (a draft)."""
    delete: bool
    """Delete it from the queue (a draft)."""
    stop: bool
    """Cancel the work in flight or waiting (scheduled, queued, running, in review)."""
    retry: bool
    """Resume from its failed stage (failed)."""
    rerun: bool
    """Produce it again as a new generation (finished: succeeded, failed, canceled)."""
    review: bool
    """Decide the review it waits for."""


def task_actions(status: TaskStatus) -> TaskActions:
    """The commands ``status`` allows: a draft is run, edited or deleted (stopping it is deleting it); a
    status that may move to ``canceled`` can be stopped; one that is only ever queued again is finished and
    can be re-run, and retried when it failed."""
    moves = TASK_MOVES[status]
    draft = status is TaskStatus.DRAFT
    finished = moves == {TaskStatus.QUEUED}
    return TaskActions(
        run=draft,
        edit=draft,
        delete=draft,
        stop=not draft and TaskStatus.CANCELED in moves,
        retry=finished and status is TaskStatus.FAILED,
        rerun=finished,
        review=status is TaskStatus.REVIEW,
    )
