"""Entry points for child processes in the concurrency tests (kept import-light for spawn)."""

from __future__ import annotations

from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier


def run_queue(
    url: str, user_id: str, workspace_id: str, version: int, barrier: Barrier, results: Queue
) -> None:
    """Run the owner's queue at ``version`` once the other process is ready; report the outcome."""
    from media_pipeline.settings import Settings
    from media_pipeline.store import ConflictError, Owner, QueueService

    service = QueueService(url, Owner(user_id, workspace_id), settings=Settings())
    service.get_or_create_default_queue()  # connect before the race
    barrier.wait(timeout=60)
    try:
        results.put(("queued", len(service.run(version).queued)))
    except ConflictError:
        results.put(("conflict", 0))
    except Exception as exc:  # reported to the test, which fails on it
        results.put(("error", repr(exc)))
    finally:
        service.engine.dispose()
