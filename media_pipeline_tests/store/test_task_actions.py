"""``task_actions``: the commands each task status allows, derived from the legal moves."""

from __future__ import annotations

import pytest

from media_pipeline.domain.statuses import TaskStatus
from media_pipeline.store.views import task_actions

EXPECTED = {
    TaskStatus.DRAFT: {"run", "edit", "delete"},
    TaskStatus.SCHEDULED: {"stop"},
    TaskStatus.QUEUED: {"stop"},
    TaskStatus.RUNNING: {"stop"},
    TaskStatus.REVIEW: {"stop", "review"},
    TaskStatus.SUCCEEDED: {"rerun"},
    TaskStatus.FAILED: {"retry", "rerun"},
    TaskStatus.CANCELED: {"rerun"},
}


def test_every_status_is_covered() -> None:
    assert set(EXPECTED) == set(TaskStatus)


@pytest.mark.parametrize("status", list(TaskStatus))
def test_each_status_allows_exactly_its_commands(status: TaskStatus) -> None:
    actions = task_actions(status).model_dump()
    assert {name for name, allowed in actions.items() if allowed} == EXPECTED[status]
