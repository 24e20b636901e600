"""``select_launches`` (docs/ARCHITECTURE.md §4, fair dispatch): stages whose runs already exist and wait for
their slot must not keep another workspace's ready stage from being requested (head-of-line blocking).

The app DB is real (SQLite and PostgreSQL); the Dagster run lookup is a set of run keys here and a real
instance in ``test_sensors.py``.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import partial

from media_pipeline.orchestration.launch_selection import remembering, select_launches
from media_pipeline.settings import Settings
from media_pipeline.store import Owner, PipelineState, QueueService
from media_pipeline.store.pipeline_state import LaunchItem
from media_pipeline_tests.store.support import finish_stages, queue_tasks

WAITING_VIDEOS = 5


def _video_backlog_then_one_ready_image(db_url: str, settings: Settings) -> tuple[set[str], LaunchItem]:
    """WAITING_VIDEOS workspaces whose task waits at the video stage with its run already requested, then
    workspace B, queued last, whose task's images stage is ready. Returns the requested run keys and B's
    stage."""
    state = PipelineState(db_url)
    for index in range(WAITING_VIDEOS):
        (task,) = queue_tasks(QueueService(db_url, Owner(f"u{index}", f"w{index}"), settings=settings), 1)
        finish_stages(state, task.id, ["script", "images"])
    (small,) = queue_tasks(QueueService(db_url, Owner("u-b", "w-b"), settings=settings), 1)
    finish_stages(state, small.id, ["script"])
    launchable = state.launchable(state.now(), 50)
    assert [item.stage for item in launchable] == ["video"] * WAITING_VIDEOS + ["images"]
    return {item.run_key for item in launchable[:-1]}, launchable[-1]


def test_a_ready_stage_behind_waiting_runs_is_requested(db_url: str, settings: Settings) -> None:
    requested, ready = _video_backlog_then_one_ready_image(db_url, settings)
    state = PipelineState(db_url)
    asked: list[int] = []

    def launchable(window: int) -> list[LaunchItem]:
        asked.append(window)
        return state.launchable(state.now(), window)

    def with_run(keys: Collection[str]) -> set[str]:
        return requested & set(keys)

    chosen = select_launches(launchable, with_run, first=False, limit=2, max_window=100)
    assert chosen == [ready]
    assert asked == [4, 8], "the window doubles once: the first 4 stages all have runs"
    assert select_launches(launchable, with_run, first=True, limit=2, max_window=100) == []


def test_the_window_stops_at_its_bound(db_url: str, settings: Settings) -> None:
    requested, _ = _video_backlog_then_one_ready_image(db_url, settings)
    state = PipelineState(db_url)
    launchable = partial(state.launchable, state.now())
    with_run = requested.intersection
    assert select_launches(launchable, with_run, first=False, limit=2, max_window=WAITING_VIDEOS) == []


def test_remembering_asks_once_per_key() -> None:
    asked: list[list[str]] = []

    def with_run(keys: Collection[str]) -> set[str]:
        asked.append(list(keys))
        return {"a"} & set(keys)

    lookup = remembering(with_run)
    assert list(lookup(["a", "b"])) == ["a"]
    assert list(lookup(["b", "a", "c"])) == ["a"]
    assert asked == [["a", "b"], ["c"]]
