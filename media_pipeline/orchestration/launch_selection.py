"""Which launchable stages a dispatch sensor requests in one tick (docs/ARCHITECTURE.md §4, fair dispatch).

Pure: the app DB query and the Dagster run lookup come in as callables, so the dispatcher simulation
(``bench/dispatch_sim.py``) runs exactly this selection on its fake clock and fake run queue.
"""

from collections.abc import Callable, Collection, Sequence

from media_pipeline.domain.stages import FIRST_STAGE
from media_pipeline.store.pipeline_state import LaunchItem

Launchable = Callable[[int], Sequence[LaunchItem]]
"""``PipelineState.launchable`` at the tick's instant: window size → items in dispatch order."""
RunKeysWithRun = Callable[[Collection[str]], Collection[str]]
"""Of the given run keys, those that already have a run (requested by any sensor or schedule)."""


def select_launches(
    launchable: Launchable, with_run: RunKeysWithRun, *, first: bool, limit: int, max_window: int
) -> list[LaunchItem]:
    """The first ``limit`` launchable stages (the first stage when ``first``, later ones otherwise) that
    have no run yet, in ``launchable``'s round-robin order.

    Stages with a run are dropped *before* the limit is applied: while a stage's runs wait for its slot
    (e.g. a backlog of video runs behind ``tag_concurrency_limits``), they would otherwise fill the window
    and no other workspace's ready stage would ever be requested (head-of-line blocking). The window starts
    at ``2 × limit`` and doubles, up to ``max_window``, while it came back full and fewer than ``limit``
    fresh stages were found; the bound keeps the query cheap and caps how far ahead of the slots runs are
    requested.
    """
    window = min(2 * limit, max_window)
    while True:
        found = launchable(window)
        items = [item for item in found if (item.stage == FIRST_STAGE) == first]
        taken = set(with_run([item.run_key for item in items]))
        fresh = [item for item in items if item.run_key not in taken][:limit]
        if len(fresh) >= limit or len(found) < window or window >= max_window:
            return fresh
        window = min(2 * window, max_window)


def remembering(with_run: RunKeysWithRun) -> RunKeysWithRun:
    """``with_run`` asking only about keys it has not been asked about before: one per sensor tick, whose
    long poll repeats the selection (a run, once requested, stays; a key without a run ends the poll)."""
    answers: dict[str, bool] = {}

    def lookup(keys: Collection[str]) -> Collection[str]:
        new = [key for key in keys if key not in answers]
        if new:
            found = set(with_run(new))
            answers.update((key, key in found) for key in new)
        return [key for key in keys if answers[key]]

    return lookup
