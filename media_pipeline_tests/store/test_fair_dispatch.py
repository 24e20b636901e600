"""Fair dispatch (docs/ARCHITECTURE.md §4): ``launchable`` goes round-robin across workspaces, queue order
within one, so a workspace that queued 200 videos does not make another wait for all of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from media_pipeline.settings import PlanLimits, Settings
from media_pipeline.store import Owner, PipelineState, QueueService
from media_pipeline_tests.store.support import queue_tasks

BIG_PLAN = {"free": PlanLimits(drafts_per_queue=250, items_per_add=250, runs_per_day=1000)}
A = Owner(user_id="user-a", workspace_id="ws-a")
B = Owner(user_id="user-b", workspace_id="ws-b")
C = Owner(user_id="user-c", workspace_id="ws-c")


def test_a_small_workspace_starts_within_the_next_dispatches(
    make_service: Callable[..., Any], clock: Any, settings: Settings
) -> None:
    big = settings.model_copy(update={"plans": BIG_PLAN})
    flood = queue_tasks(make_service(QueueService, A, settings=big), 200)
    clock.advance(60)
    (small,) = queue_tasks(make_service(QueueService, B, settings=big), 1)
    clock.advance(60)
    later = queue_tasks(make_service(QueueService, C, settings=big), 2)
    state: PipelineState = make_service(PipelineState)

    turns = [(item.task_id, item.turn) for item in state.launchable(clock(), 6)]
    assert turns == [
        (flood[0].id, 1),
        (small.id, 1),
        (later[0].id, 1),
        (flood[1].id, 2),
        (later[1].id, 2),
        (flood[2].id, 3),
    ]
    started = []
    for dispatch in range(6):  # each dispatch starts the next launchable stage, as the sensor's run would
        (item,) = state.launchable(clock(), 1)
        assert state.stage_started(item.task_id, item.generation, item.stage, f"run-{dispatch}", attempt=0)
        started.append(item.task_id)
    assert started == [task_id for task_id, _ in turns]
    assert [(item.task_id, item.turn) for item in state.launchable(clock(), 2)] == [
        (flood[3].id, 4),
        (flood[4].id, 5),
    ]
