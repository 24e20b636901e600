"""Run heartbeats in the app DB (seed 004 §4): each stage run's worker records where it runs, which process
groups and helper processes it started, when it was last alive and when its work last moved
(docs/ARCHITECTURE.md, liveness); the rescue sensor and stop read them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete

from media_pipeline.liveness import ProgressMark
from media_pipeline.processes import ProcessRef
from media_pipeline.store.base import StoreBase
from media_pipeline.store.models import RunHeartbeat
from media_pipeline.store.queries import affected_rows


@dataclass(frozen=True, slots=True)
class RunWorker:
    """Where one stage run executes: its host, worker process, the process groups it started, its other
    child processes (``helpers``, ended by pid) and its progress mark."""

    run_id: str
    task_id: str
    generation: int
    stage: str
    host: str
    worker: ProcessRef
    children: tuple[ProcessRef, ...] = ()
    helpers: tuple[ProcessRef, ...] = ()
    progress: ProgressMark = field(default_factory=ProgressMark)


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """The latest recorded heartbeat of a run (``ended_at`` is set once its stage code returned;
    ``progressed_at`` is when its progress mark last moved, first the start)."""

    worker: RunWorker
    started_at: datetime
    beat_at: datetime
    ended_at: datetime | None
    progressed_at: datetime

    def last_sign_of_life(self) -> datetime:
        """When the worker was last known alive."""
        return max(self.beat_at, self.ended_at or self.beat_at)


class HeartbeatStore(StoreBase):
    """Writes and reads run heartbeats. ``HeartbeatStore(engine_or_url, *, clock=None)``."""

    def beat(self, worker: RunWorker) -> None:
        """Record that ``worker`` is alive now and its progress mark (creates the run's row on the first
        beat; ``progressed_at`` moves when the mark differs from the recorded one)."""
        now = self.now()
        children, helpers = _pairs(worker.children), _pairs(worker.helpers)
        mark = worker.progress
        with self._write() as session:
            row = session.get(RunHeartbeat, worker.run_id, with_for_update=True)
            if row is None:
                session.add(
                    RunHeartbeat(
                        run_id=worker.run_id,
                        task_id=worker.task_id,
                        generation=worker.generation,
                        stage=worker.stage,
                        host=worker.host,
                        pid=worker.worker.pid,
                        pid_start=worker.worker.start,
                        children=children,
                        helpers=helpers,
                        started_at=now,
                        beat_at=now,
                        progress_moves=mark.moves,
                        progress_note=mark.note,
                        progressed_at=now,
                    )
                )
                return
            if row.progress_moves != mark.moves:
                row.progress_moves, row.progress_note, row.progressed_at = mark.moves, mark.note, now
            row.children, row.helpers = children, helpers
            row.beat_at = now

    def end(self, run_id: str) -> None:
        """Record that the run's stage code returned (the worker may still be shutting down)."""
        now = self.now()
        with self._write() as session:
            row = session.get(RunHeartbeat, run_id, with_for_update=True)
            if row is not None:
                row.children, row.helpers = [], []
                row.ended_at = row.beat_at = now

    def get(self, run_id: str) -> Heartbeat | None:
        """The run's latest heartbeat, or None if its worker never recorded one."""
        with self._read() as session:
            row = session.get(RunHeartbeat, run_id)
            return None if row is None else _heartbeat(row)

    def prune(self, before: datetime) -> int:
        """Delete heartbeats of runs that ended before ``before``; returns how many."""
        with self._write() as session:
            result = session.execute(
                delete(RunHeartbeat).where(RunHeartbeat.ended_at.is_not(None), RunHeartbeat.ended_at < before)
            )
            return affected_rows(result)


def _pairs(refs: Sequence[ProcessRef]) -> list[list[int]]:
    return [[ref.pid, ref.start] for ref in refs]


def _refs(pairs: Sequence[Sequence[int]] | None) -> tuple[ProcessRef, ...]:
    return tuple(ProcessRef(int(pid), int(start)) for pid, start in pairs or ())


def _heartbeat(row: RunHeartbeat) -> Heartbeat:
    worker = RunWorker(
        run_id=row.run_id,
        task_id=row.task_id,
        generation=row.generation,
        stage=row.stage,
        host=row.host,
        worker=ProcessRef(row.pid, row.pid_start),
        children=_refs(row.children),
        helpers=_refs(row.helpers),
        progress=ProgressMark(row.progress_moves or 0, row.progress_note or ""),
    )
    return Heartbeat(
        worker=worker,
        started_at=row.started_at,
        beat_at=row.beat_at,
        ended_at=row.ended_at,
        progressed_at=row.progressed_at or row.started_at,
    )
